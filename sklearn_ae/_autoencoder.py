"""AutoencoderTransformer: non-linear dimensionality reduction."""

from __future__ import annotations

import numpy as np
from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin

from ._base import BaseAutoencoder
from ._docstrings import fill_docs


@fill_docs(hidden="(128, 64)", auto_max_iter="200", early_stopping='"auto"', loss='"huber"')
class AutoencoderTransformer(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseAutoencoder):
    """Autoencoder for dimensionality reduction, trained with skorch.

    An MLP encoder maps each row to ``n_components`` codes and a mirrored
    decoder maps codes back; both are trained to reconstruct the input.
    ``transform`` returns the codes (a non-linear alternative to
    :class:`~sklearn.decomposition.PCA`), ``inverse_transform`` decodes
    codes back into the original units and ``score`` is the negative mean
    reconstruction error, so :class:`~sklearn.model_selection.GridSearchCV`
    can choose ``n_components`` without labels.

    Read more in the :ref:`User Guide <choosing>`.

    Parameters
    ----------
    n_components : int or None, default=2
        Size of the code (latent space). None picks ``ceil(sqrt(n_features))``.

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
    sklearn.decomposition.PCA : Linear dimensionality reduction.
    DenoisingAE : Autoencoder trained to undo corrupted inputs.
    VAEGenerator : Variational autoencoder that also generates rows.

    References
    ----------
    .. [1] Hinton, G. E. and Salakhutdinov, R. R. (2006). Reducing the
       dimensionality of data with neural networks. Science, 313(5786).
    .. [2] Rifai, S. et al. (2011). Contractive auto-encoders: explicit
       invariance during feature extraction. ICML.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_ae import AutoencoderTransformer
    >>> X, _ = load_digits(return_X_y=True)
    >>> ae = AutoencoderTransformer(n_components=8, max_iter=5, random_state=0)
    >>> codes = ae.fit_transform(X)
    >>> codes.shape
    (1797, 8)
    >>> ae.inverse_transform(codes).shape
    (1797, 64)
    >>> ae.get_feature_names_out()[:3]
    array(['autoencodertransformer0', 'autoencodertransformer1',
           'autoencodertransformer2'], dtype=object)
    """

    def __init__(
        self,
        n_components=2,
        *,
        module=None,
        hidden_layer_sizes=(128, 64),
        activation="relu",
        dropout=0.0,
        batch_norm=False,
        alpha=1e-4,
        optimizer="adam",
        optimizer_params=None,
        learning_rate_init=1e-3,
        batch_size="auto",
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
        self.n_components = n_components
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

    @property
    def _n_features_out(self):
        return self.n_components_

    def _onnx_methods(self) -> tuple:
        return ("transform", "inverse_transform")

    def _onnx_graph(self, method: str):
        from ._export import InferenceGraph

        graph = InferenceGraph(self)
        if method == "transform":
            return graph, lambda g, X: g.module.encode(*g.scale(X)), self.n_features_in_
        return graph, lambda g, Z: g.unscale(g.module.link(g.module.decode(Z))), self.n_components_

    def transform(self, X):
        """Encode X into its codes.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data to encode.

        Returns
        -------
        codes : ndarray of shape (n_samples, n_components)
            Codes, in X's floating dtype.
        """
        X = self._check_fitted_X(X)
        codes = self._infer(lambda mod, x, m, y: mod.encode(x, m), X, scale=True)
        return codes.astype(X.dtype)

    def inverse_transform(self, X):
        """Decode codes back into data in the original units.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_components)
            Codes, as returned by ``transform``.

        Returns
        -------
        X_rec : ndarray of shape (n_samples, n_features_in)
            Decoded data in the units of the training data.
        """
        return self._decode(self._check_codes(X))

    def score_samples(self, X):
        """Negative reconstruction error of each row (higher is better).

        The error is the mean of the training loss over features, in scaled
        units, so columns in large units do not dominate.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data to score.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            Negative per-row reconstruction error.
        """
        return -self._reconstruction_error(self._check_fitted_X(X))

    def score(self, X, y=None):
        """Negative mean reconstruction error (higher is better).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data to score.
        y : None
            Ignored; present for API consistency.

        Returns
        -------
        score : float
            Mean of :meth:`score_samples`.
        """
        return float(np.mean(self.score_samples(X)))
