"""DenoisingAE: an autoencoder trained to undo corruption, NaN-aware."""

from __future__ import annotations

import warnings
from numbers import Real

import numpy as np

from ._autoencoder import AutoencoderTransformer
from ._base import _caller_stacklevel
from ._compat import Interval, StrOptions
from ._docstrings import fill_docs
from ._net import Corruption


class _CorruptionMixin:
    """Shared by the estimators trained on corrupted inputs."""

    _allow_nan = True

    _noise_constraints: dict = {
        "noise": [StrOptions({"gaussian", "masking", "salt_and_pepper", "mixed"})],
        "noise_level": [Interval(Real, 0, None, closed="left")],
    }

    def _validate_X(self, X, *, reset):
        X = super()._validate_X(X, reset=reset)
        if reset:
            missing = np.isnan(X)
            if missing.all():
                raise ValueError(
                    f"Every value of X is missing (NaN): {type(self).__name__} has "
                    "nothing to learn from."
                )
            self._empty_features = missing.all(axis=0)
            if self._empty_features.any():
                warnings.warn(
                    f"{type(self).__name__}: features {np.flatnonzero(self._empty_features)} "
                    f"have no observed values in X. {self._empty_feature_note()}",
                    UserWarning,
                    stacklevel=_caller_stacklevel(),
                )
        if self._empty_features.any():
            # entirely missing in fit: nothing to learn from, model them as zeros
            X = X.copy()
            X[:, self._empty_features] = 0
        return X

    def _empty_feature_note(self) -> str:
        return "They are read as 0 and reconstructed as 0."

    def _resolve_n_components(self, n_features):
        # corruption keeps a wide code from learning the identity, and
        # reconstructing through it loses less than through a narrow one
        if self.n_components is not None:
            return int(self.n_components)
        return min(max(2 * n_features, 16), 128)

    def _check_hyperparameters(self, X):
        super()._check_hyperparameters(X)
        if self.noise in ("masking", "salt_and_pepper") and self.noise_level >= 1:
            raise ValueError(
                f"noise_level is a probability for noise={self.noise!r}: it must be "
                f"below 1; got {self.noise_level}."
            )

    def _build_corruption(self, seed, X):
        low = high = None
        if self.noise in ("salt_and_pepper", "mixed"):
            # each column's scaled extremes (the scaling is increasing and affine)
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns
                bounds = np.stack([np.nanmin(X, axis=0), np.nanmax(X, axis=0)])
            low, high = np.nan_to_num(self._scale(bounds)).astype(np.float32)
        # a seed of its own, so noise does not move with the shuffling order
        return Corruption(self.noise, self.noise_level, seed + 1, low, high)


@fill_docs(
    hidden="(256, 128)",
    auto_max_iter="200",
    early_stopping='"auto"',
    loss='"huber"',
    noise='"mixed"',
    noise_level="1.0",
    batch_size="64",
    drops_where="on every table (where a plateau always drops the learning rate first)",
)
class DenoisingAE(_CorruptionMixin, AutoencoderTransformer):
    """Denoising autoencoder: learns to reconstruct clean rows from corrupted ones.

    Training inputs are corrupted on the fly (gaussian noise, masking or
    salt-and-pepper) and the network learns to reconstruct the clean rows;
    at inference nothing is corrupted, so ``transform`` and ``reconstruct``
    are deterministic. Missing values (NaN) are accepted in ``fit`` and
    ``transform``: they are fed to the encoder as masked entries (with the
    mask as extra input) and left out of the loss, so incomplete tables
    train directly and ``reconstruct`` fills them.

    The built-in network adds a linear map from the input to the code and
    one from the code to the output around its hidden layers, so it holds a
    linear autoencoder and the hidden layers learn what that misses: on
    lightly corrupted rows it keeps the detail a bottleneck of hidden layers
    would blur. With early stopping, a plateau of the held-out loss restores
    the best weights and divides the learning rate by 5, twice, before the
    fit stops (the rule of large tables, here on every table).

    Read more in the :ref:`User Guide <choosing>`.

    Parameters
    ----------
    n_components : int or None, default=None
        Size of the code. None picks ``max(2 * n_features, 16)`` capped at
        128: the corruption keeps a wide code from learning the identity.

    %(noise)s

    %(module)s%(network)s

    %(training)s

    %(loss)s

    %(common)s

    Attributes
    ----------
    n_components_ : int
        The code size used.

    scaler_ : StandardScaler, MinMaxScaler or None
        The per-feature scaling fitted on X (None when ``standardize=False``).

    %(fitted)s

    See Also
    --------
    AutoencoderTransformer : The same model trained without corruption.
    AEImputer : Fills missing values with this model's reconstruction.

    References
    ----------
    .. [1] Vincent, P. et al. (2008). Extracting and composing robust features
       with denoising autoencoders. ICML.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_ae import DenoisingAE
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(100, 5))
    >>> X[::7, 2] = np.nan
    >>> dae = DenoisingAE(noise="masking", noise_level=0.2, max_iter=5, random_state=0)
    >>> dae.fit_transform(X).shape  # a wide code: max(2 * 5, 16)
    (100, 16)
    >>> bool(np.isnan(dae.reconstruct(X)).any())
    False
    """

    _parameter_constraints: dict = {
        **AutoencoderTransformer._parameter_constraints,
        **_CorruptionMixin._noise_constraints,
    }

    # a linear path around the hidden layers keeps fine detail that a small
    # table cannot teach the hidden layers; learning-rate drops at plateaus
    # (chosen with the blind noise on the tuning half of bench_denoising.py)
    _fits_shortcut = True
    _drops_on_every_table = True

    def __init__(
        self,
        n_components=None,
        *,
        module=None,
        noise="mixed",
        noise_level=1.0,
        hidden_layer_sizes=(256, 128),
        activation="relu",
        dropout=0.0,
        batch_norm=False,
        alpha=1e-4,
        optimizer="adam",
        optimizer_params=None,
        learning_rate_init=1e-3,
        batch_size=64,
        max_iter="auto",
        max_rows_per_epoch=50_000,
        shuffle=True,
        tol=1e-4,
        early_stopping="auto",
        validation_fraction=0.1,
        n_iter_no_change="auto",
        callbacks=None,
        loss="huber",
        standardize=True,
        sparsity=0.0,
        contractive=0.0,
        warm_start=False,
        random_state=None,
        verbose=0,
        device="auto",
        accelerator=None,
    ):
        super().__init__(
            n_components,
            module=module,
            hidden_layer_sizes=hidden_layer_sizes,
            activation=activation,
            dropout=dropout,
            batch_norm=batch_norm,
            alpha=alpha,
            optimizer=optimizer,
            optimizer_params=optimizer_params,
            learning_rate_init=learning_rate_init,
            batch_size=batch_size,
            max_iter=max_iter,
            max_rows_per_epoch=max_rows_per_epoch,
            shuffle=shuffle,
            tol=tol,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            n_iter_no_change=n_iter_no_change,
            callbacks=callbacks,
            loss=loss,
            standardize=standardize,
            sparsity=sparsity,
            contractive=contractive,
            warm_start=warm_start,
            random_state=random_state,
            verbose=verbose,
            device=device,
            accelerator=accelerator,
        )
        self.noise = noise
        self.noise_level = noise_level
