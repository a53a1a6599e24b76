"""AEImputer: fill missing values with a NaN-aware denoising autoencoder."""

from __future__ import annotations

from numbers import Integral

import numpy as np
import torch
from sklearn.base import TransformerMixin

from ._base import BaseAutoencoder
from ._compat import Interval, _check_feature_names_in
from ._denoising import _CorruptionMixin
from ._docstrings import fill_docs


@fill_docs(
    hidden="(128, 64)",
    auto_max_iter="200",
    early_stopping='"auto"',
    loss='"mse"',
    noise='"masking"',
    noise_level="0.25",
    batch_size="512",
    lr="3e-3",
)
class AEImputer(_CorruptionMixin, TransformerMixin, BaseAutoencoder):
    """Impute missing values with a denoising autoencoder (MIDAS-style).

    The network reads each row with its missing entries masked out (the
    mask is an extra input), is trained on the observed entries only while
    extra entries are dropped at random (``noise="masking"``), and fills
    each missing entry with its reconstruction. Observed values are
    returned untouched. It goes where
    :class:`~sklearn.impute.SimpleImputer`, :class:`~sklearn.impute.KNNImputer`
    and :class:`~sklearn.impute.IterativeImputer` go.

    Features that are entirely missing in ``fit`` are dropped from the
    output (as scikit-learn's imputers do), or kept and filled with 0 when
    ``keep_empty_features=True``. Rows that are entirely missing get the
    network's reconstruction of an empty row, close to the feature means.

    Read more in the :ref:`User Guide <choosing>`.

    Parameters
    ----------
    n_components : int or None, default=None
        Size of the code. None picks ``max(2 * n_features, 16)`` capped
        at 128: imputation prefers a wide code.

    %(noise)s

    max_impute_iter : int, default=0
        Extra refinement passes at ``transform``: each feeds the current
        imputation back as if observed and updates the missing entries
        with the new reconstruction.

    keep_empty_features : bool, default=False
        Keep features that are entirely missing in ``fit`` (filled with 0)
        instead of dropping them from the output.

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
    sklearn.impute.IterativeImputer : Round-robin regression imputation.
    sklearn.impute.KNNImputer : Imputation from nearest neighbours.
    DenoisingAE : The underlying model, as a transformer.

    References
    ----------
    .. [1] Lall, R. and Robinson, T. (2022). The MIDAS touch: accurate and
       scalable missing-data imputation with deep learning. Political
       Analysis, 30(2).
    .. [2] Yoon, J., Jordon, J. and van der Schaar, M. (2018). GAIN: missing
       data imputation using generative adversarial nets. ICML.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_ae import AEImputer
    >>> X = np.array([[1.0, 2.0, np.nan], [3.0, np.nan, 5.0], [5.0, 6.0, 7.0],
    ...               [7.0, 8.0, 9.0]])
    >>> imputer = AEImputer(max_iter=5, random_state=0)
    >>> X_filled = imputer.fit_transform(X)
    >>> X_filled.shape
    (4, 3)
    >>> bool(np.isnan(X_filled).any()), X_filled[0, 0]
    (False, np.float64(1.0))
    """

    _parameter_constraints: dict = {
        **BaseAutoencoder._parameter_constraints,
        **_CorruptionMixin._noise_constraints,
        "max_impute_iter": [Interval(Integral, 0, None, closed="left")],
        "keep_empty_features": ["boolean"],
    }

    def __init__(
        self,
        n_components=None,
        *,
        module=None,
        noise="masking",
        noise_level=0.25,
        max_impute_iter=0,
        keep_empty_features=False,
        hidden_layer_sizes=(128, 64),
        activation="relu",
        dropout=0.0,
        batch_norm=False,
        alpha=1e-4,
        optimizer="adam",
        optimizer_params=None,
        learning_rate_init=3e-3,
        batch_size=512,
        max_iter="auto",
        max_rows_per_epoch=50_000,
        shuffle=True,
        tol=1e-4,
        early_stopping="auto",
        validation_fraction=0.1,
        n_iter_no_change="auto",
        callbacks=None,
        loss="mse",
        standardize=True,
        sparsity=0.0,
        contractive=0.0,
        warm_start=False,
        random_state=None,
        verbose=0,
        device="auto",
        accelerator=None,
    ):
        self.n_components = n_components
        self.noise = noise
        self.noise_level = noise_level
        self.max_impute_iter = max_impute_iter
        self.keep_empty_features = keep_empty_features
        self.module = module
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.dropout = dropout
        self.batch_norm = batch_norm
        self.alpha = alpha
        self.optimizer = optimizer
        self.optimizer_params = optimizer_params
        self.learning_rate_init = learning_rate_init
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.max_rows_per_epoch = max_rows_per_epoch
        self.shuffle = shuffle
        self.tol = tol
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.callbacks = callbacks
        self.loss = loss
        self.standardize = standardize
        self.sparsity = sparsity
        self.contractive = contractive
        self.warm_start = warm_start
        self.random_state = random_state
        self.verbose = verbose
        self.device = device
        self.accelerator = accelerator

    def _empty_feature_note(self) -> str:
        if self.keep_empty_features:
            return "transform fills them with 0 (keep_empty_features=True)."
        return (
            "transform drops them, as SimpleImputer does; keep_empty_features=True "
            "keeps them, filled with 0."
        )

    def transform(self, X):
        """Replace the missing values of X by the autoencoder's reconstruction.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data with missing values as NaN.

        Returns
        -------
        X_filled : ndarray of shape (n_samples, n_features_out)
            X with every NaN filled; observed entries are unchanged. Features
            entirely missing in ``fit`` are dropped unless
            ``keep_empty_features=True``.
        """
        X = self._check_fitted_X(X)
        missing = np.isnan(X)
        filled = np.where(missing, self._reconstruct(X), X)
        for _ in range(self.max_impute_iter):
            filled = np.where(missing, self._reconstruct(filled), X)
        if not self.keep_empty_features:
            filled = filled[:, ~self._empty_features]
        return filled

    def _onnx_methods(self) -> tuple:
        return ("transform",)

    def _onnx_graph(self, method: str):
        from ._export import InferenceGraph

        kept = np.flatnonzero(self.keep_empty_features | ~self._empty_features)
        graph = InferenceGraph(self, {"kept": kept})
        rounds = self.max_impute_iter

        def impute(g, X):  # as transform, in torch
            X = g.prepare(X)
            missing = torch.isnan(X)
            filled = torch.where(missing, g.reconstruct(X), X)
            for _ in range(rounds):
                filled = torch.where(missing, g.reconstruct(filled), X)
            return torch.index_select(filled, 1, g.kept)

        return graph, impute, self.n_features_in_

    def get_feature_names_out(self, input_features=None):
        """Names of the output features: the input names, less dropped empty ones.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Input feature names; defaults to ``feature_names_in_`` or
            ``x0, x1, ...``.

        Returns
        -------
        feature_names_out : ndarray of str objects
            Output feature names.
        """
        names = _check_feature_names_in(self, input_features)
        if self.keep_empty_features:
            return names
        return names[~self._empty_features]
