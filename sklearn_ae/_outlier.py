"""AEOutlierDetector: outlier scores from an ensemble of autoencoders."""

from __future__ import annotations

from functools import partial
from numbers import Integral, Real

import numpy as np
import pandas as pd
import torch
from sklearn.base import OutlierMixin

from ._base import BaseAutoencoder
from ._compat import Interval, StrOptions, _fit_context
from ._docstrings import fill_docs
from ._modules import Autoencoder, Ensemble
from ._net import CriterionSchedule, ReconstructionLoss, after_warmup

#: Smallest residual scale, in standardized units, used to weigh a feature's
#: error: a feature the network reconstructs perfectly (e.g. constant in
#: training) cannot blow scores up.
RESIDUAL_SCALE_FLOOR = 0.1

#: Tukey's far-out fence for ``contamination="auto"``.
AUTO_FENCE = 3.0

#: Steps of the integrated-gradients path in :meth:`AEOutlierDetector.explain`.
EXPLAIN_STEPS = 32

#: Most training rows kept as neighbours for ``distance="neighbors"`` (a
#: random subset beyond it, drawn from ``random_state``).
MAX_NEIGHBOR_ROWS = 10_000

#: Columns share a unit when the 90th percentile of their ranges is within
#: this factor of the 10th; chosen on the tuning half (10 and 20 tied there).
SHARED_UNITS_FACTOR = 10.0

#: Query rows per block of the neighbour search (bounds its memory: one
#: float32 buffer of this many rows by the kept rows, 10 MB at most).
NEIGHBOR_BLOCK = 256


def _mahalanobis(einsum, centred, precision):
    """Squared Mahalanobis distance per row and member (``numpy`` or ``torch`` einsum)."""
    return einsum("nmi,mij,nmj->nm", centred, precision, centred)


def _residuals_and_codes(module, x):
    """Each member's residuals ``x - reconstruction`` and codes (NumPy path and ONNX graph)."""
    code = module.encode(x)
    return x.unsqueeze(1) - module.link(module.decode(code)), code


def _raw_distances(residuals, codes, residual_scale, code_mean, code_precision, per_feature=False):
    """Per member: weighted reconstruction error and latent distance.

    Works on NumPy arrays and on torch tensors alike (the ONNX graph).
    """
    xp = torch if isinstance(residuals, torch.Tensor) else np
    weighted = (residuals / residual_scale) ** 2  # (n, members, features)
    latent = _mahalanobis(xp.einsum, codes - code_mean, code_precision)
    if per_feature:
        return weighted / weighted.shape[2], latent
    return xp.stack([weighted.mean(axis=2), latent], axis=2)  # (n, members, 2)


#: The fitted statistics a score needs, per ``distance`` rule, in the order
#: :func:`_scores` / :func:`_neighbor_scores` take them.
SCORE_STATISTICS = {
    "latent": ("residual_scale_", "code_mean_", "code_precision_", "distance_scale_"),
    "neighbors": ("column_weight_", "neighbor_rows_", "distance_center_", "distance_scale_"),
    "latent+neighbors": (
        "residual_scale_",
        "code_mean_",
        "code_precision_",
        "distance_scale_",
        "column_weight_",
        "neighbor_rows_",
        "neighbor_center_",
        "neighbor_scale_",
    ),
}


def shared_units(X: np.ndarray, factor: float = SHARED_UNITS_FACTOR) -> bool:
    """Whether X's columns look measured in one unit (embeddings, pixels, z-scores).

    True when the 90th percentile of the column ranges is within ``factor``
    times the 10th (constant columns ignored).
    """
    span = np.ptp(X, axis=0)
    span = span[span > 0]
    return span.size == 0 or np.percentile(span, 90) <= factor * np.percentile(span, 10)


#: float32's rounding of the expanded squared distance, as a share of the
#: k-th neighbour's squared distance, above which float64 rows are searched in
#: float64 (below it float32 can only swap rows within 0.1% of a tie).
NEAR_TIE = 1e-3


