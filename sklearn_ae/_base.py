"""The skorch-backed base shared by every sklearn_ae estimator.

:class:`BaseAutoencoder` holds the hyper-parameters common to all models,
validates them declaratively, scales the data, seeds torch locally, builds a
private :class:`~sklearn_ae._net.AutoencoderNet` into ``net_`` and runs
batched inference. Estimators customise it through a few hooks:
``_build_module``, ``_build_criterion``, ``_build_corruption``,
``_extra_callbacks`` and ``_encode_target``.
"""

from __future__ import annotations

import copy
import inspect
import sys
import warnings
from collections import defaultdict
from contextlib import contextmanager
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import MinMaxScaler
from sklearn.utils import check_random_state
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_array, check_is_fitted
from skorch.callbacks import Callback, ProgressBar
from skorch.exceptions import DeviceWarning
from skorch.history import History
from skorch.utils import noop

from ._compat import Interval, StrOptions, _fit_context, validate_data
from ._data import Affine, ArrayTable, BatchIterator, HoldoutSplit, TensorTable, batched_apply
from ._modules import (
    ACTIVATIONS,
    Autoencoder,
    ModuleAdapter,
    configured,
    init_parameters,
    isolated_global_rng,
)
from ._net import (
    AcceleratedAutoencoderNet,
    AutoencoderNet,
    DivergenceGuard,
    PlateauStopping,
    ReconstructionLoss,
)
from ._scaling import StableScaler

OPTIMIZERS = {
    "adam": (torch.optim.Adam, {}),
    "adamw": (torch.optim.AdamW, {}),
    "sgd": (torch.optim.SGD, {"momentum": 0.9, "nesterov": True}),
}

#: torch's fused Adam kernels (CPU and CUDA since torch 2.4) cut a step's
#: optimizer time by about a third on small networks.
FUSED_ADAM = tuple(int(v) for v in torch.__version__.split(".")[:2]) >= (2, 4)


def optimizer_kwargs(name: str, device: torch.device) -> dict:
    """Extra keyword arguments of optimizer ``name`` on ``device``."""
    kwargs = dict(OPTIMIZERS[name][1])
    if name in ("adam", "adamw") and FUSED_ADAM and device.type in ("cpu", "cuda"):
        kwargs["fused"] = True
    return kwargs


#: With ``early_stopping="auto"``, the held-out loss decides when to stop once
#: at least this many rows would be held out (below it, the training loss does).
AUTO_MIN_VALIDATION_ROWS = 20

#: Rows per batch at inference (no gradients, so larger than in training).
INFERENCE_BATCH_SIZE = 4096

#: On tables larger than ``max_rows_per_epoch`` (an epoch is then a sample of
#: the rows, at a fixed cost), a plateau of the held-out loss first divides
#: the learning rate by 5, this many times, before the fit stops.
CAPPED_LR_DROPS = 2
CAPPED_LR_FACTOR = 0.2

#: ``max_iter="auto"`` and ``n_iter_no_change="auto"`` on those tables: this
#: many times the estimator's own defaults (``_auto_max_iter`` epochs, a
#: patience of ``AUTO_N_ITER_NO_CHANGE``), the time the drops need to pay off.
CAPPED_BUDGET_FACTOR = 2
AUTO_N_ITER_NO_CHANGE = 10


def resolve_device(device) -> torch.device:
    """Turn the ``device`` parameter into a concrete, available torch device."""
    if isinstance(device, str) and device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError):
        raise ValueError(
            f"device must be 'auto', 'cpu', 'cuda', 'cuda:N' or 'mps'; got {device!r}."
        ) from None
    if resolved.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(
                f"device={device!r} was requested but CUDA is not available "
                "(torch.cuda.is_available() is False). Use device='auto' or 'cpu'."
            )
        if resolved.index is not None and resolved.index >= torch.cuda.device_count():
            raise ValueError(
                f"device={device!r} was requested but only "
                f"{torch.cuda.device_count()} CUDA device(s) exist."
            )
    elif resolved.type == "mps":
        if not (hasattr(torch.backends, "mps") and torch.backends.mps.is_available()):
            raise ValueError(f"device={device!r} was requested but MPS is not available.")
    elif resolved.type != "cpu":
        raise ValueError(
            f"device must be 'auto', 'cpu', 'cuda', 'cuda:N' or 'mps'; got {device!r}."
        )
    return resolved


