"""VAEGenerator: a variational autoencoder that embeds, scores and synthesizes tables."""

from __future__ import annotations

from functools import partial
from numbers import Integral, Real

import numpy as np
import pandas as pd
import torch
from scipy.special import logsumexp
from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin, clone
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _num_samples, check_array, check_is_fitted, column_or_1d

from . import _privacy
from ._base import BaseAutoencoder, _overriding, validate_numeric
from ._compat import Interval, StrOptions, _fit_context, validate_data
from ._data import to_table
from ._docstrings import fill_docs
from ._modules import VariationalAdapter, VariationalAutoencoder
from ._net import LOG_2PI, CriterionSchedule, ELBOLoss, linear_warmup
from ._tabular import TableCodec, pruned_knots

#: Monte Carlo draws of z for the reconstruction term of the ELBO in score_samples.
ELBO_DRAWS = 8

#: Rows generated after fit to measure the model's marginals (at least 2n).
CALIBRATION_DRAWS = 5000

#: Probability grid size for the marginal calibration.
CALIBRATION_QUANTILES = 1000

#: Kernel width, in the codec's normal scores, of the training marginals the
#: calibration matches (0: the empirical quantiles themselves).
CALIBRATION_BANDWIDTH = 0.0

#: Copies of each training value drawn with that kernel.
CALIBRATION_KERNEL_COPIES = 20
#: The training quantiles the generated ones are mapped onto stop this many
#: rows' share short of each end (0: the generated extremes map onto the
#: training minimum and maximum themselves).
CALIBRATION_TAIL = 0.0
#: Kernel draws of the training marginals that fall past a column's training
#: minimum or maximum are reflected back inside it (with ``CALIBRATION_BANDWIDTH``).
CALIBRATION_REFLECT = False

#: Rounds of refining the categorical logit offsets.
CALIBRATION_ROUNDS = 3

#: The categorical terms of the training objective are weighted by the
#: numeric columns' mean precision to this power (``ELBOLoss.category_weight``;
#: 0: the plain ELBO). Chosen on both tuning halves of the synthetic tables
#: (``benchmarks/tune_generation.py default`` against ``unbalanced``).
CATEGORY_BALANCE = 1.0

#: Temperature of the softmax a sampled category is drawn from (0: its argmax,
#: as TVAE samples; 1: the decoder's own probabilities).
CATEGORY_TEMPERATURE = 1.0

#: Early stopping ignores the KL warm-up's epochs (none of them is kept as the
#: best, none counts against the patience): the model returned was trained
#: with the full ``beta``. False is the rule before (``tune_generation.py
#: stop_in_warmup``).
STOP_AFTER_KL_WARMUP = True


#: ``categories_read_numbers="auto"`` reads them from this many training rows.
READ_NUMBERS_MIN_ROWS = 200

#: Hidden widths of the network through which the categories read the numbers
#: (None: the first of ``hidden_layer_sizes``; empty: a linear map).
READ_NUMBERS_HIDDEN = None

#: In training, that network reads the numbers plus the decoder's noise, as it
#: reads sampled numbers (``VariationalAutoencoder(reading_noise=...)``).
READ_NUMBERS_NOISE = True

#: Where ``early_stopping="auto"`` holds no rows out (fewer than 20 would be),
#: a first fit holds out this share of the rows to choose the number of
#: epochs, and the model is then fitted on every row for that many (chosen on
#: both tuning halves cut to 170 rows: ``benchmarks/tune_generation.py
#: refit_small``).
SMALL_TABLE_HOLDOUT = 0.2

#: ... from this many rows (a floor for the held-out share, not tuned).
SMALL_TABLE_MIN_ROWS = 50

#: Steps of a pseudo-Gibbs chain a drawn code takes before it is decoded: the
#: rows it decodes to are encoded again and a code drawn from their posterior
#: (0: decode the drawn code itself).
GIBBS_STEPS = 0


#: What ``VAEGenerator._fit_privacy`` sets (None without the filter).
PRIVACY_STATE = (
    "privacy_range_",
    "privacy_rows_",
    "privacy_distances_",
    "privacy_spacing_",
    "privacy_keep_",
    "_privacy_rate",
)


def _off_spike(column: np.ndarray, choices: list, block: int | None) -> np.ndarray:
    """A generated numeric column's values on the rows its spike block (if any) put off it."""
    if block is None:
        return column
    off = choices[block] == 0
    return column[off] if off.sum() >= 2 else column