def _nearest(u, rows, k: int, block: int | None = NEIGHBOR_BLOCK):
    """Distances from each row of ``u`` to its ``k`` nearest ``rows``, ascending (torch)."""
    # the expanded form finds the neighbours, in float32 (twice as fast); their
    # distances are then recomputed from the differences, in the rows' dtype
    # (exact near 0). float32's rounding grows with the rows' norms: where it
    # is no longer small against the neighbours' distances (a column in
    # millions around rows a few units apart), float64 rows are searched in
    # float64 from that block on (float32 rows, the ONNX graph's, stay float32)
    fallback = rows.dtype == torch.float64

    def search(chunk, candidates, norms):
        with torch.no_grad():  # only the indices are kept (explain differentiates the rest)
            c = chunk.to(candidates.dtype)
            # one (block, kept rows) buffer: -2 x.r + |r|^2, then + |x|^2 in place
            d2 = torch.addmm(norms, c, candidates.T, alpha=-2.0)
            d2 += (c * c).sum(dim=1, keepdim=True)
            index = torch.topk(d2, k, dim=1, largest=False).indices
        diff = chunk.unsqueeze(1) - rows[index]  # (block, k, features)
        # the floor keeps the gradient finite at a kept row (explain's paths)
        return torch.sqrt(torch.clamp((diff * diff).sum(dim=2), min=1e-30))

    # the rows' squared norms, once per call (float64 only when first needed)
    rows32 = rows.float()
    norms32 = (rows32 * rows32).sum(dim=1)
    reach = torch.sqrt(norms32.max()) if fallback else None
    norms64 = None
    parts = []
    for chunk in [u] if block is None else torch.split(u, block):
        if norms64 is None:
            distance = search(chunk, rows32, norms32)
            if fallback:
                with torch.no_grad():
                    # the float32 rounding of the expanded form, against the
                    # k-th neighbour's squared distance
                    norm = torch.sqrt((chunk.detach() ** 2).sum(dim=1))
                    rounding = 8 * torch.finfo(torch.float32).eps * (norm + reach) ** 2
                    farthest = distance.detach().max(dim=1).values ** 2
                    if bool((rounding > NEAR_TIE * farthest).any()):
                        norms64 = (rows * rows).sum(dim=1)  # this block on, in float64
        if norms64 is not None:
            distance = search(chunk, rows, norms64)
        parts.append(torch.sort(distance, dim=1).values)
    return parts[0] if len(parts) == 1 else torch.cat(parts)


def _neighbor_parts(module, x, column_weight, neighbor_rows, k: int, block=NEIGHBOR_BLOCK):
    """Reconstruction error and the ``k`` nearest-row distances, in distance units."""
    residuals, _ = _residuals_and_codes(module, x)
    recon = ((residuals * column_weight) ** 2).mean(dim=(1, 2))
    return recon, _nearest(x * column_weight, neighbor_rows, k, block)


def _center_and_spread(parts: np.ndarray):
    """Per column: the median and the interquartile range (else mean deviation, else 1)."""
    center = np.median(parts, axis=0)
    q1, q3 = np.percentile(parts, [25, 75], axis=0)
    spread = np.abs(parts - center).mean(axis=0)
    return center, np.where(q3 - q1 > 0, q3 - q1, np.where(spread > 0, spread, 1.0))


def _neighbor_scores(
    module, x, column_weight, neighbor_rows, distance_center, distance_scale, k, block=None
):
    """``score_samples`` of scaled rows under ``distance="neighbors"`` (torch, ONNX)."""
    recon, near = _neighbor_parts(module, x, column_weight, neighbor_rows, k, block)
    parts = torch.stack([recon, near.mean(dim=1)], dim=1)
    return -((parts - distance_center) / distance_scale).sum(dim=1)


def _scores(module, x, residual_scale, code_mean, code_precision, distance_scale):
    """``score_samples`` of scaled rows, in torch (inference and the ONNX graph)."""
    residuals, code = _residuals_and_codes(module, x)
    raw = _raw_distances(residuals, code, residual_scale, code_mean, code_precision)
    return -(raw / distance_scale).mean(dim=1).sum(dim=1)


def _combined_scores(
    module,
    x,
    residual_scale,
    code_mean,
    code_precision,
    distance_scale,
    column_weight,
    neighbor_rows,
    neighbor_center,
    neighbor_scale,
    k,
    block=None,
):
    """``score_samples`` under ``distance="latent+neighbors"`` (torch, ONNX).

    The "latent" score minus the standardized mean distance to the ``k``
    nearest kept rows (in the caller's units).
    """
    latent = _scores(module, x, residual_scale, code_mean, code_precision, distance_scale)
    near = _nearest(x * column_weight, neighbor_rows, k, block).mean(dim=1)
    return latent - (near - neighbor_center) / neighbor_scale


