"""Shared parameter documentation, written once (imbalanced-learn's pattern).

Class docstrings use ``%(name)s`` placeholders filled by :class:`Substitution`.
"""

from __future__ import annotations


class Substitution:
    """Decorator filling ``%(name)s`` placeholders in a docstring."""

    def __init__(self, **params: str) -> None:
        self.params = params

    def __call__(self, obj):
        if obj.__doc__:
            obj.__doc__ = obj.__doc__ % self.params
        return obj


_network = """hidden_layer_sizes : tuple of int, default=%(hidden)s
        Widths of the encoder's hidden layers; the decoder mirrors them. An
        empty tuple gives a linear encoder and decoder.

    activation : {"relu", "tanh", "gelu", "elu", "leaky_relu", "sigmoid"}, \
default="relu"
        Activation of the hidden layers.

    dropout : float in [0, 1), default=%(dropout)s
        Dropout probability after each hidden activation (training only).

    batch_norm : bool, default=False
        Batch normalization after each hidden linear layer."""

_module = """module : torch.nn.Module or None, default=None
        Your own network, replacing the built-in MLP: any module with
        ``encode(X) -> Z`` and ``decode(Z) -> X_hat`` on batches of scaled
        rows (see "Your own network" in the user guide, and
        :class:`~sklearn_ae.modules.ConvAutoencoder` for images). Each fit
        trains a re-initialised copy, so the instance is a specification
        and is never trained itself; its code size sets ``n_components_``,
        and ``n_components`` and the network parameters below are unused.
        A module that breaks the protocol is an error at ``fit``.

    """

_training = """alpha : float, default=1e-4
        L2 penalty (weight decay) on the network weights.

    optimizer : {"adam", "adamw", "sgd"}, default="adam"
        Optimizer; "sgd" uses Nesterov momentum 0.9 as
        :class:`~sklearn.neural_network.MLPRegressor` does.

    optimizer_params : dict or None, default=None
        Further keyword arguments of the torch optimizer (e.g.
        ``{"betas": (0.9, 0.99)}`` or ``{"momentum": 0.5}``), overriding the
        defaults above. The learning rate and weight decay are set by
        ``learning_rate_init`` and ``alpha``.

    learning_rate_init : float, default=%(lr)s
        Initial learning rate.

    batch_size : int or "auto", default=%(batch_size)s
        Rows per mini-batch; "auto" is ``min(200, n_samples)``. The last
        partial batch is kept, so fewer rows than ``batch_size`` still train.

    max_iter : int or "auto", default=%(max_iter)s
        Maximum number of epochs (passes over the data, or samples of
        ``max_rows_per_epoch`` rows on larger tables). "auto" is
        %(auto_max_iter)s, doubled %(drops_where)s when early stopping is on
        (see ``max_rows_per_epoch``).

    max_rows_per_epoch : int or None, default=50_000
        On larger tables an epoch is this many training rows, drawn without
        replacement and continuing through one shuffled order from epoch to
        epoch (so every row is used before any is used twice), and at most
        a fifth of it is held out for early stopping. The stopping rule then
        checks progress at a fixed cost, and fit time stops growing with the
        rows once the model has converged. On such tables a plateau of the
        held-out loss first restores the best weights and divides the
        learning rate by 5, twice, before training stops, and "auto"
        ``max_iter`` and ``n_iter_no_change`` are twice their values on
        smaller tables, so that the lower rates have time to pay off (chosen
        on 100,000 to 300,000 rows, see the benchmarks). None makes every
        epoch a full pass. ``partial_fit`` always makes one full pass over
        its rows.

    shuffle : bool, default=True
        Reshuffle the rows at every epoch.

    tol : float, default=1e-4
        Training stops when the monitored loss (the training loss, or the
        validation loss with ``early_stopping``) has not improved by at least
        ``tol`` for ``n_iter_no_change`` consecutive epochs. Reaching
        ``max_iter`` first raises a
        :class:`~sklearn.exceptions.ConvergenceWarning`.

    early_stopping : "auto" or bool, default=%(early_stopping)s
        Hold out ``validation_fraction`` of the rows, stop when their loss
        stops improving and restore the weights of the best epoch, so the
        data decide how long to train. "auto" does so whenever at least 20
        rows would be held out, and otherwise%(small_tables)s.
        For the denoising models the held-out rows are corrupted too (with
        the same noise every epoch), so the held-out loss is the denoising
        loss they are trained for.

    validation_fraction : float in (0, 1), default=0.1
        Share of rows held out when early stopping is on.

    n_iter_no_change : int or "auto", default="auto"
        Epochs without improvement tolerated before stopping. "auto" is 10,
        doubled %(drops_where)s when early stopping is on.

    callbacks : list or None, default=None
        skorch callbacks run during training besides the estimator's own
        (`LRScheduler`, `GradientNormClipping`, `Checkpoint`, your own
        :class:`skorch.callbacks.Callback`), as instances or ``(name,
        callback)`` pairs. Each fit uses copies, so the instances you pass
        are never changed."""

