"""Mixed-type tables to and from the float matrix a generative network models.

:class:`TableCodec` is the VAE's per-feature scaling: it is fitted in ``fit``
(stored as ``scaler_``) and undone on every output, so samples come back with
the fitted table's columns, order and dtypes.

Encoded layout: first one column per numeric feature (integers included),
quantile-transformed to a standard normal (so the network's gaussian head
sees gaussian marginals whatever the original shape, and inverting it stays
within the observed range); then one-hot blocks, one per categorical or
boolean feature, one per numeric feature with only two observed values (a
flag such as 0/1: its two values as categories, decoded back to numbers of
the column's dtype), one "is missing" block per other numeric feature
that had missing values, and, with ``spike_share`` > 0, one "at the spike"
block per numeric feature (three or more values) whose smallest or largest
value holds at least that share of its rows (the zeros of a count: whether
a row is at that value is a category, the way mode-specific normalization
gives such a point mass a mode of its own, and the column's gaussian models
only the rows off it). Missing numeric entries, and entries at a spike, are
NaN in the numeric part of the encoded matrix (the network masks them out
of the loss); a missing categorical or two-valued entry is its own category.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.preprocessing import QuantileTransformer

#: Stands for "missing" among a categorical feature's categories.
MISSING = "__sklearn_ae_missing__"

#: Encode a numeric column with exactly two observed values as a category
#: (chosen on the external tuning half of the synthetic tables:
#: ``benchmarks/tune_generation.py default`` against ``two_values_numeric``).
TWO_VALUES_AS_CATEGORY = True


@dataclass
class ColumnSpec:
    """How one feature is encoded and rebuilt."""

    name: object
    kind: str  # "float", "integer", "boolean" or "category"
    dtype: object
    has_missing: bool = False
    categories: list = field(default_factory=list)
    decimals: int | None = None  # float columns: the training values' precision
    levels: list | None = None  # numeric columns with two observed values: those values
    spike: float | None = None  # numeric columns: the end value with a spike block


def decimals(col) -> int | None:
    """The fewest decimals (0 to 6) that write every value of a float column exactly."""
    values = pd.Series(col).dropna().to_numpy(dtype=float)
    if not len(values):
        return None
    for places in range(7):
        if np.allclose(
            values, np.round(values, places), rtol=0, atol=1e-9 * max(1, np.abs(values).max())
        ):
            return places
    return None


def _kind(series: pd.Series) -> str:
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    if isinstance(dtype, pd.CategoricalDtype):
        return "category"
    if pd.api.types.is_integer_dtype(dtype):
        return "integer"
    if pd.api.types.is_float_dtype(dtype):
        return "float"
    if pd.api.types.is_numeric_dtype(dtype):  # complex and the like
        raise ValueError(
            f"Column {series.name!r} has dtype {dtype}, which is not supported; "
            "use float, integer, boolean or categorical columns."
        )
    if pd.api.types.is_datetime64_any_dtype(dtype) or pd.api.types.is_timedelta64_dtype(dtype):
        # a TypeError, as the other estimators' "needs numeric input"
        raise TypeError(
            f"Column {series.name!r} has dtype {dtype}: date and time columns are not "
            "supported; convert them to numbers (e.g. days since a date) first."
        )
    return "category"


def pruned_knots(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The knots of the piecewise-linear map ``x -> y`` that ``np.interp`` needs.

    A knot inside a run of equal ``y`` values (equal to both neighbours) changes
    no interpolated value, so it is dropped: the map is unchanged, bit for bit.
    Columns of repeated values (integers, ratings, pixels) keep a few knots
    per distinct value instead of the whole grid.
    """
    interior = np.zeros(len(y), dtype=bool)
    interior[1:-1] = (y[1:-1] == y[:-2]) & (y[1:-1] == y[2:])
    return x[~interior].copy(), y[~interior].copy()


def run_starts(table: np.ndarray) -> list[tuple[np.ndarray | None, np.ndarray]]:
    """Each column of ``table`` as ``(start index, value)`` of its runs of equal values.

    A column with few repeats (where the start indices would cost more than
    they save) is kept whole, as ``(None, column)``.
    """
    out = []
    for column in table.T:
        starts = np.flatnonzero(np.r_[True, column[1:] != column[:-1]])
        if 3 * len(starts) >= 2 * len(column):  # 4-byte index + 8-byte value per run
            out.append((None, column.copy()))
        else:
            out.append((starts.astype(np.int32), column[starts].copy()))
    return out