def _non_numeric_columns(X) -> list[tuple[object, object]]:
    """``(column, first value that is not a number)`` for each such column of X.

    Columns are named as the caller named them (a DataFrame's labels, else
    positions); only 2-D inputs are scanned.
    """
    if hasattr(X, "columns") and hasattr(X, "iloc"):  # a DataFrame
        columns = [(name, X.iloc[:, j]) for j, name in enumerate(X.columns)]
    else:
        array = np.asarray(X, dtype=object) if isinstance(X, list) else X
        if not isinstance(array, np.ndarray) or array.ndim != 2:
            return []
        columns = [(j, array[:, j]) for j in range(array.shape[1])]

    def is_number(value) -> bool:
        try:
            float(value)
        except (TypeError, ValueError):
            return False
        return True

    bad = []
    for name, column in columns:
        kind = column.dtype.kind
        if kind in "biuf":  # numeric (bool included) by its dtype
            continue
        # dates cast to numbers but are not; any other column gets one
        # vectorized conversion, its values read one by one only if it fails
        if kind not in "mM":
            try:
                np.asarray(column, dtype=np.float64)
                continue
            except (TypeError, ValueError):
                pass
        values = np.asarray(column, dtype=object).ravel()
        bad.append((name, next((v for v in values if not is_number(v)), column.dtype)))
    return bad


def validate_numeric(estimator, X, **kwargs):
    """scikit-learn's ``validate_data``, with non-numeric columns named.

    A value that cannot be read as a number fails as ``validate_data`` does
    (ValueError), but the message names every such column and says what to
    do; only then, on the failing path, are the columns scanned.
    """
    try:
        return validate_data(estimator, X, **kwargs)
    except (ValueError, TypeError) as error:
        # strings ("could not convert") and dates ("could not be promoted");
        # other TypeErrors keep scikit-learn's own message
        if not any(m in str(error) for m in ("could not convert", "could not be promoted")):
            raise
        bad = _non_numeric_columns(X)
        if not bad:
            raise
        shown = ", ".join(f"{name!r} (e.g. {value!r})" for name, value in bad[:5])
        more = f" and {len(bad) - 5} more" if len(bad) > 5 else ""
        kind = ValueError if isinstance(error, ValueError) else TypeError
        raise kind(
            f"{type(estimator).__name__} needs numeric input, but these columns are "
            f"not numeric: {shown}{more}. {estimator._non_numeric_hint}"
        ) from error


