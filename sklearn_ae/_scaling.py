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


def _departure_size(col: np.ndarray) -> float:
    """Root mean square departure from the median, over the rows that depart.

    When one value holds most rows (a rare flag, a blank pixel) the median is
    that value, and this is the typical size of a departure from it.
    """
    median = np.median(col)
    departures = col[col != median] - median
    return float(np.sqrt(np.mean(departures**2))) if departures.size else 0.0


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
        X = validate_data(self, X, dtype=np.float64, ensure_all_finite="allow-nan")
        n_features = X.shape[1]
        self.mean_ = np.zeros(n_features)
        self.std_ = np.zeros(n_features)
        self.scale_ = np.ones(n_features)
        step = max(1, X.shape[0] // MAX_ROWS_FOR_MODE)
        for j in range(n_features):
            col = X[:, j]
            col = col[~np.isnan(col)]
            if col.size == 0:
                continue
            magnitude = float(np.max(np.abs(col)))
            if magnitude == 0.0:
                continue
            unit = col / magnitude  # in [-1, 1]: no overflow below
            mean, std = float(unit.mean()), float(unit.std())
            self.mean_[j] = mean * magnitude
            self.std_[j] = std * magnitude
            if std <= CONSTANT_RTOL:
                continue  # numerically constant: scale 1, as StandardScaler
            scale = std
            if self.departure_floor > 0:
                scale = max(scale, self.departure_floor * _departure_size(unit[::step]))
            self.scale_[j] = scale * magnitude
        return self

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