def from_run_starts(runs: list, n_rows: int) -> np.ndarray:
    """The inverse of :func:`run_starts` (exact)."""
    table = np.empty((n_rows, len(runs)))
    for j, (starts, values) in enumerate(runs):
        if starts is None:
            table[:, j] = values
        else:
            table[:, j] = np.repeat(values, np.diff(np.r_[starts, n_rows]))
    return table


class TableCodec:
    """Encode a DataFrame of mixed types as floats and decode network outputs.

    Parameters
    ----------
    random_state : int
        Seeds the quantile transformer's subsampling.
    spike_share : float, default=0.0
        Give a numeric column a spike block where its smallest or largest
        value holds at least this share of its observed rows (0: never).
    """

    def __init__(self, random_state: int = 0, spike_share: float = 0.0) -> None:
        self.random_state = random_state
        self.spike_share = spike_share

    # ------------------------------------------------------------------ fit
    def fit(self, X: pd.DataFrame) -> TableCodec:
        self.n_samples_seen_ = len(X)
        self.columns_ = []
        for name in X.columns:
            col = X[name]
            kind = _kind(col)
            spec = ColumnSpec(name, kind, col.dtype, bool(col.isna().any()))
            if kind == "category":
                observed = col.dropna()
                if isinstance(col.dtype, pd.CategoricalDtype):
                    spec.categories = list(col.dtype.categories)
                else:
                    spec.categories = sorted(observed.unique(), key=_sort_key)
                if spec.has_missing:
                    spec.categories.append(MISSING)
            elif kind == "boolean":
                spec.categories = [False, True] + ([MISSING] if spec.has_missing else [])
            else:
                if kind == "float":
                    spec.decimals = decimals(col)
                observed = pd.to_numeric(col.dropna()).to_numpy(dtype=np.float64)
                values = np.unique(observed)
                if TWO_VALUES_AS_CATEGORY and len(values) == 2:
                    spec.levels = [float(v) for v in values]
                    spec.categories = [*spec.levels, *([MISSING] if spec.has_missing else [])]
                elif self.spike_share > 0 and len(values) >= 3:
                    spec.spike = _spike(observed, self.spike_share)
            self.columns_.append(spec)
        self.numeric_ = [
            s for s in self.columns_ if s.kind in ("float", "integer") and not _levels(s)
        ]
        self.blocks_ = []  # (spec, is_missing_indicator, start, stop)
        start = len(self.numeric_)
        for spec in self.columns_:
            if spec.kind in ("category", "boolean") or _levels(spec):
                size = max(len(spec.categories), 1)
                self.blocks_.append((spec, False, start, start + size))
                start += size
        for spec in self.numeric_:
            if spec.has_missing:
                self.blocks_.append((spec, True, start, start + 2))
                start += 2
        #: numeric column index -> index in blocks_ of its spike block
        self.spike_blocks_ = {}
        for j, spec in enumerate(self.numeric_):
            if spec.spike is not None:
                self.spike_blocks_[j] = len(self.blocks_)
                self.blocks_.append((spec, SPIKE, start, start + 2))
                start += 2
        self.n_outputs_ = start
        self.n_numeric_ = len(self.numeric_)
        # NaN in the numeric part: missing entries, and the rows at a spike
        self.has_missing_numeric_ = bool(self.spike_blocks_) or any(
            s.has_missing for s in self.numeric_
        )
        self.quantiles_ = None
        if self.numeric_:
            values = self._spikes_as_nan(self._numeric_values(X))
            n_observed = int(np.min(np.sum(~np.isnan(values), axis=0)))
            self.quantiles_ = QuantileTransformer(
                n_quantiles=max(2, min(1000, n_observed)),
                output_distribution="normal",
                random_state=self.random_state,
            ).fit(values)
        return self

    # ------------------------------------------------------------- pickle
    # The quantile table (up to 1000 rows per numeric column) is stored as
    # runs of equal values: exact, and far smaller for columns that repeat
    # values. Both pickle and the safe format go through this pair.
    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        quantiles = state.get("quantiles_")
        if quantiles is not None and hasattr(quantiles, "quantiles_"):
            quantiles = copy.copy(quantiles)
            table = quantiles.__dict__.pop("quantiles_")
            state["quantiles_"] = quantiles
            state["quantile_runs_"] = (table.shape[0], run_starts(table))
        return state

    def __setstate__(self, state: dict) -> None:
        state = dict(state)
        runs = state.pop("quantile_runs_", None)
        self.__dict__.update(state)
        if runs is not None:
            n_rows, columns = runs
            self.quantiles_.quantiles_ = from_run_starts(columns, n_rows)

    def _numeric_values(self, X: pd.DataFrame) -> np.ndarray:
        return np.column_stack([_numbers(spec, X[spec.name]) for spec in self.numeric_])

    def _spikes_as_nan(self, values: np.ndarray) -> np.ndarray:
        """The numeric values with every entry at its column's spike set to NaN."""
        if not getattr(self, "spike_blocks_", None):
            return values
        values = values.copy()
        for j in self.spike_blocks_:
            spike = self.numeric_[j].spike
            values[values[:, j] == spike, j] = np.nan
        return values

    # ------------------------------------------------------------ transform
    def transform(self, X: pd.DataFrame) -> np.ndarray:
        """Encoded float64 matrix (NaN at missing numeric entries)."""
        out = np.empty((len(X), self.n_outputs_))
        if self.numeric_:
            values = self._spikes_as_nan(self._numeric_values(X))
            out[:, : self.n_numeric_] = self.quantiles_.transform(values)
        out[:, self.n_numeric_ :] = self.one_hot(X)
        return out

    def one_hot(self, X: pd.DataFrame, spikes: bool = True) -> np.ndarray:
        """The one-hot blocks of the encoded matrix (its columns after the numeric ones).

        ``spikes=False`` leaves the spike blocks' columns at zero (their
        values are the numeric columns' own).
        """
        out = np.zeros((len(X), self.n_outputs_ - self.n_numeric_))
        for spec, indicator, start, _ in self.blocks_:
            start -= self.n_numeric_
            missing = X[spec.name].isna().to_numpy()
            if indicator == SPIKE:
                if spikes:
                    at_spike = _numbers(spec, X[spec.name]) == spec.spike
                    out[:, start] = ~at_spike & ~missing
                    out[:, start + 1] = at_spike
                continue
            if indicator:
                out[:, start] = ~missing
                out[:, start + 1] = missing
                continue
            if _levels(spec):
                codes = self._level_codes(spec, X[spec.name], missing)
            else:
                codes = self._category_codes(spec, X[spec.name], missing)
            out[np.arange(len(X)), start + codes] = 1.0
        return out

    def _category_codes(self, spec: ColumnSpec, col: pd.Series, missing: np.ndarray):
        lookup = {_hashable(c): i for i, c in enumerate(spec.categories)}
        codes = np.empty(len(col), dtype=np.intp)
        for i, (value, is_missing) in enumerate(zip(col.to_numpy(), missing, strict=True)):
            key = MISSING if is_missing else _hashable(value)
            if key not in lookup:
                if is_missing:
                    raise ValueError(
                        f"Column {spec.name!r} has missing values, but had none in fit."
                    )
                raise ValueError(
                    f"Column {spec.name!r} holds {value!r}, a category not seen in fit "
                    f"(seen: {spec.categories[:10]!r})."
                )
            codes[i] = lookup[key]
        return codes

    def _level_codes(self, spec: ColumnSpec, col: pd.Series, missing: np.ndarray):
        """A two-valued numeric column's values as the index of the nearer level."""
        if missing.any() and not spec.has_missing:
            raise ValueError(f"Column {spec.name!r} has missing values, but had none in fit.")
        values = _numbers(spec, col)
        low, high = spec.levels
        codes = (np.abs(values - high) < np.abs(values - low)).astype(np.intp)
        codes[missing] = len(spec.levels)  # the MISSING category
        return codes

    def encoded(self, numeric: np.ndarray, choices: list[np.ndarray]) -> np.ndarray:
        """The encoded matrix of decoded rows, without leaving normal space.

        ``numeric`` and ``choices`` as :meth:`decode` takes them. As
        :meth:`transform` gives it, a numeric entry whose missing or spike
        block chose its second category is NaN, and a spike block is all
        zero on its column's missing rows.
        """
        out = np.zeros((len(numeric), self.n_outputs_))
        out[:, : self.n_numeric_] = numeric
        column = {spec.name: j for j, spec in enumerate(self.numeric_)}
        missing = {}
        rows = np.arange(len(out))
        for (spec, indicator, start, _), chosen in zip(self.blocks_, choices, strict=True):
            if indicator == SPIKE:  # after every missing block
                on = ~missing.get(spec.name, np.zeros(len(out), dtype=bool))
                out[rows[on], start + chosen[on]] = 1.0
            else:
                out[rows, start + chosen] = 1.0
            if indicator:  # a numeric column's missing or spike block
                out[chosen == 1, column[spec.name]] = np.nan
                if indicator is True:
                    missing[spec.name] = chosen == 1
        return out

    # --------------------------------------------------------------- decode
    def decode(self, numeric: np.ndarray, choices: list[np.ndarray]) -> pd.DataFrame:
        """Rebuild a table from normal-space numerics and one index per block.

        ``choices[b]`` holds, for block ``b`` of ``blocks_``, the chosen
        category index of every row.
        """
        n = numeric.shape[0] if self.numeric_ else (len(choices[0]) if choices else 0)
        data = {}
        if self.numeric_:
            values = self.quantiles_.inverse_transform(numeric)
            for j, spec in enumerate(self.numeric_):
                data[spec.name] = values[:, j]
        missing_numeric = {}
        for (spec, indicator, _, _), chosen in zip(self.blocks_, choices, strict=True):
            if indicator == SPIKE:
                data[spec.name] = np.where(chosen == 1, spec.spike, data[spec.name])
            elif indicator:
                missing_numeric[spec.name] = chosen == 1
            elif _levels(spec):
                missing_numeric[spec.name] = chosen == len(spec.levels)
                # index 2, the MISSING category, reads NaN
                data[spec.name] = np.array([*spec.levels, np.nan])[chosen]
            else:
                data[spec.name] = [spec.categories[c] for c in chosen]
        columns = {}
        for spec in self.columns_:
            values = data[spec.name]
            missing = missing_numeric.get(spec.name, np.zeros(n, dtype=bool))
            columns[spec.name] = _restore(spec, values, missing)
        return pd.DataFrame(columns, columns=[s.name for s in self.columns_])