def _code_gaussian(mean: np.ndarray, logvar: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and Cholesky factor of a gaussian fitted to rows' posteriors q(z | x).

    The moments of the mixture of the rows' gaussians: the covariance of their
    means plus their average variance (a small ridge keeps it positive definite).
    """
    k = mean.shape[1]
    spread = np.atleast_2d(np.cov(mean.T)) if len(mean) > 1 else np.zeros((k, k))
    cov = spread + np.diag(np.exp(logvar).mean(axis=0)) + 1e-6 * np.eye(k)
    return mean.mean(axis=0), np.linalg.cholesky(cov)


@fill_docs(
    hidden="(128, 128)",
    dropout="0.1",
    auto_max_iter="300",
    early_stopping='"auto"',
    loss='"mse"',
    batch_size="500",
    lr="2e-3",
    drops_where="on every table (where a plateau always drops the learning rate first)",
    small_tables=(
        '\n        (from 50 rows, with ``max_iter`` "auto") still lets held-out rows\n'
        "        choose the length: a first fit holds out a fifth of the rows and\n"
        "        stops on their loss, and the model is then fitted on every row for\n"
        "        that fit's best number of epochs (``n_iter_``; ``callbacks`` and\n"
        "        ``verbose`` see both fits); under 50 rows it stops on the training loss"
    ),
)
class VAEGenerator(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseAutoencoder):
    """Variational autoencoder for mixed-type tables: embed, score and sample.

    A gaussian encoder gives each row a distribution over ``n_components``
    latent variables; a decoder maps latent draws back to a table. Training
    maximizes the evidence lower bound (ELBO): reconstruction log-likelihood
    minus ``beta`` times the KL divergence from the standard normal prior,
    with the KL weight ramped up over the first ``kl_warmup`` epochs. In
    training, the categorical columns' log-likelihood is weighted by the
    numeric columns' mean precision (``1 / mean(sigma ** 2)`` of their learned
    gaussian scales), so that a category's error pulls on the network like a
    typical numeric column's; unweighted, tables with many numeric columns
    taught the code almost nothing of their categories, and sampled
    categories lost their dependence on each other. Held-out rows (early
    stopping) and :meth:`score_samples` use the ELBO itself. When the
    held-out ELBO stops improving, the best weights are restored and the
    learning rate divided by 5, twice, before training stops.

    Tables may mix float, integer, boolean and categorical (``category`` or
    ``object``) columns, and may have missing values. Numeric columns are
    quantile-transformed to a standard normal and get a gaussian head;
    categorical and boolean columns, and numeric columns with only two
    observed values (0/1 flags and the like, which come back as those two
    numbers in their dtype), get a softmax head with a cross-entropy loss;
    each other numeric column with missing values gets an "is missing" head,
    so :meth:`sample` reproduces its missing rate (and, with
    ``spike_share``, a pile of rows at a numeric column's end gets a head of
    its own). :meth:`sample` returns the
    kind of object that was fitted (a DataFrame with the same columns, order
    and dtypes, or an ndarray); integers come back as integers, floats with
    the fewest decimals (up to 6) that write every training value (a 0/1
    flag stays 0 or 1, prices keep their cents, as SDV's learned rounding
    does), categories only as seen categories and numbers within their
    observed range.

    ``fit(X, y)`` with class labels trains a conditional VAE (the decoder
    also reads the class) and ``sample(n, y=...)`` draws rows of the
    requested classes.

    Read more in the :ref:`User Guide <choosing>`.

    Parameters
    ----------
    n_components : int or None, default=None
        Latent dimension. None picks ``min(16, max(2, n_features))``.

    beta : float, default=1.0
        Weight of the KL term once warmed up (1 is the true ELBO).

    kl_warmup : int, default=20
        Epochs over which the KL weight rises linearly from 0 to ``beta``.
        Early stopping ignores them: the weights kept are those of an epoch
        trained with the full ``beta``, and the patience counts from the
        first epoch after the warm-up.

    n_importance : int, default=1
        Latent draws per row in :meth:`score_samples`: 1 gives the ELBO,
        more give the tighter importance-weighted bound (IWAE).

    calibrate_marginals : bool, default=True
        After training, draw a large sample from the model and store, per
        numeric column, the quantiles of its generated values; :meth:`sample`
        then maps every generated value through that column's quantile
        function onto the training quantiles. The mapping is monotone, so
        the dependence the VAE learned (ranks, correlations, conditional
        structure) is kept while each marginal matches the training data;
        it corrects the under-dispersion VAEs are known for. Categorical
        columns (and missing-value rates) get logit offsets that bring each
        category's generated frequency to its training frequency.

    latent_prior : {"aggregate", "standard"}, default="aggregate"
        Where :meth:`sample` draws the codes it decodes. "aggregate": a
        gaussian fitted after training to the training rows' posteriors (the
        covariance of their means plus their average variance), so that draws
        land where the decoder has seen codes; "standard": the standard normal
        prior of the ELBO, the textbook VAE sampler, which also reaches the
        regions of the prior no training row maps to ("holes") and decodes
        them into blends of the data. A conditional model always draws from
        its class's gaussian. Training and :meth:`score_samples` are the same
        either way.

    privacy_filter : bool, default=True
        Thin sampled rows that lie closer to a training row than unseen real
        rows do. Each training row's distance to its nearest other training
        row (Gower distance: numeric differences over the column's range, a
        mismatched category 1, averaged) stands in for an unseen row's
        distance to the training rows; :meth:`sample` drops generated rows
        at random at the distances to their nearest training row where they
        are more frequent than those, over the closer half of those
        distances (rejection sampling with rates measured after fit on a
        pilot draw; at most 9 in 10 drawn rows are dropped). Where the
        model's rows are not nearer to training rows than real ones, nothing
        is dropped; else each drawn row costs a nearest-neighbour search
        (``sample`` of 50,000 rows about 30x slower). On a table of fewer
        than 200 rows, which the model learns most closely, a generated row
        is held to its nearest training row's own spacing (the distance
        over that row's distance to its nearest other training row, against
        the same ratio among training rows), and every generated row whose
        ratio is below the lowest fifth of theirs is dropped. The fitted
        model keeps up to 5,000 training rows (``privacy_rows_``) to measure
        distances in :meth:`sample`: fit with False for a model that must
        not carry training rows. Not a formal privacy guarantee (such as
        differential privacy).

    spike_share : float in [0, 1], default=0.0
        Where a numeric column (three or more values) has its smallest or
        largest value on at least this share of its rows (the zeros of a
        count, a rating piled at its top), whether a row sits at that value
        becomes a category with a softmax head of its own, tied to the other
        columns through the code, and the column's gaussian models only the
        rows off it (mode-specific normalization gives such a pile a mode of
        its own). 0 never does. On the synthetic-table benchmark's tuning
        halves, 0.25 raised TSTR (0.526 to 0.553), pair trends and quality
        on 1,000-row tables and lowered privacy (DCR) on 119-row ones
        (0.397 to 0.374), so it is not the default: try it on tables of
        counts with a few hundred rows or more.

    categories_read_numbers : "auto" or bool, default="auto"
        Whether the categorical columns also read the row's numeric values.
        The decoder draws a row's columns independently given its code, so
        where a drawn code is vague a category can disagree with the numbers
        beside it. With True, a network of one hidden layer beside the code
        adds, to each category's logit, what the row's numbers say of it (a
        product of experts; in training it reads the numbers with the
        decoder's noise, in sampling the sampled, calibrated ones). "auto"
        does so from 200 training rows: on the synthetic-table benchmark's
        tuning halves it raised TSTR on 1,000-row tables (0.526 to 0.534
        and 0.660 to 0.671) at a small privacy cost there (DCR 0.430 to
        0.418 on the external half), and on 119-row tables it cost privacy
        (DCR 0.397 to 0.386). Needs a numeric and a categorical column;
        never with ``module``.

    module : torch.nn.Module or None, default=None
        Your own network, replacing the built-in MLP: a module with
        ``encode(X) -> (mean, log_var)`` and ``decode(Z) -> raw`` on the
        encoded table (one column per numeric feature, quantile-transformed
        to a standard normal, then one-hot blocks; its width is
        ``scaler_.n_outputs_``, passed as ``n_features`` to a module whose
        ``n_features`` parameter is None). ``decode`` returns gaussian means
        for the numeric columns and logits for the blocks; the per-column
        scale is learned by the estimator. Not with ``y`` (a conditional
        VAE). See "Your own network" in the user guide.

    %(network)s

    %(training)s

    %(common)s

    Attributes
    ----------
    n_components_ : int
        The latent dimension used.

    scaler_ : TableCodec
        The fitted column encoding (quantile transform, one-hot blocks).

    classes_ : ndarray of shape (n_classes,) or None
        Class labels of a conditional model (``fit(X, y)``), else None.

    class_prior_ : ndarray of shape (n_classes,) or None
        Share of each class in the training labels.

    latent_mean_, latent_chol_ : ndarray or None
        With ``latent_prior="aggregate"`` (and no classes): mean
        ``(n_components_,)`` and Cholesky factor ``(n_components_,
        n_components_)`` of the gaussian fitted to the training rows'
        posteriors, from which :meth:`sample` draws codes; else None.

    class_latent_mean_, class_latent_chol_ : ndarray or None
        Conditional models: mean ``(n_classes, n_components_)`` and Cholesky
        factor ``(n_classes, n_components_, n_components_)`` of each class's
        aggregate posterior, from which :meth:`sample` draws codes.

    marginal_quantiles_ : list of (ndarray, ndarray) or None
        For each numeric column, its generated and training quantiles (in the
        quantile-normal space) on a shared probability grid, used by
        ``calibrate_marginals``, else None. Grid points inside a run of equal
        training quantiles are left out: they change no calibrated value.

    category_offsets_ : ndarray of shape (n_encoded,) or None
        Logit offsets of the categorical outputs used by
        ``calibrate_marginals``, else None.

    privacy_rows_ : ndarray of shape (n_reference, n_embedded) or None
        With ``privacy_filter``: the training rows (up to 5,000, a random
        subset beyond) embedded for Gower distances, else None.

    privacy_distances_ : ndarray of shape (n_reference,) or None
        Each reference row's distance to its nearest other one, sorted: the
        distances unseen real rows are held to. On a table of fewer than 200
        rows, ratios instead: a row's distance to its nearest other row over
        that row's own ``privacy_spacing_`` (without the first row).

    privacy_spacing_ : ndarray of shape (n_reference,) or None
        On a table of fewer than 200 rows, each reference row's distance to
        its nearest other one (unsorted): a generated row's distance to its
        nearest training row is divided by that row's spacing. Else None.

    privacy_keep_ : ndarray of shape (10,) or None
        Probability that :meth:`sample` keeps a generated row, per band of
        that distribution (from the closest tenth to the farthest).

    privacy_range_ : ndarray of shape (2, n_numeric) or None
        Minimum and range of each numeric training column (the Gower scale).

    %(fitted)s

    See Also
    --------
    sklearn.neighbors.KernelDensity : Density estimation with ``sample``.
    AutoencoderTransformer : Deterministic autoencoder for numeric data.

    Notes
    -----
    Likelihoods are those of the encoded table (numeric columns after the
    quantile transform, categories one-hot), so :meth:`score_samples`
    compares rows and models fitted on the same columns; it is a lower bound
    on that log-likelihood, not a density in the original units.

    References
    ----------
    .. [1] Kingma, D. P. and Welling, M. (2014). Auto-encoding variational
       Bayes. ICLR.
    .. [2] Burda, Y., Grosse, R. and Salakhutdinov, R. (2016). Importance
       weighted autoencoders. ICLR.
    .. [3] Xu, L., Skoularidou, M., Cuesta-Infante, A. and Veeramachaneni, K.
       (2019). Modeling tabular data using conditional GAN (TVAE). NeurIPS.
    .. [4] Ghosh, P., Sajjadi, M. S. M., Vergari, A., Black, M. and
       Schoelkopf, B. (2020). From variational to deterministic autoencoders
       (ex-post density estimation). ICLR.

    Examples
    --------
    >>> import pandas as pd
    >>> from sklearn.datasets import load_wine
    >>> from sklearn_ae import VAEGenerator
    >>> X = load_wine(as_frame=True).data.iloc[:, :4]
    >>> X["rich"] = pd.Categorical(X["alcohol"] > 13)
    >>> vae = VAEGenerator(max_iter=20, random_state=0).fit(X)
    >>> synthetic = vae.sample(5, random_state=0)
    >>> list(synthetic.columns) == list(X.columns)
    True
    >>> (synthetic.dtypes == X.dtypes).all()
    np.True_
    >>> vae.transform(X).shape
    (178, 5)
    """

    _warn_unconverged = False  # max_iter is a training budget
    _auto_max_iter = 300
    # a plateau of the held-out ELBO restores the best weights and divides
    # the learning rate by 5, twice, before the fit stops (chosen on both
    # tuning halves of bench_generation.py: tune_generation.py's "drops")
    _drops_on_every_table = True

    _parameter_constraints: dict = {
        **BaseAutoencoder._parameter_constraints,
        "beta": [Interval(Real, 0, None, closed="left")],
        "kl_warmup": [Interval(Integral, 0, None, closed="left")],
        "n_importance": [Interval(Integral, 1, None, closed="left")],
        "calibrate_marginals": ["boolean"],
        "latent_prior": [StrOptions({"aggregate", "standard"})],
        "privacy_filter": ["boolean"],
        "spike_share": [Interval(Real, 0, 1, closed="both")],
        "categories_read_numbers": [StrOptions({"auto"}), "boolean"],
    }

    _allow_nan = True

    # the table codec (quantile tables, categories) is fitted once, on all rows
    _incremental = False

    def __init__(
        self,
        n_components=None,
        *,
        module=None,
        beta=1.0,
        kl_warmup=20,
        n_importance=1,
        calibrate_marginals=True,
        latent_prior="aggregate",
        privacy_filter=True,
        spike_share=0.0,
        categories_read_numbers="auto",
        hidden_layer_sizes=(128, 128),
        activation="relu",
        dropout=0.1,
        batch_norm=False,
        alpha=1e-4,
        optimizer="adam",
        optimizer_params=None,
        learning_rate_init=2e-3,
        batch_size=500,
        max_iter="auto",
        max_rows_per_epoch=50_000,
        shuffle=True,
        tol=1e-4,
        early_stopping="auto",
        validation_fraction=0.1,
        n_iter_no_change="auto",
        callbacks=None,
        warm_start=False,
        random_state=None,
        verbose=0,
        device="auto",
        accelerator=None,
    ):
        self.n_components = n_components
        self.beta = beta
        self.kl_warmup = kl_warmup
        self.n_importance = n_importance
        self.calibrate_marginals = calibrate_marginals
        self.latent_prior = latent_prior
        self.privacy_filter = privacy_filter
        self.spike_share = spike_share
        self.categories_read_numbers = categories_read_numbers
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
        self.warm_start = warm_start
        self.random_state = random_state
        self.verbose = verbose
        self.device = device
        self.accelerator = accelerator

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64"]
        return tags

    @property
    def _n_features_out(self):
        return self.n_components_

    _non_numeric_hint = (
        "A VAEGenerator fitted on a DataFrame models text and category columns as "
        "they are: fit it on one, and pass DataFrames with the same columns after."
    )

    # ----------------------------------------------------------- validation
    def _validate_X(self, X, *, reset: bool):
        """A DataFrame of the fitted columns (mixed types), or a numeric array."""
        if isinstance(X, pd.DataFrame):
            validate_data(self, X, reset=reset, skip_check_array=True)
            if X.shape[0] < 1 or X.shape[1] < 1:
                raise ValueError(
                    f"Found a DataFrame of shape {X.shape}: at least 1 row and 1 column "
                    "are required."
                )
            if reset:
                self._fitted_frame = True
            elif not getattr(self, "_fitted_frame", False):
                X = self._validate_numeric(X, reset=False)
            return X.reset_index(drop=True) if isinstance(X, pd.DataFrame) else X
        if not reset and getattr(self, "_fitted_frame", False):
            # an array for a model fitted on a DataFrame: take the fitted columns in order
            validate_data(self, X, reset=False, skip_check_array=True)
            X = check_array(X, dtype=None, ensure_all_finite="allow-nan")
            names = [spec.name for spec in self.scaler_.columns_]
            return pd.DataFrame(X, columns=names).infer_objects()
        X = self._validate_numeric(X, reset=reset)
        if reset:
            self._fitted_frame = False
        return X

    def _validate_numeric(self, X, *, reset: bool) -> pd.DataFrame:
        X = validate_numeric(
            self, X, reset=reset, dtype=[np.float64, np.float32], ensure_all_finite="allow-nan"
        )
        return pd.DataFrame(X.astype(np.float64, copy=False))

    def _check_fitted_X(self, X) -> pd.DataFrame:
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        if not self._fitted_frame:
            X.columns = range(X.shape[1])
        return X

    # ---------------------------------------------------------------- hooks
    def _resolve_n_components(self, n_features: int) -> int:
        if self.n_components is not None:
            return int(self.n_components)
        return min(16, max(2, n_features))

    def _make_scaler(self):
        seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
        return TableCodec(random_state=int(seed), spike_share=self.spike_share)

    def _scale(self, X) -> np.ndarray:
        if not isinstance(X, pd.DataFrame):
            X = pd.DataFrame(X)
        return self.scaler_.transform(X)

    def _training_table(self, X, y_enc, device):
        # the encoded table (quantile-normalised numerics, one-hot categories)
        return to_table(self._scale(X), device, y_enc)

    def _encode_target(self, y, *, fitting: bool):
        if y is None:
            if fitting:
                self.classes_ = self.class_prior_ = None
            elif self.classes_ is not None:
                raise ValueError("This VAEGenerator is conditional: fit it again with y.")
            return None
        y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        if fitting:
            encoder = LabelEncoder().fit(y)
            self.classes_ = encoder.classes_
        elif self.classes_ is None:
            raise ValueError(
                "warm_start=True with y, but the fitted VAEGenerator is unconditional."
            )
        codes = self._class_codes(y)
        if fitting:
            self.class_prior_ = np.bincount(codes, minlength=len(self.classes_)) / len(codes)
        return codes

    def _class_codes(self, y) -> np.ndarray:
        y = np.asarray(y)
        codes = np.searchsorted(self.classes_, y)
        codes = np.clip(codes, 0, len(self.classes_) - 1)
        unknown = self.classes_[codes] != y
        if unknown.any():
            raise ValueError(
                f"y holds {y[unknown][0]!r}, which is not one of the fitted classes "
                f"{list(self.classes_)!r}."
            )
        return codes

    def _module_width(self, n_features: int) -> int:
        return self.scaler_.n_outputs_  # the encoded table: one-hot blocks included

    def _adapter(self, module):
        if self.classes_ is not None:
            raise ValueError(
                "VAEGenerator with a module cannot be fitted with y (a conditional VAE): "
                "the module does not see the class. Fit without y, or use module=None."
            )
        return VariationalAdapter(module, n_numeric=self.scaler_.n_numeric_)

    def _build_module(self, n_features: int):
        if self.module is not None:
            return self._user_module()
        codec = self.scaler_
        return VariationalAutoencoder(
            codec.n_outputs_,
            self.n_components_,
            tuple(self.hidden_layer_sizes),
            n_numeric=codec.n_numeric_,
            n_classes=0 if self.classes_ is None else len(self.classes_),
            activation=self.activation,
            dropout=self.dropout,
            batch_norm=self.batch_norm,
            mask_input=codec.has_missing_numeric_,
            category_stop=self._category_stop(),
            category_hidden=READ_NUMBERS_HIDDEN,
            reading_noise=READ_NUMBERS_NOISE,
        )

    def _category_stop(self) -> int:
        """End of the categorical logits that read the numbers (0: none do).

        The categorical columns' blocks follow the numbers, before the
        missing and spike indicators.
        """
        reads = self.categories_read_numbers
        if reads == "auto":
            # a table saved before the codec counted its rows reads none
            reads = getattr(self.scaler_, "n_samples_seen_", 0) >= READ_NUMBERS_MIN_ROWS
        if not reads:
            return 0
        stops = [stop for _, indicator, _, stop in self.scaler_.blocks_ if indicator is False]
        return max(stops, default=0)

    def _build_criterion(self):
        blocks = [(start, stop) for _, _, start, stop in self.scaler_.blocks_]
        return ELBOLoss(self.scaler_.n_numeric_, blocks, self.beta, CATEGORY_BALANCE)

    def _extra_callbacks(self, max_epochs: int) -> list:
        schedule = partial(linear_warmup, self.kl_warmup, self.beta)
        return [("kl_warmup", CriterionSchedule("kl_weight", schedule))]

    def _warmup_epochs(self) -> int:
        # the weights kept are those of an epoch trained with the full KL weight
        return self.kl_warmup if STOP_AFTER_KL_WARMUP else 0

    # ------------------------------------------------------------------ fit
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Fit the VAE to a table; with class labels y, a conditional VAE.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Training table: numeric arrays, or DataFrames with float,
            integer, boolean and categorical columns. Missing values are
            modelled.
        y : array-like of shape (n_samples,), default=None
            Class labels to condition on, or None.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        frame = self._train(X, y)
        self._fit_sampler(frame, y)
        return self

    def _fit_sampler(self, frame: pd.DataFrame, y) -> None:
        """What sampling needs beside the trained network, fitted on ``frame``'s rows.

        The code distribution, the marginal calibration and the privacy filter.
        """
        X_enc = self._scale(frame)
        self.class_latent_mean_ = self.class_latent_chol_ = None
        self.latent_mean_ = self.latent_chol_ = None
        if self.classes_ is not None:
            self._fit_latents(X_enc, self._class_codes(column_or_1d(y)))
        elif self.latent_prior == "aggregate":
            self._fit_latents(X_enc, None)
        self.marginal_quantiles_ = self.category_offsets_ = None
        if self.calibrate_marginals:
            self._fit_marginals(X_enc)
        for name in PRIVACY_STATE:
            setattr(self, name, None)
        if self.privacy_filter:
            self._fit_privacy(frame)

    def _train(self, X, y):
        """Train the network (``_fit``); on a small table, for a length held-out rows chose.

        See ``early_stopping``: where "auto" holds no rows out, a first fit
        with :data:`SMALL_TABLE_HOLDOUT` of the rows held out gives its best
        epoch, and the model is trained on every row for that many epochs.
        """
        try:
            n = _num_samples(X)
        except TypeError:  # not a table: _fit says so
            n = 0
        if not self._probes_small_table(n):
            return self._fit(X, y)
        probe = self._small_table_probe()
        probe._fit(X, y)
        epochs = int(probe._best_epoch())
        with _overriding(
            (self, "max_iter", epochs),
            (self, "early_stopping", False),
            (self, "n_iter_no_change", epochs),
        ):
            return self._fit(X, y)

    def _probes_small_table(self, n_samples: int) -> bool:
        """Whether ``_train`` first fits a probe on ``n_samples`` rows to choose the length."""
        return (
            SMALL_TABLE_MIN_ROWS <= n_samples
            and self.early_stopping == "auto"
            and not self._resolve_early_stopping(n_samples)  # "auto" would hold no rows out
            and self.max_iter == "auto"
            and not self._continues()
        )

    def _small_table_probe(self):
        """The unfitted first fit of ``_train`` on a small table: rows held out to stop on."""
        return clone(self).set_params(early_stopping=True, validation_fraction=SMALL_TABLE_HOLDOUT)

    def _fit_privacy(self, frame: pd.DataFrame) -> None:
        """Reference distances and per-band keep rates of the filter (see ``privacy_filter``)."""
        small = len(frame) < _privacy.SMALL_TABLE_ROWS
        frame = frame.iloc[self._kept_rows(len(frame), _privacy.MAX_ROWS)]
        if len(frame) < 2:
            return  # no distance between training rows to hold generated ones to
        self.privacy_range_ = np.vstack(_privacy.numeric_range(self.scaler_, frame))
        self.privacy_rows_ = self._privacy_embed(frame)
        if small and len(frame) >= 3:  # a row, its neighbour and the neighbour's
            self.privacy_spacing_, self.privacy_distances_ = _privacy.local_reference(
                self.privacy_rows_
            )
        else:
            self.privacy_spacing_ = None
            self.privacy_distances_ = _privacy.reference_distances(self.privacy_rows_)
        n_pilot = max(_privacy.PILOT_DRAWS, 2 * len(frame))
        rng = np.random.RandomState(0)
        pilot = self._draw_rows(n_pilot, self._sample_classes(n_pilot, None, rng), rng)
        band = self._privacy_bands(pilot, np.random.RandomState(0))
        cut = 0 if self.privacy_spacing_ is None else _privacy.SMALL_TABLE_CUT
        self.privacy_keep_, self._privacy_rate = _privacy.keep_probabilities(band, cut)

    def _privacy_embed(self, frame: pd.DataFrame) -> np.ndarray:
        offset, scale = self.privacy_range_
        return _privacy.embed(self.scaler_, frame, offset, scale)

    def _privacy_bands(self, frame: pd.DataFrame, rng) -> np.ndarray:
        queries = self._privacy_embed(frame)
        spacing = getattr(self, "privacy_spacing_", None)  # None in models saved before it
        if spacing is None:
            distances = _privacy.nearest(self.privacy_rows_, queries)
        else:
            distances = _privacy.local_ratio(self.privacy_rows_, spacing, queries)
        return _privacy.bands(self.privacy_distances_, distances, rng)

    def _fit_latents(self, X_enc, codes) -> None:
        """Gaussian fit of the aggregate posterior q(z), or of each class's q(z | class)."""
        mean, logvar = self._infer(lambda mod, x, m, y: mod.encode(x, m, y), X_enc, codes)
        if codes is None:
            self.latent_mean_, self.latent_chol_ = _code_gaussian(mean, logvar)
            return
        k = self.n_components_
        means = np.zeros((len(self.classes_), k))
        chols = np.tile(np.eye(k), (len(self.classes_), 1, 1))
        for c in range(len(self.classes_)):
            rows = codes == c
            if rows.any():
                means[c], chols[c] = _code_gaussian(mean[rows], logvar[rows])
        self.class_latent_mean_, self.class_latent_chol_ = means, chols

    def _draw_latent(self, n_samples, y_codes, rng) -> np.ndarray:
        """Codes to decode.

        From the fitted gaussian of the training codes (a conditional
        model's: of each row's class), or from the standard normal prior
        (``latent_prior="standard"``, or a model saved before the aggregate
        prior existed).
        """
        eps = rng.standard_normal((n_samples, self.n_components_))
        if y_codes is not None:
            chol = self.class_latent_chol_[y_codes]
            return self.class_latent_mean_[y_codes] + np.einsum("nij,nj->ni", chol, eps)
        if getattr(self, "latent_mean_", None) is None:
            return eps
        return self.latent_mean_ + eps @ self.latent_chol_.T

    def _sampled_codes(self, n_samples, y_codes, rng) -> np.ndarray:
        """Codes to decode into new rows: latent draws, moved ``GIBBS_STEPS`` along the chain."""
        Z = self._draw_latent(n_samples, y_codes, rng)
        for _ in range(GIBBS_STEPS):
            numeric, raw = self._decoder_outputs(Z, y_codes, rng)
            rows = self.scaler_.encoded(numeric, self._blocks_from_raw(raw, rng))
            mean, logvar = self._infer(lambda mod, x, m, y: mod.encode(x, m, y), rows, y_codes)
            Z = mean + np.exp(0.5 * logvar) * rng.standard_normal(mean.shape)
        return Z

    def _fit_marginals(self, X_enc) -> None:
        """Match generated marginals to the training ones (see ``calibrate_marginals``).

        Numeric columns: generated and training quantiles on one probability
        grid. Categorical blocks: logit offsets, refined over a few rounds,
        that bring each category's generated frequency to its training one.
        """
        n_numeric = self.scaler_.n_numeric_
        n_draws = max(CALIBRATION_DRAWS, 2 * len(X_enc))
        offsets = np.zeros(self.scaler_.n_outputs_)
        for round_ in range(CALIBRATION_ROUNDS if self.scaler_.blocks_ else 1):
            rng = np.random.RandomState(round_)
            y_codes = self._sample_classes(n_draws, None, rng)
            numeric, raw = self._decoder_outputs(
                self._sampled_codes(n_draws, y_codes, rng), y_codes, rng
            )
            choices = self._blocks_from_raw(raw + offsets, rng)
            if round_ == 0 and n_numeric:
                probs = np.linspace(0, 1, min(CALIBRATION_QUANTILES, len(X_enc) + 1))
                # a column with a spike block: its rows decoded off the spike
                spiked = getattr(self.scaler_, "spike_blocks_", {})
                generated = np.column_stack(
                    [
                        np.quantile(_off_spike(numeric[:, j], choices, spiked.get(j)), probs)
                        for j in range(n_numeric)
                    ]
                )
                target = X_enc[:, :n_numeric]
                if CALIBRATION_BANDWIDTH > 0:
                    kernel = np.random.RandomState(1)
                    target = np.repeat(target, CALIBRATION_KERNEL_COPIES, axis=0)
                    target = target + CALIBRATION_BANDWIDTH * kernel.standard_normal(target.shape)
                    if CALIBRATION_REFLECT:
                        low = np.nanmin(X_enc[:, :n_numeric], axis=0)
                        high = np.nanmax(X_enc[:, :n_numeric], axis=0)
                        target = np.where(target < low, 2 * low - target, target)
                        target = np.where(target > high, 2 * high - target, target)
                        target = np.clip(target, low, high)
                shrink = min(CALIBRATION_TAIL / len(X_enc), 0.25)
                observed = np.nanquantile(target, shrink + (1 - 2 * shrink) * probs, axis=0)
                self.marginal_quantiles_ = [
                    pruned_knots(generated[:, j], observed[:, j]) for j in range(n_numeric)
                ]
            if n_numeric and self._reads_numbers():  # they read the calibrated numbers
                choices = self._choose(self._calibrated(numeric), raw + offsets, rng)
            for chosen, (_, _, start, stop) in zip(choices, self.scaler_.blocks_, strict=True):
                generated = np.bincount(chosen, minlength=stop - start) / len(chosen)
                observed = X_enc[:, start:stop].mean(axis=0)
                offsets[start:stop] += np.log((observed + 1e-3) / (generated + 1e-3))
        if self.scaler_.blocks_:
            self.category_offsets_ = offsets

    def _onnx_unsupported_reason(self) -> str:
        return (
            "its inputs and outputs pass through a quantile transform and one-hot "
            "encoding of mixed columns outside the network. Export the network itself "
            "(net_.module_) with torch.onnx.export if you need it."
        )

    # ------------------------------------------------------------ inference
    def _output(self, X):
        """The kind of object that was fitted, from a decoded DataFrame."""
        if self._fitted_frame:
            return X
        return X.to_numpy(dtype=np.float64)

    def _blocks_from_raw(self, raw: np.ndarray, rng=None) -> list[np.ndarray]:
        """Chosen index per block: argmax, or a draw from the softmax with ``rng``."""
        choices = []
        for _, _, start, stop in self.scaler_.blocks_:
            logits = raw[:, start:stop]
            if rng is None or CATEGORY_TEMPERATURE == 0:
                choices.append(logits.argmax(axis=1))
                continue
            logits = logits / CATEGORY_TEMPERATURE
            probs = np.exp(logits - logsumexp(logits, axis=1, keepdims=True))
            cdf = np.cumsum(probs, axis=1)
            u = rng.uniform(size=(len(raw), 1)) * cdf[:, -1:]
            choices.append(np.minimum((cdf < u).sum(axis=1), stop - start - 1))
        return choices

    def _decoder_outputs(self, Z: np.ndarray, y_codes=None, rng=None):
        """Normal-space numerics (sampled with ``rng``, else means) and raw output."""

        def decode(module, z, mask, y):
            return module.decode(z, y), module.sigma().expand(z.shape[0], -1)

        raw, sigma = self._infer(decode, Z, y_codes)
        numeric = raw[:, : self.scaler_.n_numeric_]
        if rng is not None:
            numeric = numeric + sigma * rng.standard_normal(numeric.shape)
        return numeric, raw

    def _calibrated(self, numeric: np.ndarray) -> np.ndarray:
        """Generated normal-space numbers mapped onto the training marginals."""
        knots = self.marginal_quantiles_
        if isinstance(knots, tuple):  # two whole grids: a model saved before they were pruned
            knots = list(zip(knots[0].T, knots[1].T, strict=True))
        return np.column_stack(
            [
                np.interp(numeric[:, j], generated, observed)
                for j, (generated, observed) in enumerate(knots)
            ]
        )

    def _reads_numbers(self) -> bool:
        return getattr(self.net_.module_, "category_head", None) is not None

    def _choose(self, numeric, raw, rng) -> list[np.ndarray]:
        """Chosen index per block; categories that read the numbers read ``numeric``.

        A missing or spike block is chosen first, from the code alone; the
        numbers it removes read as zero, as in training (the rows are encoded
        as in training, and the network reads their numeric part).
        """
        choices = self._blocks_from_raw(raw, rng)
        if not self._reads_numbers():
            return choices
        rows = np.nan_to_num(self.scaler_.encoded(numeric, choices))
        width = raw.shape[1]
        read = self._infer(
            lambda mod, x, m, y: mod.read_numbers(x[:, :width], x[:, width:]),
            np.hstack([raw, rows]),
        )
        again = self._blocks_from_raw(read, rng)
        return [
            new if indicator is False else old
            for (_, indicator, _, _), old, new in zip(
                self.scaler_.blocks_, choices, again, strict=True
            )
        ]

    def _decode_codes(self, Z: np.ndarray, y_codes=None, rng=None, calibrate=False):
        numeric, raw = self._decoder_outputs(Z, y_codes, rng)
        if calibrate and self.category_offsets_ is not None:
            raw = raw + self.category_offsets_
        if calibrate and self.marginal_quantiles_ is not None:
            numeric = self._calibrated(numeric)
        return self.scaler_.decode(numeric, self._choose(numeric, raw, rng))

    def transform(self, X):
        """Latent means of the rows of X (deterministic).

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Rows with the fitted columns.

        Returns
        -------
        Z : ndarray of shape (n_samples, n_components)
            Means of q(z | x).
        """
        X = self._check_fitted_X(X)
        codes = self._infer(lambda mod, x, m, y: mod.encode(x, m)[0], self._scale(X))
        return codes.astype(np.float64)

    def inverse_transform(self, X):
        """Decode latent codes into rows in the original units and types.

        Numbers are the decoder's means; categories the most likely ones.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_components)
            Latent codes, e.g. from :meth:`transform`.

        Returns
        -------
        X_rec : DataFrame or ndarray of shape (n_samples, n_features_in)
            A DataFrame when a DataFrame was fitted, else an ndarray.
        """
        Z = self._check_codes(X)
        if self.classes_ is not None:
            raise ValueError(
                "inverse_transform needs classes for a conditional VAEGenerator; use "
                "sample(n, y=...) to generate rows."
            )
        return self._output(self._decode_codes(Z.astype(np.float64)))

    def _reconstruct(self, X):
        if self.classes_ is not None:
            raise ValueError("reconstruct is not available for a conditional VAEGenerator.")
        Z = self._infer(lambda mod, x, m, y: mod.encode(x, m)[0], self._scale(X))
        return self._output(self._decode_codes(Z))

    def sample(self, n_samples=1, random_state=None, y=None):
        """Draw new rows: latent draws, decoded and sampled.

        Codes are drawn from the gaussian fitted to the training rows'
        codes (``latent_mean_``, ``latent_chol_``) or, with
        ``latent_prior="standard"``, from the standard normal prior. A
        conditional model draws each row's code from a gaussian fitted to
        the codes of its class's training rows (the class's aggregate
        posterior), which keeps the rows in their class.

        Parameters
        ----------
        n_samples : int, default=1
            Number of rows.
        random_state : int, RandomState instance or None, default=None
            Seeds the draws: an int gives the same rows on every call.
        y : label or array-like of shape (n_samples,), default=None
            Conditional models only: the class of every row (one label for
            all rows, or one per row). None draws classes from
            ``class_prior_``.

        Returns
        -------
        X_new : DataFrame or ndarray of shape (n_samples, n_features_in)
            A DataFrame with the fitted columns and dtypes when a DataFrame
            was fitted, else an ndarray.
        """
        check_is_fitted(self)
        if not isinstance(n_samples, Integral) or n_samples < 1:
            raise ValueError(f"n_samples must be a positive integer; got {n_samples!r}.")
        rng = check_random_state(random_state)
        y_codes = self._sample_classes(n_samples, y, rng)
        keep = getattr(self, "privacy_keep_", None)
        if keep is None or keep.min() == 1.0:  # no band to thin
            return self._output(self._draw_rows(n_samples, y_codes, rng))
        # rejection sampling: each row is drawn until a draw is kept
        rows = np.full(n_samples, -1)
        pending = np.arange(n_samples)
        draws = []
        while len(pending):
            copies = int(np.ceil(1.2 / self._privacy_rate))
            copies = max(1, min(copies, _privacy.MAX_DRAWS // len(pending)))
            owner = np.tile(pending, copies)
            draw = self._draw_rows(len(owner), None if y_codes is None else y_codes[owner], rng)
            kept = rng.uniform(size=len(owner)) < self.privacy_keep_[self._privacy_bands(draw, rng)]
            # the first kept draw of each pending row
            owner_kept, first = np.unique(owner[kept], return_index=True)
            rows[owner_kept] = sum(len(d) for d in draws) + np.flatnonzero(kept)[first]
            draws.append(draw)
            pending = pending[rows[pending] < 0]
        drawn = pd.concat(draws, ignore_index=True)
        return self._output(drawn.iloc[rows].reset_index(drop=True))

    def _draw_rows(self, n_samples, y_codes, rng) -> pd.DataFrame:
        """Decoded rows from latent draws (every row of a class in ``y_codes``)."""
        Z = self._sampled_codes(n_samples, y_codes, rng)
        return self._decode_codes(Z, y_codes, rng, calibrate=True)

    def _sample_classes(self, n_samples, y, rng):
        if self.classes_ is None:
            if y is not None:
                raise ValueError("y was given, but this VAEGenerator was fitted without y.")
            return None
        if y is None:
            return rng.choice(len(self.classes_), size=n_samples, p=self.class_prior_)
        y = np.asarray(y)
        if y.ndim == 0:
            y = np.full(n_samples, y.item())
        if y.shape != (n_samples,):
            raise ValueError(f"y must be one label or {n_samples} labels; got shape {y.shape}.")
        return self._class_codes(y)

    def score_samples(self, X, y=None):
        """Per-row lower bound on the log-likelihood (ELBO or IWAE).

        Deterministic: the latent draws are fixed. For a conditional model
        without y, classes are marginalized with ``class_prior_``.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Rows to score.
        y : array-like of shape (n_samples,), default=None
            Classes of the rows (conditional models).

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            Log-likelihood bound of each row (higher is more typical).
        """
        X_enc = self._scale(self._check_fitted_X(X))
        if self.classes_ is None:
            if y is not None:
                raise ValueError("y was given, but this VAEGenerator was fitted without y.")
            return self._bound(X_enc, None)
        if y is not None:
            return self._bound(X_enc, self._class_codes(column_or_1d(y)))
        per_class = [
            np.log(prior) + self._bound(X_enc, np.full(len(X_enc), c))
            for c, prior in enumerate(self.class_prior_)
            if prior > 0
        ]
        return logsumexp(np.stack(per_class), axis=0)

    def _bound(self, X_enc: np.ndarray, y_codes) -> np.ndarray:
        n_draws = ELBO_DRAWS if self.n_importance == 1 else self.n_importance
        criterion = self.net_.criterion_
        eps = torch.randn(n_draws, self.n_components_, generator=torch.Generator().manual_seed(0))

        def bound(module, x, mask, y):
            mean, logvar = module.encode(x, mask, y)
            std = (0.5 * logvar).exp()
            e = eps.to(device=x.device, dtype=x.dtype)[:, None, :]  # (draws, 1, k)
            z = mean + std * e
            raw = module.decode(
                z.reshape(-1, z.shape[-1]), None if y is None else y.repeat(n_draws)
            )
            raw = module.read_numbers(raw, x.repeat(n_draws, 1))
            raw = raw.reshape(n_draws, x.shape[0], -1)
            m = None if mask is None else mask.expand(n_draws, -1, -1)
            log_lik = criterion.log_likelihood(raw, x.expand(n_draws, -1, -1), m, module.sigma())
            if self.n_importance == 1:
                return log_lik.mean(0) - criterion.kl(mean, logvar)
            log_prior = -0.5 * (z**2 + LOG_2PI).sum(-1)
            log_q = -0.5 * (e**2 + LOG_2PI).sum(-1) - (0.5 * logvar).sum(-1)
            log_w = log_lik + log_prior - log_q
            return torch.logsumexp(log_w, 0) - np.log(n_draws)

        return self._infer(bound, X_enc, y_codes).astype(np.float64)

    def score(self, X, y=None):
        """Mean log-likelihood bound of X (higher is better), for model selection.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Rows to score.
        y : array-like of shape (n_samples,), default=None
            Classes of the rows (conditional models); ignored otherwise.

        Returns
        -------
        score : float
            Mean of :meth:`score_samples`.
        """
        if self.classes_ is None:
            y = None
        return float(np.mean(self.score_samples(X, y)))