_loss = """loss : {"mse", "bce", "huber"}, default=%(loss)s
        Reconstruction loss, in scaled units. "huber" is squared error for
        errors under one standard deviation and absolute error beyond, so a
        few heavy-tailed columns cannot dominate. "bce" (binary cross-entropy)
        is for data in [0, 1]: with ``standardize=True`` each feature is then
        min-max scaled instead of standardized, otherwise X must lie in [0, 1].

    standardize : bool, default=True
        Centre and scale each feature (fitted in ``fit``) before the network
        and undo the scaling on every output, so raw tables with columns in
        different units work. The scale is the standard deviation, but never
        below half the typical departure from the column's median
        (:class:`~sklearn_ae._scaling.StableScaler`), so near-constant
        columns (rare flags, image border pixels) cannot dominate the loss or
        the scores; numerically constant features get unit scale.

    sparsity : float, default=0.0
        Weight of an L1 penalty on the code (a sparse autoencoder).

    contractive : float, default=0.0
        Weight of the squared Frobenius norm of the encoder's Jacobian (a
        contractive autoencoder), estimated with one random projection per
        batch."""

_common = """warm_start : bool, default=False
        Continue training the fitted network on the next call to ``fit``
        instead of starting afresh.

    random_state : int, RandomState instance or None, default=None
        Seeds weight initialization, shuffling, dropout and noise. An int
        gives identical results on CPU and leaves NumPy's global random
        state untouched; None draws the seed from it, as scikit-learn's
        estimators do. torch's global generators are never touched. GPU
        runs are not bitwise reproducible.

    verbose : int, default=0
        0 is silent, 1 prints a table of epochs, 2 adds a progress bar.

    device : {"auto", "cpu", "cuda", "cuda:N", "mps"}, default="auto"
        Where to train and infer; "auto" takes CUDA when available.
        Outputs are always NumPy arrays (or DataFrames) on the CPU.

    accelerator : accelerate.Accelerator or None, default=None
        Train through Hugging Face Accelerate (skorch's ``AccelerateMixin``):
        mixed precision, and several GPUs or machines when the script runs
        under ``accelerate launch`` (each process then trains on its share
        of every epoch's batches, and gradients are averaged). The
        accelerator places the network and ``device`` is unused. See "Large
        data and clusters" in the user guide."""

_fitted = """n_features_in_ : int
        Number of features seen during ``fit``.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during ``fit``, when X has string column names.

    net_ : skorch.NeuralNet
        The fitted skorch net, on scaled data: ``net_.module_`` is the
        trained torch module, ``net_.history`` its training history,
        ``net_.forward(X_scaled)`` and ``net_.predict(X_scaled)`` its outputs
        (``predict`` gives the raw reconstruction) and
        ``net_.save_params(f_params=...)`` saves its weights. Use the
        estimator's own methods for data in original units.

    device_ : str
        The device actually used.

    n_iter_ : int
        Epochs run.

    loss_curve_ : list of float
        Training loss per epoch.

    best_loss_ : float
        Lowest training loss reached.

    validation_scores_ : list of float or None
        Negative validation loss per epoch with ``early_stopping``, else None."""

_noise = """noise : {"gaussian", "masking", "salt_and_pepper", "mixed"}, \
default=%(noise)s
        Corruption applied to training batches only, fresh every batch from
        the seeded generator: "gaussian" adds noise of std ``noise_level``
        (in standardized units); "masking" drops each entry (marks it missing)
        with probability ``noise_level``; "salt_and_pepper" replaces each
        entry, with probability ``noise_level``, by its feature's training
        minimum or maximum (half each). "mixed" trains a blind denoiser: each
        row draws one of the three kinds and a strength share ``s = u **
        2.5`` (``u`` uniform in [0, 1], so most rows are corrupted lightly),
        then gets gaussian noise of std ``s * noise_level``, or masking or
        salt-and-pepper with probability ``s * noise_level / 2``, so the
        model does not need to know the noise it will meet. Nothing is
        corrupted at inference.

    noise_level : float, default=%(noise_level)s
        Noise std ("gaussian"), corruption probability ("masking",
        "salt_and_pepper"), or the largest std ("mixed"). With "mixed",
        test noise larger than about ``noise_level`` times a feature's scale
        is beyond what the model trained on: raise it for such noise."""

shared_docs = {
    "module": _module,
    "network": _network,
    "training": _training,
    "loss": _loss,
    "common": _common,
    "fitted": _fitted,
}


def fill_docs(**defaults: str) -> Substitution:
    """Substitution with the shared fragments and per-class defaults filled in.

    ``lr``, ``batch_size``, ``max_iter``, ``dropout``, ``drops_where`` and
    ``small_tables`` default to the base's values (``auto_max_iter`` has no default).
    """
    defaults = {
        "lr": "1e-3",
        "batch_size": '"auto"',
        "max_iter": '"auto"',
        "dropout": "0.0",
        "drops_where": "on tables larger than ``max_rows_per_epoch``",
        "small_tables": " stops on the training loss",  # (after "otherwise")
        **defaults,
    }
    docs = {**shared_docs, "noise": _noise} if "noise" in defaults else shared_docs
    params = {name: text % defaults for name, text in docs.items()}
    return Substitution(**params)