def _restore(spec: ColumnSpec, values, missing: np.ndarray) -> pd.Series:
    """One decoded column in the fitted dtype (nullable when it had NaNs)."""
    if spec.kind == "float":
        # the training values' precision (a rating of 1.0 to 5.0 stays whole,
        # prices keep their cents), not float noise; older models lack it
        places = getattr(spec, "decimals", None)
        if places is not None:
            values = np.round(values, places)
        values = np.where(missing, np.nan, values)
        return pd.Series(values).astype(spec.dtype)  # NaN: <NA> in a nullable Float64
    if spec.kind == "integer":
        rounded = np.rint(values)
        if pd.api.types.is_extension_array_dtype(spec.dtype):  # nullable, e.g. Int64
            return pd.Series(np.where(missing, np.nan, rounded)).astype(spec.dtype)
        return pd.Series(rounded.astype(spec.dtype))
    values = [None if v == MISSING else v for v in values]
    if spec.kind == "boolean":
        dtype = "boolean" if spec.has_missing else spec.dtype
        return pd.Series(values, dtype=dtype)
    if isinstance(spec.dtype, pd.CategoricalDtype):
        return pd.Series(pd.Categorical(values, dtype=spec.dtype))
    return pd.Series(values, dtype=spec.dtype if spec.dtype != object else object)


