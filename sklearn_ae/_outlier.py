"""AEOutlierDetector: outlier scores from an ensemble of autoencoders."""

from __future__ import annotations

from functools import partial
from numbers import Integral, Real

import numpy as np
import pandas as pd
from sklearn.base import OutlierMixin
from sklearn.neighbors import NearestNeighbors

from ._base import BaseAutoencoder
from ._compat import Interval, StrOptions, _fit_context
from ._docstrings import fill_docs
from ._modules import Autoencoder
from ._net import CriterionSchedule, ReconstructionLoss, after_warmup
from ._scaling import StableScaler

#: Tukey's far-out fence for ``contamination="auto"``.
AUTO_FENCE = 3.0

#: Distances are measured in X's own units when the central 80% of the
#: column scales (10th to 90th percentile) lie within this factor: the
#: columns then share a unit, as image embeddings or pixels do. Otherwise
#: they are measured in the model's scaled units. On the tuning half the
#: shared-unit sets spread by 1.0-7.9 and the mixed-unit tables by 23-12,900.
SHARED_UNIT_SPREAD = 10.0

#: Training rows kept as the neighbour reference (a seeded subsample beyond
#: it), so scoring cost stays bounded on large tables.
MAX_REFERENCE_ROWS = 20_000


@fill_docs(hidden="(64, 32)", max_iter="200", early_stopping='"auto"', loss='"mse"', batch_size="64")
class AEOutlierDetector(OutlierMixin, BaseAutoencoder):
    """Unsupervised outlier detection with an ensemble of autoencoders.

    ``n_estimators`` small autoencoders, initialised from different seeds,
    are trained together (one batched network, so about the cost of one)
    with a trimmed loss: after a warm-up, each batch's worst
    ``trim_fraction`` rows are left out of the loss, so the outliers that
    contaminate real training data are not learned; training stops when
    the loss on held-out rows stops improving (``early_stopping="auto"``).
    Each row's outlier score then adds two distances:

    - its reconstruction error (mean squared error over the features,
      averaged over the members): rows off the structure the networks
      learned, and
    - its mean distance to its ``n_neighbors`` nearest training rows:
      rows far from everything, which a smooth network can reconstruct
      well enough to miss,

    both measured in one space, decided by the data: when the columns share
    a unit (the central 80%% of their scales lie within a factor of 10, as
    for image embeddings, pixels or already normalized tables), in the units
    of X, where such distances mean most (as for
    :class:`~sklearn.neighbors.LocalOutlierFactor` and PyOD's KNN); when
    they do not (dollars beside ratios), in the model's scaled units, so no
    column's unit can hide another's (``distance_space_`` says which). Each
    distance is divided by its median over the training rows, so both count
    equally and a typical row scores about 2. The API is exactly
    :class:`~sklearn.ensemble.IsolationForest`'s: :meth:`score_samples` is
    higher for normal rows, :meth:`decision_function` is negative for
    outliers and :meth:`predict` returns +1 (inlier) or -1 (outlier).
    :meth:`explain` splits each row's score over the features.

    ``max_iter`` caps the epochs: reaching it raises no
    :class:`~sklearn.exceptions.ConvergenceWarning`.

    Parameters
    ----------
    n_components : int or None, default=None
        Size of each member's code. None picks ``ceil(sqrt(n_features))``.

    n_estimators : int, default=3
        Number of autoencoders in the ensemble.

    contamination : "auto" or float in (0, 0.5], default="auto"
        Expected share of outliers in the training data, which sets
        ``offset_``: with a float, ``offset_`` is that percentile of the
        training scores, so ``predict`` flags that share of the training
        rows. With "auto", rows whose outlier score lies beyond Tukey's
        far-out fence of the training scores (third quartile plus three
        interquartile ranges) are flagged.

    trim_fraction : float in [0, 0.5), default=0.2
        Share of each batch's highest-error rows left out of the training
        loss after the first third of the epochs; the same share of
        training rows is left out of the neighbour reference and of the
        distance statistics. 0 trains on every row.

    n_neighbors : int, default=5
        Neighbours whose mean distance is the second part of the score.

    %(network)s

    %(training)s

    %(loss)s

    %(common)s

    Attributes
    ----------
    offset_ : float
        Threshold on :meth:`score_samples`:
        ``decision_function = score_samples - offset_``.

    n_components_ : int
        The code size used.

    scaler_ : StandardScaler, MinMaxScaler or None
        The per-feature scaling fitted on X.

    distance_space_ : {"input", "scaled"}
        Where the distances are measured: X's own units (the columns share
        a unit) or the model's scaled units.

    neighbors_ : NearestNeighbors
        Index of the reference rows in ``distance_space_``: the training rows
        the trimmed loss kept (a seeded subsample of 20,000 beyond that).

    distance_scale_ : ndarray of shape (2,)
        Median training reconstruction error and neighbour distance.

    %(fitted)s

    See Also
    --------
    sklearn.ensemble.IsolationForest : Tree-based outlier detection.
    sklearn.neighbors.LocalOutlierFactor : Density-based outlier detection.
    AutoencoderTransformer : The autoencoder alone, for dimensionality reduction.

    References
    ----------
    .. [1] Chen, J., Sathe, S., Aggarwal, C. and Turaga, D. (2017). Outlier
       detection with autoencoder ensembles. SIAM International Conference
       on Data Mining (RandNet).
    .. [2] Han, S., Hu, X., Huang, H., Jiang, M. and Zhao, Y. (2022). ADBench:
       anomaly detection benchmark. NeurIPS Datasets and Benchmarks.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_ae import AEOutlierDetector
    >>> rng = np.random.RandomState(0)
    >>> X = np.vstack([rng.normal(size=(200, 4)), [[8.0, -8.0, 8.0, -8.0]]])
    >>> detector = AEOutlierDetector(contamination=0.01, random_state=0).fit(X)
    >>> int(detector.predict(X)[-1])
    -1
    >>> bool(detector.decision_function(X[-1:])[0] < 0)
    True
    >>> detector.explain(X[-1:]).shape
    (1, 4)
    """

    _warn_unconverged = False  # max_iter is a training budget here

    _parameter_constraints: dict = {
        **BaseAutoencoder._parameter_constraints,
        "n_estimators": [Interval(Integral, 1, None, closed="left")],
        "contamination": [StrOptions({"auto"}), Interval(Real, 0, 0.5, closed="right")],
        "trim_fraction": [Interval(Real, 0, 0.5, closed="left")],
        "n_neighbors": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(
        self,
        n_components=None,
        *,
        n_estimators=3,
        contamination="auto",
        trim_fraction=0.2,
        n_neighbors=5,
        hidden_layer_sizes=(64, 32),
        activation="relu",
        dropout=0.0,
        batch_norm=False,
        alpha=1e-4,
        optimizer="adam",
        learning_rate_init=1e-3,
        batch_size=64,
        max_iter=200,
        shuffle=True,
        tol=1e-4,
        early_stopping="auto",
        validation_fraction=0.1,
        n_iter_no_change=10,
        loss="mse",
        standardize=True,
        sparsity=0.0,
        contractive=0.0,
        warm_start=False,
        random_state=None,
        verbose=0,
        device="auto",
    ):
        self.n_components = n_components
        self.n_estimators = n_estimators
        self.contamination = contamination
        self.trim_fraction = trim_fraction
        self.n_neighbors = n_neighbors
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.dropout = dropout
        self.batch_norm = batch_norm
        self.alpha = alpha
        self.optimizer = optimizer
        self.learning_rate_init = learning_rate_init
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.tol = tol
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.loss = loss
        self.standardize = standardize
        self.sparsity = sparsity
        self.contractive = contractive
        self.warm_start = warm_start
        self.random_state = random_state
        self.verbose = verbose
        self.device = device

    # ---------------------------------------------------------------- hooks
    def _build_module(self, n_features: int):
        return Autoencoder(
            n_features,
            self.n_components_,
            tuple(self.hidden_layer_sizes),
            activation=self.activation,
            dropout=self.dropout,
            batch_norm=self.batch_norm,
            sigmoid_output=self.loss == "bce",
            n_members=self.n_estimators,
        )

    def _build_criterion(self):
        return ReconstructionLoss(self.loss, self.sparsity, self.contractive, self.trim_fraction)

    def _extra_callbacks(self) -> list:
        if self.trim_fraction == 0:
            return []
        warmup = max(1, self.max_iter // 3)
        return [("trim", CriterionSchedule("trimming", partial(after_warmup, warmup)))]

    # ------------------------------------------------------------------ fit
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Fit the autoencoder ensemble and the score statistics on X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data, possibly contaminated by outliers.
        y : None
            Ignored; present for API consistency.

        Returns
        -------
        self : object
            The fitted detector.
        """
        X = self._fit(X)
        scales = (
            self.scaler_.scale_
            if isinstance(self.scaler_, StableScaler)
            else StableScaler().fit(X).scale_
        )
        low, high = np.percentile(scales, [10, 90])
        self.distance_space_ = "input" if high <= SHARED_UNIT_SPREAD * low else "scaled"
        Xs = self._in_space(X)
        errors = self._errors(X)
        # the neighbour reference: the rows the trimmed loss trained on, at
        # most MAX_REFERENCE_ROWS of them
        kept = np.flatnonzero(errors <= np.quantile(errors, 1 - self.trim_fraction))
        if len(kept) > MAX_REFERENCE_ROWS:
            rng = np.random.RandomState(len(X))
            kept = np.sort(rng.choice(kept, MAX_REFERENCE_ROWS, replace=False))
        k = min(self.n_neighbors, max(1, len(kept) - 1))
        self._reference = Xs[kept]
        self.neighbors_ = NearestNeighbors(n_neighbors=k).fit(self._reference)
        neighbor = self._neighbors(Xs, exclude=kept)[0].mean(axis=1)
        self.distance_scale_ = np.maximum(
            [np.median(errors[kept]), np.median(neighbor[kept])], 1e-12
        )
        # the threshold comes from the scores predict(X) will compute (each
        # reference row is then its own neighbour), so predict flags exactly
        # the contamination share of the training rows, as IsolationForest does
        scores = -self._combine(errors, self._neighbors(Xs)[0].mean(axis=1))
        if self.contamination == "auto":
            q1, q3 = np.percentile(-scores, [25, 75])
            self.offset_ = -float(q3 + AUTO_FENCE * (q3 - q1))
        else:
            self.offset_ = float(np.percentile(scores, 100.0 * self.contamination))
        return self

    def _in_space(self, X: np.ndarray) -> np.ndarray:
        """X in the space distances are measured in (``distance_space_``)."""
        return X if self.distance_space_ == "input" else self._scale(X)

    def _residuals(self, X: np.ndarray) -> np.ndarray:
        """Per-member residuals ``(n, members, features)`` in ``distance_space_``."""
        X_scaled = self._scale(X)
        recon = self._infer(lambda mod, x, m, y: mod.reconstruct(x), X_scaled)
        recon = recon.astype(np.float64)
        if self.distance_space_ == "scaled":
            return X_scaled[:, None, :] - recon
        n_features = recon.shape[2]
        recon = self._unscale(recon.reshape(-1, n_features)).reshape(recon.shape)
        return X[:, None, :] - recon

    def _errors(self, X: np.ndarray) -> np.ndarray:
        """Reconstruction error per row: mean over members and features."""
        return (self._residuals(X) ** 2).mean(axis=(1, 2))

    def _neighbors(self, Xs: np.ndarray, exclude=None):
        """Distances and indices of each row's reference neighbours.

        ``Xs`` is already in ``distance_space_``. ``exclude`` holds, for
        training rows, their own reference index, so a row is never its own
        neighbour.
        """
        k = self.neighbors_.n_neighbors
        if exclude is None or self.neighbors_.n_samples_fit_ <= k:
            return self.neighbors_.kneighbors(Xs)
        dist, idx = self.neighbors_.kneighbors(Xs, n_neighbors=k + 1)
        own = np.full(len(Xs), -1)
        own[exclude] = np.arange(len(exclude))
        keep = idx != own[:, None]
        # drop the row itself where present, else the farthest extra neighbour
        keep[keep.sum(axis=1) > k, -1] = False
        return dist[keep].reshape(len(Xs), k), idx[keep].reshape(len(Xs), k)

    def _combine(self, errors: np.ndarray, neighbor: np.ndarray) -> np.ndarray:
        """Outlier score: both distances, each over its training median."""
        return errors / self.distance_scale_[0] + neighbor / self.distance_scale_[1]

    # ------------------------------------------------------------ inference
    def _score_samples(self, X: np.ndarray) -> np.ndarray:
        neighbor = self._neighbors(self._in_space(X))[0].mean(axis=1)
        return -self._combine(self._errors(X), neighbor)

    def score_samples(self, X):
        """Opposite of the outlier score of each row (higher is more normal).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to score.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            Minus the sum of the reconstruction error and the neighbour
            distance, each over its training median; typical training rows
            score about -2.
        """
        return self._score_samples(self._check_fitted_X(X))

    def decision_function(self, X):
        """Shifted score: negative for outliers, positive for inliers.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to score.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            ``score_samples(X) - offset_``.
        """
        return self.score_samples(X) - self.offset_

    def predict(self, X):
        """Whether each row is an inlier (+1) or an outlier (-1).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to classify.

        Returns
        -------
        is_inlier : ndarray of shape (n_samples,)
            +1 for inliers, -1 for outliers.
        """
        decision = self.decision_function(X)  # validates X once
        return np.where(decision < 0, -1, 1)

    def explain(self, X):
        """Each feature's share of each row's outlier score.

        Every part of the score (``-score_samples``) is a sum over the
        features, so the split is exact: a reconstruction error is the mean
        of per-feature squared errors, and each neighbour distance
        ``||x - n||`` is split in proportion to ``(x_j - n_j) ** 2`` (both in
        ``distance_space_``). Shares
        are normalized so each row sums to 1: a row pushed far out on one
        feature gives that feature the largest share.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to explain.

        Returns
        -------
        shares : DataFrame or ndarray of shape (n_samples, n_features_in)
            One column per input feature. A DataFrame (indexed like X when X
            is one) when X had column names, otherwise an ndarray.
        """
        X_valid = self._check_fitted_X(X)
        Xs = self._in_space(X_valid)
        recon = (self._residuals(X_valid) ** 2).mean(axis=1) / X_valid.shape[1]
        dist, idx = self._neighbors(Xs)
        squared = (Xs[:, None, :] - self._reference[idx]) ** 2  # (n, k, features)
        split = squared / np.maximum(squared.sum(axis=2, keepdims=True), 1e-300)
        neighbor = (split * dist[:, :, None]).mean(axis=1)
        terms = recon / self.distance_scale_[0] + neighbor / self.distance_scale_[1]
        shares = terms / np.maximum(terms.sum(axis=1, keepdims=True), 1e-300)
        if not hasattr(self, "feature_names_in_"):
            return shares
        index = X.index if isinstance(X, pd.DataFrame) else None
        return pd.DataFrame(shares, columns=list(map(str, self.feature_names_in_)), index=index)