@fill_docs(
    hidden="(64, 32)",
    max_iter="20",
    auto_max_iter="20",
    early_stopping="False",
    loss='"mse"',
    batch_size="64",
)
class AEOutlierDetector(OutlierMixin, BaseAutoencoder):
    """Unsupervised outlier detection with an ensemble of autoencoders.

    ``n_estimators`` small autoencoders, initialised from different seeds,
    are trained together (one batched network, so about the cost of one)
    with a trimmed loss: after a warm-up, each batch's worst
    ``trim_fraction`` rows are left out of the loss, so the outliers that
    contaminate real training data are not learned. Each row's outlier
    score then has two parts, and which two depends on whether the columns
    share a unit (the 90th percentile of the column ranges within 10 times
    the 10th: image embeddings, pixels, already standardized tables):

    - **shared units** (``distance_="neighbors"``): the row's reconstruction
      error and its mean distance to the ``n_neighbors`` nearest training
      rows, as PyOD's ``KNN``, both in the caller's units, where the
      geometry of the data carries meaning. The distance catches rows that
      reconstruct well but lie far from every training row. Each part is
      centred on its median over the training rows (each training row left
      out of its own neighbours) and divided by its interquartile range, and
      the two are summed: a typical row scores about 0.
    - **mixed units** (``distance_="latent+neighbors"``): the network's
      part of the score is measured in scaled units, so that no column in
      large units hides the others: each feature's reconstruction error
      divided by its typical training error (features the network always
      gets right weigh more), and the Mahalanobis distance of each member's
      code from the training codes (rows in an empty part of the latent
      space), each divided by its median over the training rows (a typical
      row scores about 2). To these the mean distance to the
      ``n_neighbors`` nearest training rows in the caller's units is added,
      centred and scaled as above: on mixed-unit tables nobody tuned on it
      is what PyOD's ``KNN`` wins with, while the network's parts win where
      the large-unit columns say little (``docs/benchmarks.rst``).

    ``distance`` forces a rule: "latent" is the mixed-unit rule without its
    neighbour part, and "neighbors" on mixed units measures both of its
    parts in the network's scaled units. The rules were chosen on the
    tuning halves of the benchmark sets (``docs/benchmarks.rst``).

    The API is exactly :class:`~sklearn.ensemble.IsolationForest`'s:
    :meth:`score_samples` is higher for normal rows,
    :meth:`decision_function` is negative for outliers and :meth:`predict`
    returns +1 (inlier) or -1 (outlier). :meth:`explain` splits each row's
    score over the features.

    ``max_iter`` is a training budget (as PyOD's ``epoch_num``): reaching it
    raises no :class:`~sklearn.exceptions.ConvergenceWarning`. Unlike the
    other estimators the detector does not stop on a held-out loss by
    default: held-out rows are as contaminated as the training rows, and a
    candidate default that trained until their loss stopped improving (up to
    200 epochs, with other changes) scored worse on the confirming half of
    the benchmark tables (``docs/benchmarks.rst``).

    Read more in the :ref:`User Guide <choosing>`.

    Parameters
    ----------
    n_components : int or None, default=None
        Size of each member's code. None picks twice ``ceil(sqrt(n_features))``,
        below ``n_features`` (at least 1): chosen on the tuning halves of the
        benchmark sets over half, once and three times that
        (``docs/benchmarks.rst``).

    n_estimators : int, default=2
        Number of autoencoders in the ensemble. Two scored as well as three
        on the tuning half of the benchmark sets (tables and image
        embeddings alike) in about 0.8x the fit time
        (``docs/benchmarks.rst``).

    contamination : "auto" or float in (0, 0.5], default="auto"
        Expected share of outliers in the training data, which sets
        ``offset_``: with a float, ``offset_`` is that percentile of the
        training scores, so ``predict`` flags that share of the training
        rows. With "auto", rows whose outlier score lies beyond Tukey's
        far-out fence of the training scores (third quartile plus three
        interquartile ranges) are flagged.

    trim_fraction : float in [0, 0.5), default=0.2
        Share of each batch's highest-error rows left out of the training
        loss after the first third of the epochs (and, with
        ``distance_="latent"``, when the distance statistics are fitted).
        0 trains on every row.

    distance : {"auto", "neighbors", "latent", "latent+neighbors"}, default="auto"
        What the score adds to the reconstruction error (see above). "auto":
        "neighbors" when the columns share a unit, else "latent+neighbors".
        "neighbors": the mean distance to the ``n_neighbors`` nearest
        training rows (up to 10,000 training rows are kept in the model, a
        random subset beyond that), beside the plain reconstruction error.
        "latent": the Mahalanobis distance of the code, beside the weighted
        reconstruction error; no training rows are kept. "latent+neighbors":
        both, the neighbour distance in the caller's units.

    n_neighbors : int, default=5
        Neighbours averaged by the neighbour distance (PyOD ``KNN``'s
        default). A training row is not its own neighbour when the two
        parts' median and spread are fitted; rows passed to
        :meth:`score_samples` are compared with the kept training rows,
        themselves included, and ``offset_`` is set on those scores of the
        training rows (so ``fit(X).predict(X)`` flags the ``contamination``
        share, as in scikit-learn's detectors; new rows from the same
        distribution, having no copy of themselves among the kept rows,
        score slightly lower on average).

    %(module)s%(network)s

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

    distance_ : {"neighbors", "latent", "latent+neighbors"}
        The rule used (``distance`` with "auto" resolved).

    distance_units_ : {"input", "scaled", "both"}
        Units the score is measured in: the caller's ("input": the columns
        share a unit, or ``standardize=False``), the network's ("scaled"),
        or the network's for its parts and the caller's for the neighbour
        distance ("both": ``distance_="latent+neighbors"``).

    column_weight_ : ndarray of shape (n_features_in,)
        With a neighbour distance only: the factor from the network's
        scaled units to the distance units (under "latent+neighbors" the
        caller's units over the largest column's scale: one common factor,
        which the standardization cancels, so no distance overflows).

    neighbor_rows_ : ndarray of shape (n_kept, n_features_in)
        With a neighbour distance only: the kept training rows, in distance
        units (centred).

    n_neighbors_ : int
        With a neighbour distance only: neighbours averaged
        (``n_neighbors``, fewer when fewer training rows were kept).

    distance_center_ : ndarray of shape (2,)
        ``distance_="neighbors"`` only: median training reconstruction
        error and neighbour distance.

    neighbor_center_, neighbor_scale_ : float
        ``distance_="latent+neighbors"`` only: median and interquartile
        range of the training rows' neighbour distances (each row left out
        of its own neighbours).

    residual_scale_ : ndarray of shape (n_estimators, n_features_in)
        "latent" rules only: typical reconstruction error of each
        feature, per member (floored at 0.1 standardized units).

    code_mean_ : ndarray of shape (n_estimators, n_components)
        "latent" rules only: mean training code, per member.

    code_precision_ : ndarray of shape (n_estimators, n_components, n_components)
        "latent" rules only: inverse covariance of the training
        codes, per member.

    distance_scale_ : ndarray of shape (2,) or (n_estimators, 2)
        "neighbors": interquartile range of the training reconstruction
        errors and neighbour distances. "latent" rules: median training
        reconstruction and latent distances, per member.

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
    _auto_max_iter = 20
    _code_size_factor = 2

    _parameter_constraints: dict = {
        **BaseAutoencoder._parameter_constraints,
        "n_estimators": [Interval(Integral, 1, None, closed="left")],
        "contamination": [StrOptions({"auto"}), Interval(Real, 0, 0.5, closed="right")],
        "trim_fraction": [Interval(Real, 0, 0.5, closed="left")],
        "distance": [StrOptions({"auto", "neighbors", "latent", "latent+neighbors"})],
        "n_neighbors": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(
        self,
        n_components=None,
        *,
        module=None,
        n_estimators=2,
        contamination="auto",
        trim_fraction=0.2,
        distance="auto",
        n_neighbors=5,
        hidden_layer_sizes=(64, 32),
        activation="relu",
        dropout=0.0,
        batch_norm=False,
        alpha=1e-4,
        optimizer="adam",
        optimizer_params=None,
        learning_rate_init=1e-3,
        batch_size=64,
        max_iter=20,
        max_rows_per_epoch=50_000,
        shuffle=True,
        tol=1e-4,
        early_stopping=False,
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
        self.n_estimators = n_estimators
        self.contamination = contamination
        self.trim_fraction = trim_fraction
        self.distance = distance
        self.n_neighbors = n_neighbors
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

    # ---------------------------------------------------------------- hooks
    def _build_module(self, n_features: int):
        if self.module is not None:  # members: independently initialised copies
            return Ensemble([self._user_module() for _ in range(self.n_estimators)])
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

    def _extra_callbacks(self, max_epochs: int) -> list:
        if self.trim_fraction == 0:
            return []
        warmup = max(1, max_epochs // 3)
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
        self._fit_scores(X)
        return self

    def _after_partial_fit(self, X: np.ndarray) -> None:
        # the score statistics and threshold follow the network: they are
        # measured on this call's rows
        self._fit_scores(X)

    def _fit_scores(self, X: np.ndarray) -> None:
        """Score statistics and threshold from the training rows (chunk by chunk)."""
        # the training mean in scaled units (every scaler here is affine)
        self._explain_baseline = self._scale(X.mean(axis=0, keepdims=True))[0]
        for name in {*sum(SCORE_STATISTICS.values(), ()), "n_neighbors_"}:
            vars(self).pop(name, None)  # a refit under another rule
        shared = self.scaler_ is None or shared_units(X)
        self.distance_ = self.distance
        if self.distance == "auto":
            self.distance_ = "neighbors" if shared else "latent+neighbors"
        # the threshold is set on the scores score_samples gives the training
        # rows, so fit(X).predict(X) flags the contamination share
        if self.distance_ == "neighbors":
            self.distance_units_ = "input" if shared else "scaled"
            scores = self._fit_neighbors(X)
        else:
            self.distance_units_ = "scaled"
            self._fit_distances(X)
            if self.distance_ == "latent+neighbors":
                self.distance_units_ = "scaled" if self.scaler_ is None else "both"
                self._fit_neighbor_part(X)
            scores = self._score_samples(X)
        if self.contamination == "auto":
            q1, q3 = np.percentile(-scores, [25, 75])
            self.offset_ = -float(q3 + AUTO_FENCE * (q3 - q1))
        else:
            self.offset_ = float(np.percentile(scores, 100.0 * self.contamination))

    def _member_outputs(self, X: np.ndarray, post=None):
        """Residuals ``(n, members, features)`` in scaled units, and codes.

        With ``post``, what ``post(residuals, codes)`` keeps of each chunk
        (so the full residuals are never held at once).
        """

        def as_float64(residuals, codes):
            residuals, codes = residuals.astype(np.float64), codes.astype(np.float64)
            return (residuals, codes) if post is None else post(residuals, codes)

        return self._infer(
            lambda mod, x, m, y: _residuals_and_codes(mod, x), X, scale=True, post=as_float64
        )

    def _fit_distances(self, X: np.ndarray) -> None:
        """Per member: residual scales, code mean and precision, distance scales.

        Three passes over the rows, each in chunks: each member's
        reconstruction error (for the trimmed share), the statistics of the
        rows the trimmed loss trained on (merged chunk by chunk), and the
        median of each distance.
        """
        errors = self._member_outputs(X, post=lambda r, c: (r**2).mean(axis=2))
        n_members = errors.shape[1]
        limits = np.quantile(errors, 1 - self.trim_fraction, axis=0)
        k = self.n_components_
        count = np.zeros(n_members)
        square_sum = np.zeros((n_members, self.n_features_in_))
        means = np.zeros((n_members, k))
        scatter = np.zeros((n_members, k, k))

        def accumulate(residuals, codes):
            kept = (residuals**2).mean(axis=2) <= limits
            for m in range(n_members):
                rows = kept[:, m]
                n_b = rows.sum()
                if not n_b:
                    continue
                square_sum[m] += (residuals[rows, m] ** 2).sum(axis=0)
                mean_b = codes[rows, m].mean(axis=0)
                centred = codes[rows, m] - mean_b
                delta, n_a = mean_b - means[m], count[m]
                total = n_a + n_b
                # Chan et al.'s pairwise merge of means and scatter matrices
                scatter[m] += centred.T @ centred + np.outer(delta, delta) * n_a * n_b / total
                means[m] += delta * n_b / total
                count[m] = total
            return kept

        self._member_outputs(X, post=accumulate)
        count = np.maximum(count, 1)
        precisions = np.empty((n_members, k, k))
        for m in range(n_members):
            cov = scatter[m] / max(1.0, count[m] - 1)
            ridge = 1e-6 * max(np.trace(cov) / k, 1e-12)
            precisions[m] = np.linalg.pinv(cov + ridge * np.eye(k), hermitian=True)
        self.residual_scale_ = np.maximum(
            np.sqrt(square_sum / count[:, None]), RESIDUAL_SCALE_FLOOR
        )
        self.code_mean_ = means
        self.code_precision_ = precisions
        raw = self._member_outputs(X, post=self._raw_distances)
        self.distance_scale_ = np.maximum(np.median(raw, axis=0), 1e-12)

    def _keep_neighbors(self, X: np.ndarray, caller_units: bool, common_factor: bool = False):
        """Keep up to ``MAX_NEIGHBOR_ROWS`` training rows as neighbours.

        Sets ``column_weight_``, ``neighbor_rows_`` and ``n_neighbors_`` and
        returns the reconstruction errors and each training row's mean
        distance to its ``n_neighbors_`` nearest kept rows, itself left out
        (as PyOD's ``decision_scores_``) and itself included (as
        :meth:`score_samples` scores it). With ``common_factor`` the
        caller's units are divided by the largest column's scale (one factor
        for all columns, so no distance overflows: a column in 1e300).
        """
        n, d = X.shape
        kept = self._kept_rows(n, MAX_NEIGHBOR_ROWS)
        # every scaler here is affine: the unscaled unit step per column
        step = self._unscale(np.ones((1, d))) - self._unscale(np.zeros((1, d)))
        self.column_weight_ = step[0].astype(np.float64) if caller_units else np.ones(d)
        if common_factor:
            self.column_weight_ /= self.column_weight_.max()
        self.neighbor_rows_ = self._scale(X[kept]).astype(np.float64) * self.column_weight_
        self.n_neighbors_ = k = int(max(1, min(self.n_neighbors, len(kept) - 1)))
        is_kept = np.zeros(n, dtype=bool)
        is_kept[kept] = True
        recon, near = self._neighbor_outputs(X, k + 1 if len(kept) > k else k)
        # a kept row's nearest row is itself: skip it
        left_out = (
            np.where(is_kept[:, None], near[:, 1 : k + 1], near[:, :k])
            if near.shape[1] > k
            else near
        )
        return recon, left_out.mean(axis=1), near[:, :k].mean(axis=1)

    def _fit_neighbors(self, X: np.ndarray) -> np.ndarray:
        """Kept rows and the two parts' training statistics; returns ``score_samples(X)``.

        Each training row's neighbour distance leaves the row itself out, so
        the median and spread describe rows the model has not memorised. The
        scores returned are those :meth:`score_samples` gives the training
        rows (kept rows among their own neighbours), from the same pass.
        """
        recon, left_out, near = self._keep_neighbors(X, self.distance_units_ == "input")
        parts = np.column_stack([recon, left_out])
        self.distance_center_, self.distance_scale_ = _center_and_spread(parts)
        parts[:, 1] = near  # as score_samples: kept rows included
        return -((parts - self.distance_center_) / self.distance_scale_).sum(axis=1)

    def _fit_neighbor_part(self, X: np.ndarray) -> None:
        """The neighbour part of ``"latent+neighbors"``: kept rows, in the caller's units.

        Up to one common factor, which the standardization cancels.
        """
        _, left_out, _ = self._keep_neighbors(X, caller_units=True, common_factor=True)
        center, spread = _center_and_spread(left_out[:, None])
        self.neighbor_center_, self.neighbor_scale_ = float(center[0]), float(spread[0])

    def _score_tensors(self, dtype=np.float64, names=None):
        """Fitted score statistics (``names``, default the rule's) as inference tensors."""
        weight = next(self._inference_module(dtype).parameters())
        return [
            torch.as_tensor(getattr(self, name), dtype=weight.dtype, device=weight.device)
            for name in names or SCORE_STATISTICS[self.distance_]
        ]

    def _neighbor_outputs(self, X: np.ndarray, k: int):
        """Reconstruction errors ``(n,)`` and nearest-row distances ``(n, k)``."""
        weight, rows = self._score_tensors(X.dtype, SCORE_STATISTICS["neighbors"][:2])
        out = self._infer(
            lambda mod, x, m, y: _neighbor_parts(mod, x, weight, rows, k), X, scale=True
        )
        return out[0].astype(np.float64), out[1].astype(np.float64)

    def _raw_distances(self, residuals, codes, per_feature=False):
        """Per member: weighted reconstruction error and latent distance."""
        stats = self.residual_scale_, self.code_mean_, self.code_precision_
        return _raw_distances(residuals, codes, *stats, per_feature=per_feature)

    def _distances(self, residuals, codes) -> np.ndarray:
        """Scaled distances ``(n, 2)``: reconstruction and latent parts."""
        return (self._raw_distances(residuals, codes) / self.distance_scale_).mean(axis=1)

    # ------------------------------------------------------------------ ONNX
    def _onnx_methods(self) -> tuple:
        return ("score_samples", "decision_function")

    def _onnx_graph(self, method: str):
        from ._export import InferenceGraph

        names = [name[:-1] for name in SCORE_STATISTICS[self.distance_]]
        graph = InferenceGraph(self, {name: getattr(self, name + "_") for name in names})
        offset = self.offset_ if method == "decision_function" else 0.0
        rule = self._score_function(block=None)  # the whole batch in one graph

        def score(g, X):  # as score_samples (and decision_function), in torch
            return rule(g.module, g.scale(X)[0], *(getattr(g, n) for n in names)) - offset

        return graph, score, self.n_features_in_

    # ------------------------------------------------------------ inference
    def _score_function(self, block=NEIGHBOR_BLOCK):
        """The torch function of the fitted rule: ``(module, x, *statistics) -> scores``."""
        if self.distance_ == "neighbors":
            return partial(_neighbor_scores, k=self.n_neighbors_, block=block)
        if self.distance_ == "latent+neighbors":
            return partial(_combined_scores, k=self.n_neighbors_, block=block)
        return _scores

    def _score_samples(self, X: np.ndarray) -> np.ndarray:
        stats, score = self._score_tensors(X.dtype), self._score_function()
        scores = self._infer(lambda mod, x, m, y: score(mod, x, *stats), X, scale=True)
        return scores.astype(np.float64)

    def score_samples(self, X):
        """Opposite of the outlier score of each row (higher is more normal).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to score.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            Minus the outlier score, the sum of its scaled parts: typical
            training rows score about 0 (``distance_="neighbors"``) or -2
            (the "latent" rules).
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

    def _integrated_gradients(
        self, X_scaled: np.ndarray, distance, statistics, steps: int = EXPLAIN_STEPS
    ):
        """Integrated gradients of ``distance(module, point, *stats) -> (n, outputs)``.

        ``stats`` are the fitted arrays named in ``statistics``, as tensors
        (converted once). The path runs from the training mean (in scaled
        units) to each row; returns ``(n_samples, outputs, n_features)``
        attributions whose sum over features is each output's rise along
        that path.
        """
        module = self._inference_module()
        dtype = next(module.parameters()).dtype
        device = self.net_.device_for_data

        def tensor(a):
            return torch.as_tensor(np.asarray(a), dtype=dtype, device=device)

        base = tensor(self._explain_baseline)
        stats = [tensor(getattr(self, name)) for name in statistics]
        parts = []
        for start in range(0, X_scaled.shape[0], 1024):
            x = tensor(X_scaled[start : start + 1024])
            total = None
            for alpha in (np.arange(steps) + 0.5) / steps:
                point = (base + alpha * (x - base)).requires_grad_(True)
                out = distance(module, point, *stats)
                if total is None:
                    total = torch.zeros(*out.shape, x.shape[1], dtype=dtype, device=device)
                for m in range(out.shape[1]):
                    (grad,) = torch.autograd.grad(out[:, m].sum(), point, retain_graph=True)
                    total[:, m] += grad
            parts.append((total * (x - base)[:, None, :] / steps).detach().cpu().numpy())
        return np.concatenate(parts).astype(np.float64)

    def _latent_attribution(self, X_scaled: np.ndarray, steps: int = EXPLAIN_STEPS):
        """Integrated gradients of each member's latent distance, ``(n, members, features)``."""

        def latent(module, point, mean, precision):
            return _mahalanobis(torch.einsum, module.encode(point) - mean, precision)

        statistics = ("code_mean_", "code_precision_")
        return self._integrated_gradients(X_scaled, latent, statistics, steps)

    def _neighbor_attribution(
        self, X_scaled: np.ndarray, steps: int = EXPLAIN_STEPS, with_recon: bool = True
    ):
        """Integrated gradients of the neighbour parts, ``(n, 2 or 1, features)``.

        The reconstruction error and the mean distance to the nearest kept
        rows (``with_recon``, the ``"neighbors"`` rule), or the distance
        alone (the neighbour part of ``"latent+neighbors"``).
        """
        k = self.n_neighbors_

        def parts(module, point, weight, rows):
            recon, near = _neighbor_parts(module, point, weight, rows, k)
            near = near.mean(dim=1)
            return torch.stack([recon, near] if with_recon else [near], dim=1)

        statistics = SCORE_STATISTICS["neighbors"][:2]  # column_weight_, neighbor_rows_
        return self._integrated_gradients(X_scaled, parts, statistics, steps)

    def _latent_terms(self, X_valid: np.ndarray) -> np.ndarray:
        """Per-feature parts of the ``"latent"`` score, ``(n, features)``."""
        residuals, codes = self._member_outputs(X_valid)
        weighted, latent = self._raw_distances(residuals, codes, per_feature=True)
        recon = weighted / self.distance_scale_[None, :, :1]  # (n, members, features)
        credit = np.maximum(self._latent_attribution(self._scale(X_valid)), 0)
        credit_share = credit / np.maximum(credit.sum(axis=2, keepdims=True), 1e-300)
        latent = (latent / self.distance_scale_[:, 1])[:, :, None] * credit_share
        return (recon + latent).mean(axis=1)

    def _neighbor_terms(self, X_valid: np.ndarray) -> np.ndarray:
        """Per-feature parts of the ``"neighbors"`` score, ``(n, features)``.

        Both parts are credited by integrated gradients from the training
        mean to the row: a feature pushed out is blamed, not the correlated
        features the network moves to reconstruct the row, nor the features
        on which the row happens to differ from its final neighbours.
        """
        credit = np.maximum(self._neighbor_attribution(self._scale(X_valid)), 0)
        return (credit / self.distance_scale_[None, :, None]).sum(axis=1)

    def _combined_terms(self, X_valid: np.ndarray) -> np.ndarray:
        """Per-feature parts of the ``"latent+neighbors"`` score, ``(n, features)``."""
        credit = self._neighbor_attribution(self._scale(X_valid), with_recon=False)
        near = np.maximum(credit[:, 0], 0) / self.neighbor_scale_
        return self._latent_terms(X_valid) + near

    def explain(self, X):
        """Each feature's share of each row's outlier score.

        Each part of the outlier score (``-score_samples``) is split over the
        features (each part over its training spread, before the training
        median is subtracted):

        - ``distance_="neighbors"``: both the reconstruction error and the
          distance to the nearest training rows are credited by integrated
          gradients along the path from the training mean to the row, each
          feature for the rise it causes (so a feature pushed out gets the
          credit, not the correlated features the network changes to
          reconstruct the row);
        - ``distance_="latent"``: the reconstruction part is a sum of
          per-feature weighted errors already, and the latent part (the
          row's code is far from the training codes) is attributed by
          integrated gradients: the encoder's path from the training mean to
          the row, with each feature credited for the rise in latent
          distance it causes;
        - ``distance_="latent+neighbors"``: the two "latent" parts as above,
          and the neighbour distance by integrated gradients as under
          "neighbors".

        Negative credit is dropped.

        Shares are normalized so each row sums to 1: a row pushed far out on
        one feature gives that feature the largest share. A row whose
        parts do not rise from the training mean's (the mean itself, say)
        has nothing to explain: its shares are all 0.

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
        if self.distance_ == "neighbors":
            terms = self._neighbor_terms(X_valid)
        elif self.distance_ == "latent+neighbors":
            terms = self._combined_terms(X_valid)
        else:
            terms = self._latent_terms(X_valid)
        shares = terms / np.maximum(terms.sum(axis=1, keepdims=True), 1e-300)
        if not hasattr(self, "feature_names_in_"):
            return shares
        index = X.index if isinstance(X, pd.DataFrame) else None
        return pd.DataFrame(shares, columns=list(map(str, self.feature_names_in_)), index=index)