def _numbers(spec: ColumnSpec, col: pd.Series) -> np.ndarray:
    """A numeric column's values as float64 (NaN where missing), or a named error."""
    try:
        values = np.asarray(pd.to_numeric(col, errors="raise"), dtype=np.float64)
    except (ValueError, TypeError):
        raise ValueError(
            f"Column {spec.name!r} was numeric in fit but holds non-numeric values now."
        ) from None
    if np.isinf(values).any():
        raise ValueError(f"Column {spec.name!r} contains infinity.")
    return values


#: The kind of a spike block in ``TableCodec.blocks_`` (a missing-value
#: indicator is True, a category block False).
SPIKE = "spike"


def _spike(values: np.ndarray, min_share: float) -> float | None:
    """The end value (smallest or largest) holding ``min_share`` of ``values``, if any."""
    low, high = values.min(), values.max()
    share_low, share_high = np.mean(values == low), np.mean(values == high)
    end, share = (low, share_low) if share_low >= share_high else (high, share_high)
    return float(end) if share >= min_share else None


def _levels(spec: ColumnSpec) -> list | None:
    """A numeric column's two values, when it had only two (a spec saved before: None)."""
    return getattr(spec, "levels", None)


def _hashable(value):
    return value if isinstance(value, str | int | float | bool | np.generic) else repr(value)


def _sort_key(value):
    return (type(value).__name__, str(value))
