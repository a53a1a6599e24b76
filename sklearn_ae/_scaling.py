"""The per-feature scaling shared by every autoencoder: no column can dominate.

:class:`~sklearn.preprocessing.StandardScaler` divides each column by its
standard deviation. On columns that are nearly constant (image border
pixels, rare binary flags, a constant plus rounding noise) that deviation is
tiny, so a small change at prediction time becomes tens or thousands of
standard deviations and dominates every loss and score. :class:`StableScaler`
centres like StandardScaler but bounds the scale from below:

- **departure floor**: a column is scaled by at least ``departure_floor``
  times the typical size of a departure from its median (the root mean
  square of ``x - median`` over the rows that differ from it); when one value
  holds most rows, the median is that value. A binary flag set on 1% of rows
  has a standard deviation of 0.1 but departures of size 1, so it is scaled by
  ``max(0.1, departure_floor * 1) = 0.5``. On a column where no value
  dominates, the mean squared departure from the median is at most twice
  the variance, so a floor of 0.5 (``0.5 * sqrt(2) < 1``) never binds there;
- **numerically constant columns** (standard deviation below float32
  resolution relative to the column's magnitude, or exactly zero) get scale 1,
  as scikit-learn does for zero-variance features;
- the statistics are computed on each column divided by its largest absolute
  value, so values near the float64 limit (1e300) do not overflow.

NaNs are ignored in ``fit`` and kept in ``transform``.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from ._compat import validate_data

#: Default share of the typical departure size a column's scale cannot go
#: below; chosen on the tuning half of the outlier tables (benchmarks/splits.py).
DEPARTURE_FLOOR = 0.5

#: Relative spread below which a column is numerically constant (float32
#: resolution: the network computes in float32).
CONSTANT_RTOL = float(np.finfo(np.float32).eps)

#: Rows used for the departure statistic (an evenly strided subsample).
MAX_ROWS_FOR_MODE = 100_000


class StableScaler(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Centre each feature and divide by a scale that cannot collapse.

    Read more in the module docstring of ``sklearn_ae._scaling`` and the
    "Parameters that matter" page of the user guide.

    Parameters
    ----------
    departure_floor : float, default=0.5
        A column's scale is at least this share of the root mean square
        departure from its median (over the rows that depart from it). 0
        gives StandardScaler's scale (with the constant-column and overflow
        guards kept).

    Attributes
    ----------
    mean_ : ndarray of shape (n_features,)
        Per-feature mean (NaNs ignored).

    scale_ : ndarray of shape (n_features,)
        Per-feature scale: ``max(std, departure_floor * departure)``, or 1
        for numerically constant features.

    std_ : ndarray of shape (n_features,)
        Per-feature standard deviation (NaNs ignored).

    n_samples_seen_ : ndarray of shape (n_features,)
        Number of observed (non-NaN) values per feature.

    n_features_in_ : int
        Number of features seen in ``fit``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_ae._scaling import StableScaler
    >>> X = np.zeros((100, 2)); X[:, 0] = np.arange(100); X[0, 1] = 1.0
    >>> scaler = StableScaler().fit(X)
    >>> scaler.scale_.round(3)  # std 0.099 for the rare flag, floored at 0.5
    array([28.866,  0.5  ])
    """

    def __init__(self, departure_floor=DEPARTURE_FLOOR):
        self.departure_floor = departure_floor

    def fit(self, X, y=None):
        """Compute the per-feature mean and floored scale.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data; NaNs are ignored.
        y : None
            Ignored.

        Returns
        -------
        self : StableScaler
            The fitted scaler.
        """
        for name in ("n_samples_seen_", "n_features_in_"):
            self.__dict__.pop(name, None)
        return self.partial_fit(X)

    def partial_fit(self, X, y=None):
        """Update the statistics with the rows of X (one batch of a stream).

        Means and variances are merged exactly (Chan et al.'s pairwise
        update). The departures are measured from each column's median in the
        first batch that observed it, so ``fit(X)`` equals ``partial_fit(X)``
        on a fresh scaler, and later batches update the departure size
        around that first median.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data; NaNs are ignored.
        y : None
            Ignored.

        Returns
        -------
        self : StableScaler
            The updated scaler.
        """
        first = not hasattr(self, "n_samples_seen_")
        X = validate_data(
            self, X, dtype=[np.float64, np.float32], ensure_all_finite="allow-nan", reset=first
        )
        n_features = X.shape[1]
        if first:
            # per column, in units of its largest absolute value so far (no overflow)
            self.n_samples_seen_ = np.zeros(n_features, dtype=np.int64)
            self._magnitude = np.zeros(n_features)
            self._unit_mean = np.zeros(n_features)
            self._unit_m2 = np.zeros(n_features)
            self._reference = np.full(n_features, np.nan)
            self._departure_sq = np.zeros(n_features)
            self._departure_n = np.zeros(n_features)
        step = max(1, X.shape[0] // MAX_ROWS_FOR_MODE)
        for j in range(n_features):
            col = np.asarray(X[:, j], dtype=np.float64)  # one column at a time
            col = col[~np.isnan(col)]
            if col.size:
                self._update_column(j, col, step)
        self._finalize()
        return self

    def _update_column(self, j: int, col: np.ndarray, step: int) -> None:
        old = self._magnitude[j]
        magnitude = max(old, float(np.max(np.abs(col))))
        if magnitude == 0.0:
            self.n_samples_seen_[j] += col.size
            if np.isnan(self._reference[j]):
                self._reference[j] = 0.0
            return
        if old and magnitude != old:  # restate the running statistics in the new unit
            ratio = old / magnitude
            self._unit_mean[j] *= ratio
            self._unit_m2[j] *= ratio**2
            self._departure_sq[j] *= ratio**2
        self._magnitude[j] = magnitude
        unit = col / magnitude  # in [-1, 1]
        n_a, n_b = self.n_samples_seen_[j], col.size
        mean_b = float(unit.mean())
        m2_b = float(((unit - mean_b) ** 2).sum())
        delta, total = mean_b - self._unit_mean[j], n_a + n_b
        self._unit_m2[j] += m2_b + delta**2 * n_a * n_b / total
        self._unit_mean[j] += delta * n_b / total
        self.n_samples_seen_[j] = total
        if np.isnan(self._reference[j]):
            self._reference[j] = float(np.median(col))
        sample = unit[::step]
        departures = sample[sample != self._reference[j] / magnitude] - (
            self._reference[j] / magnitude
        )
        self._departure_sq[j] += float((departures**2).sum())
        self._departure_n[j] += departures.size

    def _finalize(self) -> None:
        magnitude = self._magnitude
        n = np.maximum(self.n_samples_seen_, 1)
        std = np.sqrt(np.maximum(self._unit_m2 / n, 0))
        departure = np.sqrt(self._departure_sq / np.maximum(self._departure_n, 1))
        scale = np.maximum(std, self.departure_floor * departure)
        constant = (std <= CONSTANT_RTOL) | (magnitude == 0)
        self.mean_ = self._unit_mean * magnitude
        self.std_ = std * magnitude
        self.scale_ = np.where(constant, 1.0, scale * magnitude)

    def transform(self, X):
        """Centre and scale X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data; NaNs stay NaN.

        Returns
        -------
        X_scaled : ndarray of shape (n_samples, n_features)
            Scaled data.
        """
        check_is_fitted(self)
        X = validate_data(
            self, X, dtype=[np.float64, np.float32], ensure_all_finite="allow-nan", reset=False
        )
        return ((X - self.mean_) / self.scale_).astype(X.dtype, copy=False)

    def inverse_transform(self, X):
        """Undo :meth:`transform`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Scaled data.

        Returns
        -------
        X_original : ndarray of shape (n_samples, n_features)
            Data in the original units.
        """
        check_is_fitted(self)
        X = np.asarray(X)
        dtype = X.dtype if X.dtype in (np.float32, np.float64) else np.float64
        return (X * self.scale_ + self.mean_).astype(dtype, copy=False)