class BaseAutoencoder(BaseEstimator):
    """Private base of all sklearn_ae estimators (not for direct use).

    Subclasses spell out their full ``__init__`` signature and may extend
    ``_parameter_constraints``.
    """

    _parameter_constraints: dict = {
        "n_components": [Interval(Integral, 1, None, closed="left"), None],
        "module": [None, torch.nn.Module],
        "optimizer_params": [None, dict],
        "callbacks": [None, list],
        "hidden_layer_sizes": ["array-like"],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "batch_norm": ["boolean"],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "optimizer": [StrOptions(set(OPTIMIZERS))],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "batch_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "max_iter": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "max_rows_per_epoch": [Interval(Integral, 1, None, closed="left"), None],
        "shuffle": ["boolean"],
        "tol": [Interval(Real, 0, None, closed="left")],
        "early_stopping": [StrOptions({"auto"}), "boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "loss": [StrOptions({"mse", "bce", "huber"})],
        "standardize": ["boolean"],
        "sparsity": [Interval(Real, 0, None, closed="left")],
        "contractive": [Interval(Real, 0, None, closed="left")],
        "warm_start": ["boolean"],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "device": [str, torch.device],
        "accelerator": "no_validation",  # checked at fit (see _training_device)
    }

    #: Whether the estimator accepts NaN (missing values) in X.
    _allow_nan = False

    #: Whether the estimator has ``partial_fit``.
    _incremental = True

    #: Whether reaching ``max_iter`` before ``tol`` is met warrants a
    #: ConvergenceWarning (False where ``max_iter`` is a training budget).
    _warn_unconverged = True

    #: Whether new fits of the built-in network add linear maps around its
    #: hidden layers (see :class:`~sklearn_ae._modules.Autoencoder`); each fit
    #: records its choice in ``_shortcut``, so a model saved before the
    #: shortcut existed is rebuilt as it was trained.
    _fits_shortcut = False

    #: Whether plateaus of the held-out loss drop the learning rate on tables
    #: within ``max_rows_per_epoch`` too (as on larger ones).
    _drops_on_every_table = False

    #: What the error on non-numeric columns suggests (see :func:`validate_numeric`).
    _non_numeric_hint = (
        "Encode them first (for instance with OneHotEncoder in a ColumnTransformer) or "
        "drop them; VAEGenerator models mixed tables as they are."
    )

    #: What ``max_iter="auto"`` stands for on tables within ``max_rows_per_epoch``.
    _auto_max_iter = 200

    # ------------------------------------------------------------------ tags
    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = self._allow_nan
        tags.non_deterministic = not _is_cpu(self.device)
        if tags.transformer_tags is not None:
            tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags

    # ----------------------------------------------------------- validation
    def _validate_X(self, X, *, reset: bool) -> np.ndarray:
        """Validate X: 2-D, numeric, finite (NaN allowed when the model allows it)."""
        return validate_numeric(
            self,
            X,
            reset=reset,
            dtype=[np.float64, np.float32],
            ensure_all_finite="allow-nan" if self._allow_nan else True,
        )

    def _check_hyperparameters(self, X: np.ndarray) -> None:
        """Checks the declarative constraints cannot express."""
        sizes = self.hidden_layer_sizes
        if not all(isinstance(h, Integral) and not isinstance(h, bool) and h > 0 for h in sizes):
            raise ValueError(f"hidden_layer_sizes must hold positive integers; got {sizes!r}.")
        if self.early_stopping is True and X.shape[0] < 2:
            raise ValueError(
                f"early_stopping=True needs at least 2 samples to hold some out; got {X.shape[0]}."
            )
        # (VAEGenerator has neither parameter: its loss is the ELBO)
        if getattr(self, "loss", None) == "bce" and not getattr(self, "standardize", True):
            lo, hi = np.nanmin(X), np.nanmax(X)
            if lo < 0 or hi > 1:
                raise ValueError(
                    f"loss='bce' with standardize=False needs X in [0, 1]; got values in "
                    f"[{lo:.3g}, {hi:.3g}]. Use standardize=True to min-max scale it."
                )

    # ---------------------------------------------------------------- hooks
    def _resolve_early_stopping(self, n_samples: int) -> bool:
        """Whether this fit holds rows out; ``"auto"`` does once enough rows exist."""
        if self.early_stopping == "auto":
            return self.validation_fraction * n_samples >= AUTO_MIN_VALIDATION_ROWS
        return bool(self.early_stopping)

    def _training_device(self) -> torch.device:
        """The device to train on: the accelerator's when one is given, else ``device``'s."""
        if getattr(self, "accelerator", None) is not None:
            for attribute in ("device", "backward", "prepare"):
                if not hasattr(self.accelerator, attribute):
                    raise ValueError(
                        "accelerator must be an accelerate.Accelerator; got "
                        f"{type(self.accelerator).__name__}, which has no {attribute!r}."
                    )
            return torch.device(self.accelerator.device)
        return resolve_device(self.device)

    #: The default code size is this many times ``ceil(sqrt(n_features))``
    #: (below ``n_features`` when more than 1).
    _code_size_factor = 1

    def _resolve_n_components(self, n_features: int) -> int:
        if self.n_components is not None:
            return int(self.n_components)
        size = self._code_size_factor * int(np.ceil(np.sqrt(n_features)))
        if self._code_size_factor > 1:
            size = min(size, n_features - 1)
        return max(1, min(n_features, size))

    def _check_module(self, n_features: int) -> int:
        """Check a user ``module`` against the protocol; return its code size.

        The module must have ``encode(X) -> Z`` and ``decode(Z) -> X_hat``;
        a copy is run on two rows of zeros, so a module that breaks the
        protocol fails here with a message, before any training.
        """
        module, name = self.module, type(self.module).__name__
        missing = [m for m in ("encode", "decode") if not callable(getattr(module, m, None))]
        if missing:
            raise ValueError(
                f"module {name} has no {' or '.join(missing)} method: a module needs "
                "encode(X) -> Z and decode(Z) -> X_hat (see 'Your own network' in the "
                "user guide)."
            )
        n_features = self._module_width(n_features)
        probe = self._adapter(configured(module, n_features)).eval()
        weight = next(probe.parameters(), None)
        x = torch.zeros(
            2,
            n_features,
            dtype=torch.float32 if weight is None else weight.dtype,
            device=None if weight is None else weight.device,
        )
        shape = f"(2, {n_features})"
        with torch.no_grad():
            try:
                z = probe.code(x, torch.ones_like(x) if probe.takes_mask else None)
            except Exception as error:  # noqa: BLE001 - any failure is the module's
                raise ValueError(
                    f"module {name}.encode failed on a batch of shape {shape} (the network "
                    f"reads {n_features} columns per row): {type(error).__name__}: {error}"
                ) from error
            if not isinstance(z, torch.Tensor) or z.dim() != 2 or z.shape[0] != 2:
                got = tuple(z.shape) if isinstance(z, torch.Tensor) else type(z).__name__
                raise ValueError(
                    f"module {name}.encode must return a tensor of shape (n_samples, "
                    f"n_components); on a batch of shape {shape} it returned {got}."
                )
            try:
                out = probe.decode(z)
            except Exception as error:  # noqa: BLE001
                raise ValueError(
                    f"module {name}.decode failed on codes of shape {tuple(z.shape)}: "
                    f"{type(error).__name__}: {error}"
                ) from error
        if not isinstance(out, torch.Tensor) or tuple(out.shape) != (2, n_features):
            got = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
            raise ValueError(
                f"module {name}.decode must return a tensor of shape (n_samples, "
                f"n_features) = {shape}, as the network reads {n_features} columns per "
                f"row; it returned {got}."
            )
        return int(z.shape[1])

    def _module_width(self, n_features: int) -> int:
        """Columns the network reads and writes (the VAE's encoded table is wider)."""
        return n_features

    def _adapter(self, module: torch.nn.Module) -> ModuleAdapter:
        """Wrap a user module in the interface this estimator calls."""
        return ModuleAdapter(module, sigmoid_output=self.loss == "bce")

    def _user_module(self) -> ModuleAdapter:
        """A copy of the user's ``module``, adapted (``_make_net`` initialises it)."""
        return self._adapter(configured(self.module, self._module_width(self.n_features_in_)))

    def _make_scaler(self):
        if not self.standardize:
            return None
        return MinMaxScaler() if self.loss == "bce" else StableScaler()

    def _build_module(self, n_features: int) -> torch.nn.Module:
        if self.module is not None:
            return self._user_module()
        return Autoencoder(
            n_features,
            self.n_components_,
            tuple(self.hidden_layer_sizes),
            activation=self.activation,
            dropout=self.dropout,
            batch_norm=self.batch_norm,
            mask_input=self._allow_nan,
            sigmoid_output=self.loss == "bce",
            shortcut=vars(self).get("_shortcut", False),
        )

    def _build_criterion(self) -> torch.nn.Module:
        return ReconstructionLoss(self.loss, self.sparsity, self.contractive)

    def _build_corruption(self, seed: int, X: np.ndarray):
        return None

    def _training_table(self, X: np.ndarray, y_enc, device: torch.device):
        """The rows to train on: X itself, scaled batch by batch on the way to ``device``.

        No scaled copy of X is made on the CPU. On an accelerator the scaled
        rows are copied to the device once (chunk by chunk) when they take
        less than half of its free memory, so batches need no transfer.
        """
        table = ArrayTable(X, device, self._scaling(), y=y_enc, allow_nan=self._allow_nan)
        if device.type == "cuda":
            free, _ = torch.cuda.mem_get_info(device)
            if 2 * X.shape[0] * X.shape[1] * 4 < free:
                return table.resident()
        return table

    def _extra_callbacks(self, max_epochs: int) -> list:
        return []

    def _warmup_epochs(self) -> int:
        """Epochs of a warm-up in ``_extra_callbacks`` that early stopping ignores."""
        return 0

    def _stopping_budget(self, n_samples: int) -> tuple[int, int, bool]:
        """``(max_iter, n_iter_no_change, drops)`` for a fit on ``n_samples`` rows.

        ``drops`` says that plateaus of the held-out loss first drop the
        learning rate: with early stopping, on tables larger than
        ``max_rows_per_epoch`` (whose epochs are samples) or on every table
        where the estimator says so (``_drops_on_every_table``). "auto" is
        then ``CAPPED_BUDGET_FACTOR`` times the estimator's defaults, and
        otherwise the defaults themselves.
        """
        cap = self.max_rows_per_epoch
        capped = cap is not None and n_samples > cap
        drops = (capped or self._drops_on_every_table) and bool(self._early_stopping)
        factor = CAPPED_BUDGET_FACTOR if drops else 1
        max_iter, patience = self.max_iter, self.n_iter_no_change
        if isinstance(max_iter, str):
            max_iter = factor * self._auto_max_iter
        if isinstance(patience, str):
            patience = factor * AUTO_N_ITER_NO_CHANGE
        return int(max_iter), int(patience), drops

    def _encode_target(self, y, *, fitting: bool):
        """Per-row labels for conditional models; ``None`` means unused."""
        return None

    # ------------------------------------------------------------------ fit
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Fit the autoencoder to X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : None
            Ignored; present for API consistency.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        self._fit(X, y)
        return self

    @available_if(lambda self: self._incremental)
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None):
        """Train on X for one pass (one epoch), continuing any previous training.

        The first call builds the network, as ``fit`` does; each call then
        updates the scaling statistics with X (exact running means and
        variances) and makes one shuffled pass over its rows with the same
        optimizer, its state kept between calls. Calls draw fresh shuffles
        and noise (nothing is replayed), and no rows are held out: the
        caller decides when to stop, as with ``dask_ml.wrappers.Incremental``
        or a stream. ``max_iter``, ``early_stopping`` and ``warm_start`` do
        not apply.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            One batch of training rows; later calls must have the same
            features.
        y : None
            Ignored; present for API consistency.

        Returns
        -------
        self : object
            The updated estimator.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn.datasets import load_digits
        >>> from sklearn_ae import AutoencoderTransformer
        >>> X = load_digits().data
        >>> ae = AutoencoderTransformer(n_components=8, random_state=0)
        >>> for chunk in np.array_split(X, 4):
        ...     ae = ae.partial_fit(chunk)
        >>> ae.n_iter_, ae.transform(X).shape
        (4, (1797, 8))
        """
        self._after_partial_fit(self._fit(X, y, incremental=True))
        return self

    def _after_partial_fit(self, X) -> None:
        """Hook: refresh what depends on the data after a ``partial_fit`` call."""

    def _fit(self, X, y=None, *, incremental=False) -> np.ndarray:
        """Validate, scale and train; return the validated X.

        ``incremental`` (``partial_fit``) continues a fitted network for one
        epoch over X, with no held-out rows, updating the scaling statistics.
        """
        warm = self._continues(incremental)
        if warm:
            # validate against the fitted state without changing it, so a
            # rejected refit leaves the fitted estimator usable
            try:
                X = self._validate_X(X, reset=False)
            except ValueError as error:
                if incremental:
                    raise ValueError(
                        f"partial_fit continues the fitted network, but: {error}"
                    ) from None
                raise ValueError(
                    f"warm_start=True continues the fitted network, but: {error} "
                    "Set warm_start=False to refit."
                ) from None
        else:
            X = self._validate_X(X, reset=True)
        self._check_hyperparameters(X)
        y_enc = self._encode_target(y, fitting=not warm)
        device = self._training_device()
        if warm and incremental and self.scaler_ is not None:
            self.scaler_.partial_fit(X)
        if not warm:
            self._early_stopping = (
                False if incremental else self._resolve_early_stopping(X.shape[0])
            )
            self._shortcut = self._fits_shortcut
            self.scaler_ = self._make_scaler()
            if self.scaler_ is not None:
                self.scaler_.fit(X)
            if getattr(self, "module", None) is not None:
                self.n_components_ = self._check_module(X.shape[1])
            else:
                self.n_components_ = self._resolve_n_components(X.shape[1])
        table = self._training_table(X, y_enc, device)
        seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
        if warm:
            net = self.net_
            if net.device is not None:  # (an accelerator places its network itself)
                net.set_params(device=str(device))
            net.module_.to(device)
            net.criterion_.to(device)
        else:
            # what rebuilds this net (sklearn_ae.load): seeds, batch size, labels
            # (partial_fit's later calls may bring more rows than its first)
            self._net_args = {
                "n_samples": X.shape[0] if not incremental else max(X.shape[0], 200),
                "seed": seed,
                "conditional": y_enc is not None,
            }
            corruption = self._build_corruption(seed, X)
            net = self._make_net(X.shape[1], device, corruption, **self._net_args)
        if incremental:
            # one epoch on every row given: nothing held out, nothing restored
            stopper = dict(net.callbacks_)["stopping"]
            with _overriding(
                (net, "train_split", None),
                (net, "iterator_train__max_rows", None),
                (stopper, "monitor", "train_loss"),
                (stopper, "load_best", False),
            ):
                net.partial_fit(table, epochs=1)
            self._early_stopping = False
        else:
            net.partial_fit(table)
        self.net_ = net
        self.device_ = str(device)
        self._record_history(warn=not incremental)
        return X

    def _make_net(
        self, n_features, device, corruption, *, n_samples, seed, conditional=False
    ) -> AutoencoderNet:
        if self.batch_size == "auto":
            batch_size = min(200, n_samples)
        else:
            batch_size = min(self.batch_size, n_samples)
        sink = print if self.verbose else noop
        cap = self.max_rows_per_epoch
        max_epochs, patience, drops = self._stopping_budget(n_samples)
        callbacks = [
            ("divergence", DivergenceGuard()),
            (
                "stopping",
                PlateauStopping(
                    monitor="valid_loss" if self._early_stopping else "train_loss",
                    patience=patience,
                    threshold=self.tol,
                    threshold_mode="abs",
                    load_best=self._early_stopping,
                    sink=sink,
                    lr_drops=CAPPED_LR_DROPS if drops else 0,
                    lr_factor=CAPPED_LR_FACTOR,
                    start=self._warmup_epochs(),
                ),
            ),
            *self._extra_callbacks(max_epochs),
            *self._user_callbacks(),
        ]
        if self.verbose >= 2:
            callbacks.append(("progress", ProgressBar()))
        optimizer = OPTIMIZERS[self.optimizer][0]
        extra = {**optimizer_kwargs(self.optimizer, device), **self._optimizer_params(optimizer)}
        split = None
        if self._early_stopping:
            split = HoldoutSplit(self.validation_fraction, seed, None if cap is None else cap // 5)
        # torch's layers draw initial weights in their constructors from the
        # global generator: build in isolation, then draw from our own
        with isolated_global_rng():
            module = self._build_module(n_features)
        init_parameters(module, torch.Generator().manual_seed(seed))
        net_class, placement = AutoencoderNet, {"device": str(device)}
        if getattr(self, "accelerator", None) is not None:
            # the accelerator places the network (skorch's AccelerateMixin)
            net_class = AcceleratedAutoencoderNet
            placement = {
                "device": None,
                "accelerator": self.accelerator,
                "callbacks__print_log__sink": self.accelerator.print if self.verbose else noop,
            }
        net = net_class(
            module=module,
            criterion=self._build_criterion(),
            optimizer=optimizer,
            lr=self.learning_rate_init,
            max_epochs=max_epochs,
            batch_size=batch_size,
            iterator_train=BatchIterator,
            iterator_train__shuffle=self.shuffle,
            iterator_train__seed=seed,
            iterator_train__max_rows=cap,
            iterator_valid=BatchIterator,
            dataset=TensorTable,
            train_split=split,
            callbacks=callbacks,
            verbose=int(self.verbose),
            **placement,
            corruption=corruption,
            conditional=conditional,
            seed=seed,
            **{f"optimizer__{k}": v for k, v in extra.items()},
            optimizer__weight_decay=self.alpha,
        )
        with warnings.catch_warnings():
            # (skorch notes that an accelerator's net names no device: by design)
            warnings.simplefilter("ignore", DeviceWarning)
            return net.initialize()

    def _user_callbacks(self) -> list:
        """Copies of the ``callbacks`` parameter (the parameter itself is never mutated)."""
        callbacks = []
        for i, item in enumerate(self.callbacks or []):
            name, callback = item if isinstance(item, tuple) and len(item) == 2 else (None, item)
            if not isinstance(callback, Callback) or not isinstance(name, (str, type(None))):
                raise ValueError(
                    f"callbacks[{i}] must be a skorch callback or a (name, callback) pair; "
                    f"got {item!r}."
                )
            callback = copy.deepcopy(callback)
            callbacks.append(callback if name is None else (name, callback))
        return callbacks

    def _optimizer_params(self, optimizer) -> dict:
        """``optimizer_params``, checked against the optimizer's arguments."""
        params = dict(self.optimizer_params or {})
        owned = {"lr": "learning_rate_init", "weight_decay": "alpha"}
        accepted = set(inspect.signature(optimizer).parameters) - {"params", *owned}
        for key in params:
            if key in owned:
                raise ValueError(
                    f"optimizer_params sets {key!r}; use the estimator's {owned[key]} instead."
                )
            if key not in accepted:
                raise ValueError(
                    f"optimizer_params has {key!r}, which {optimizer.__name__} does not take; "
                    f"it takes {sorted(accepted)}."
                )
        return params

    def _continues(self, incremental: bool = False) -> bool:
        """Whether a fit continues the fitted network (``warm_start`` or ``partial_fit``)."""
        fitted = hasattr(self, "net_") and hasattr(self, "n_features_in_")
        return (self.warm_start or incremental) and fitted

    def _best_epoch(self) -> int:
        """The epoch (1-based) whose weights early stopping kept, else the last.

        The kept weights are those of the last epoch that improved the
        held-out loss by more than tol (skorch's ``best_epoch_``).
        """
        stopper = dict(self.net_.callbacks_)["stopping"]
        return stopper.best_epoch_ or len(self.net_.history)

    def _record_history(self, warn: bool = True) -> None:
        history = self.net_.history
        self.n_iter_ = len(history)
        self.loss_curve_ = [float(v) for v in history[:, "train_loss"]]
        stopper = dict(self.net_.callbacks_)["stopping"]
        if self._early_stopping:
            # (epochs run by partial_fit hold no valid_loss)
            self.validation_scores_ = [
                -float(r["valid_loss"]) for r in history if "valid_loss" in r
            ]
            self.best_loss_ = self.loss_curve_[self._best_epoch() - 1]
        else:
            self.validation_scores_ = None
            self.best_loss_ = float(np.min(self.loss_curve_))
        if warn and self._warn_unconverged and stopper.misses_ < stopper.patience:
            warnings.warn(
                f"{type(self).__name__}: maximum iterations ({self.net_.max_epochs}) reached "
                "and the optimization hasn't converged yet (the loss still improved by "
                "more than tol).",
                ConvergenceWarning,
                stacklevel=_caller_stacklevel(),
            )

    # ------------------------------------------------------------ inference
    def _scale(self, X: np.ndarray) -> np.ndarray:
        return X if self.scaler_ is None else self.scaler_.transform(X)

    def _scaling(self):
        """``scaler_`` as an :class:`~sklearn_ae._data.Affine` map (None: no scaling)."""
        scaler = self.scaler_
        if scaler is None:
            return None
        if isinstance(scaler, StableScaler):
            return Affine(scaler.mean_, scaler.scale_)
        if isinstance(scaler, MinMaxScaler):  # x * s + m = (x + m / s) / (1 / s)
            return Affine(-scaler.min_ / scaler.scale_, 1.0 / scaler.scale_)
        return scaler.transform

    def _unscale(self, X: np.ndarray) -> np.ndarray:
        return X if self.scaler_ is None else self.scaler_.inverse_transform(X)

    def _inference_module(self, dtype=np.float64) -> torch.nn.Module:
        """The trained module in eval mode, in ``dtype`` on the CPU (``net_.inference_module``)."""
        torch_dtype = torch.float64 if np.dtype(dtype) == np.float64 else torch.float32
        return self.net_.inference_module(torch_dtype)

    def _infer(self, fn, X: np.ndarray, y=None, *, scale=False, post=None):
        """Run ``fn(module, X, mask, y)`` over the rows of X, chunk by chunk.

        With ``scale`` each chunk of the raw rows is scaled on its way (no
        scaled copy of X is made). Without gradients, in eval mode, in X's
        dtype on the CPU (float32 on accelerators); ``post`` reduces each
        chunk's NumPy output(s) (see :func:`~sklearn_ae._data.batched_apply`).
        """
        module = self._inference_module(X.dtype)
        dtype = next(module.parameters()).dtype
        transform = self._scaling() if scale else None
        table = ArrayTable(
            X,
            self.net_.device_for_data,
            transform,
            dtype=dtype,
            y=y,
            allow_nan=self._allow_nan or not scale,
            reuse_buffer=True,
        )
        return batched_apply(
            lambda *batch: fn(module, *batch), table, INFERENCE_BATCH_SIZE, post=post
        )

    def _kept_rows(self, n: int, max_rows: int) -> np.ndarray:
        """Indexes of the rows a fitted table keeps: all, or a sorted random ``max_rows``."""
        if n <= max_rows:
            return np.arange(n)
        rng = check_random_state(self.random_state)
        return np.sort(rng.choice(n, max_rows, replace=False))

    def _check_fitted_X(self, X) -> np.ndarray:
        check_is_fitted(self)
        return self._validate_X(X, reset=False)

    def _check_codes(self, Z) -> np.ndarray:
        check_is_fitted(self)
        Z = check_array(Z, dtype=[np.float64, np.float32], input_name="Z")
        if Z.shape[1] != self.n_components_:
            raise ValueError(
                f"Z has {Z.shape[1]} columns, but {type(self).__name__} has "
                f"n_components_={self.n_components_}: inverse_transform expects codes "
                "as returned by transform."
            )
        return Z

    def _reconstruct(self, X: np.ndarray) -> np.ndarray:
        """Reconstruction of validated X, in original units and X's dtype."""
        out = self._infer(lambda mod, x, m, y: mod.reconstruct(x, m), X, scale=True)
        if out.ndim == 3:  # an ensemble: average its members
            out = out.mean(axis=1)
        return self._unscale(out.astype(X.dtype))

    def _decode(self, Z: np.ndarray) -> np.ndarray:
        """Decode validated codes into original units, in Z's dtype."""
        out = self._infer(lambda mod, z, m, y: mod.link(mod.decode(z)), Z)
        return self._unscale(out.astype(Z.dtype))

    def _reconstruction_error(self, X: np.ndarray) -> np.ndarray:
        """Per-row reconstruction loss in scaled units, over observed entries."""
        criterion = self.net_.criterion_
        errors = self._infer(
            lambda mod, x, m, y: criterion.per_sample(mod(x, m), x, m), X, scale=True
        )
        return errors.astype(np.float64)

    def reconstruct(self, X):
        """Encode and decode X: its reconstruction in original units.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data to reconstruct.

        Returns
        -------
        X_rec : ndarray of shape (n_samples, n_features)
            Reconstruction, in X's units and floating dtype.
        """
        return self._reconstruct(self._check_fitted_X(X))

    # ----------------------------------------------------------- persistence
    def save(self, path):
        """Save the fitted estimator to one file, without pickle.

        The file is in the `safetensors` layout: arrays and network weights
        as named tensors, hyper-parameters and the rest of the fitted state
        as JSON in its header. :func:`sklearn_ae.load` reads it back without
        running any pickle, on the CPU when the GPU it was fitted on is
        missing. The optimizer's state is saved only with ``warm_start=True``
        (the one case that continues training from it).

        Parameters
        ----------
        path : str or path-like
            The file to write (conventionally ``*.safetensors``).

        Examples
        --------
        >>> import os, tempfile
        >>> from sklearn.datasets import load_wine
        >>> from sklearn_ae import AEOutlierDetector, load
        >>> X = load_wine().data
        >>> detector = AEOutlierDetector(max_iter=3, random_state=0).fit(X)
        >>> path = os.path.join(tempfile.mkdtemp(), "detector.safetensors")
        >>> detector.save(path)
        >>> bool((load(path).score_samples(X) == detector.score_samples(X)).all())
        True
        """
        from ._persistence import save

        save(self, path)

    def to_onnx(self, path=None, *, method=None):
        """Export an inference method to ONNX, with the scaling folded in.

        The graph takes the raw float32 rows ``X`` (with NaN where the
        estimator accepts missing values) and returns what the method
        returns, so onnxruntime alone serves the model. Needs the optional
        packages ``onnx`` and ``onnxscript`` (``pip install 'sklearn-ae[onnx]'``).

        Parameters
        ----------
        path : str or path-like, default=None
            Where to write the ``.onnx`` file; None only returns the model.
        method : str, default=None
            The method to export; None takes the estimator's first one:
            ``"transform"`` for AutoencoderTransformer, DenoisingAE and
            AEImputer (``"inverse_transform"`` also for the first two) and
            ``"score_samples"`` (or ``"decision_function"``) for
            AEOutlierDetector. VAEGenerator cannot be exported.

        Returns
        -------
        model : onnx.ModelProto
            The exported graph: input ``"X"`` with a dynamic batch axis,
            output named after the method.

        Examples
        --------
        >>> import numpy as np
        >>> import onnxruntime
        >>> from sklearn.datasets import load_wine
        >>> from sklearn_ae import AutoencoderTransformer
        >>> X = load_wine().data
        >>> ae = AutoencoderTransformer(max_iter=3, random_state=0).fit(X)
        >>> model = ae.to_onnx()
        >>> session = onnxruntime.InferenceSession(model.SerializeToString())
        >>> codes = session.run(None, {"X": X.astype(np.float32)})[0]
        >>> bool(np.allclose(codes, ae.transform(X), rtol=1e-5, atol=1e-5))
        True
        """
        from ._export import to_onnx

        return to_onnx(self, path, method=method)

    def _onnx_methods(self) -> tuple:
        """Names of the methods :meth:`to_onnx` can export (first is the default)."""
        return ()

    def _onnx_unsupported_reason(self) -> str:
        return "it has no exportable inference method."

    def _onnx_graph(self, method: str):
        """``(graph, fn, n_inputs)``: ``fn(graph, X)`` computes ``method`` in torch."""
        raise NotImplementedError

    def _restore_net(self, device, *, module_state, corruption, history, optimizer_state):
        """Rebuild ``net_`` on ``device`` from saved weights (see :func:`sklearn_ae.load`)."""
        net = self._make_net(self.n_features_in_, device, corruption, **self._net_args)
        net.module_.load_state_dict(module_state)
        if optimizer_state is not None:
            net.optimizer_.load_state_dict(optimizer_state)
        net.history = History(history)
        self.net_ = net
        self.device_ = str(device)

    # --------------------------------------------------------------- pickle
    def __getstate__(self):
        # (object.__getstate__ hands out the live __dict__ itself: copy it)
        state = dict(super().__getstate__())
        if state.get("net_") is not None:
            state["net_"] = lean_net(state["net_"], keep_optimizer=self.warm_start)
        return state

    def __setstate__(self, state):
        super().__setstate__(state)
        net = self.__dict__.get("net_")
        if net is not None:
            net.module, net.criterion = net.module_, net.criterion_
            if isinstance(net, AcceleratedAutoencoderNet) and self.accelerator is not None:
                net.accelerator, net.device = self.accelerator, None
            # skorch maps a CUDA-trained net onto the CPU when CUDA is missing
            self.device_ = str(net.device_for_data)


def epoch_history(net: AutoencoderNet) -> list[dict]:
    """The net's history with the per-batch records emptied (per-epoch values kept)."""
    return [{**row, "batches": []} for row in net.history]


def lean_net(net: AutoencoderNet, *, keep_optimizer: bool) -> AutoencoderNet:
    """A shallow copy of a fitted net without what inference does not need.

    The per-batch records of the history are emptied (the per-epoch losses
    stay) and, unless ``keep_optimizer`` (``warm_start=True`` continues
    training with them), so are the optimizer's moment estimates: a pickled
    model then holds little more than its weights. The live net is untouched.
    """
    # (copy.copy would round-trip module_ and optimizer_ through skorch's pickling)
    lean = object.__new__(type(net))
    lean.__dict__.update(net.__dict__)
    # the init parameters are the very instances skorch trains as module_ and
    # criterion_, which it pickles apart: name their classes, not a second copy
    lean.module, lean.criterion = type(net.module_), type(net.criterion_)
    lean.history = History(epoch_history(net))
    lean.__dict__.pop("_double_module", None)  # an inference cache, rebuilt on demand
    if not keep_optimizer and getattr(net, "optimizer_", None) is not None:
        optimizer = copy.copy(net.optimizer_)
        optimizer.state = defaultdict(dict)
        lean.optimizer_ = optimizer
    return lean


@contextmanager
def _overriding(*settings):
    """Set ``(obj, attribute, value)`` triples for a block, then restore the old values.

    An attribute an older pickle lacks is restored as None.
    """
    saved = [(obj, name, getattr(obj, name, None)) for obj, name, _ in settings]
    for obj, name, value in settings:
        setattr(obj, name, value)
    try:
        yield
    finally:
        for obj, name, value in saved:
            setattr(obj, name, value)


def _caller_stacklevel() -> int:
    """``stacklevel`` that points a warning at the first frame outside the library.

    Frames of sklearn_ae and of scikit-learn (``fit`` wrappers, ``Pipeline``,
    ``fit_transform``) are skipped, so the warning names the user's line.
    """
    frame, level = sys._getframe(1), 1
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        if module.split(".")[0] not in ("sklearn_ae", "sklearn"):
            return level
        frame, level = frame.f_back, level + 1
    return level


def _is_cpu(device) -> bool:
    if isinstance(device, str) and device == "auto":
        return not torch.cuda.is_available()
    try:
        return torch.device(device).type == "cpu"
    except (RuntimeError, TypeError):
        return True
