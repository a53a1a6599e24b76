"""Imputation RMSE: AEImputer vs SimpleImputer(mean), KNNImputer and IterativeImputer.

Values are removed completely at random (MCAR) from complete real tables;
RMSE is computed on the removed entries only, in standardized units (each
column divided by its standard deviation in the complete table). Every
imputer sees the same masks, in the same run.

The tables are split into a tuning and a confirming half (``splits.IMPUTATION``);
the summary lines report each half. ``--external`` runs the same protocol on
tables no imputer default was chosen on: the feature columns of the 21 R
tables of ``external_sets.py`` (data outside the repository, mostly
econometric tables with counts, incomes and prices).

Usage::

    python benchmarks/bench_imputation.py [--data-dir ../shared/data/adbench] \\
        [--rates 0.1 0.2 0.4] [--seeds 0 1 2] [--external]
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

import numpy as np
import splits
from sklearn.datasets import load_breast_cancer, load_diabetes, load_wine
from sklearn.exceptions import ConvergenceWarning
from sklearn.experimental import enable_iterative_imputer  # noqa: F401
from sklearn.impute import IterativeImputer, KNNImputer, SimpleImputer

from sklearn_ae import AEImputer

ADBENCH_TABLES = ["6_cardio", "29_Pima", "47_yeast", "12_fault", "38_thyroid", "44_Wilt"]


def load_tables(data_dir: Path | None, max_rows: int = 2000, external: bool = False):
    if external:
        from external_sets import external_sets

        rng = np.random.RandomState(0)
        tables = {}
        for name, (X, _) in external_sets().items():
            if len(X) > max_rows:
                X = X[rng.choice(len(X), max_rows, replace=False)]
            tables[name] = X
        return {k: X[:, X.std(axis=0) > 0] for k, X in tables.items()}
    tables = {
        "breast_cancer": load_breast_cancer().data,
        "wine": load_wine().data,
        "diabetes": load_diabetes().data,
    }
    if data_dir is not None and data_dir.exists():
        rng = np.random.RandomState(0)
        for name in ADBENCH_TABLES:
            path = data_dir / f"{name}.npz"
            if path.exists():
                X = np.load(path)["X"].astype(float)
                if len(X) > max_rows:
                    X = X[rng.choice(len(X), max_rows, replace=False)]
                tables[name] = X
    # drop constant columns: they carry no imputation signal
    return {k: X[:, X.std(axis=0) > 0] for k, X in tables.items()}


def imputers(seed):
    return {
        "mean": SimpleImputer(),
        "knn": KNNImputer(),
        "iterative": IterativeImputer(max_iter=10, random_state=seed),
        "AEImputer": AEImputer(random_state=seed),
    }


def run(data_dir=None, rates=(0.1, 0.2, 0.4), seeds=(0, 1, 2), external=False):
    tables = load_tables(data_dir, external=external)
    names = list(imputers(0))
    results = {}  # (table, rate) -> {imputer: (rmse, seconds)}
    for tname, X in tables.items():
        scale = X.std(axis=0)
        for rate in rates:
            acc = {n: [] for n in names}
            for seed in seeds:
                rng = np.random.RandomState(seed)
                mask = rng.uniform(size=X.shape) < rate
                mask[mask.all(axis=1), 0] = False  # keep at least one value per row
                X_missing = np.where(mask, np.nan, X)
                for name, imp in imputers(seed).items():
                    start = time.perf_counter()
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore", ConvergenceWarning)
                        filled = imp.fit_transform(X_missing)
                    seconds = time.perf_counter() - start
                    err = ((filled - X) / scale)[mask]
                    acc[name].append((np.sqrt(np.mean(err**2)), seconds))
            results[(tname, rate)] = {n: np.mean(v, axis=0) for n, v in acc.items()}
    return results, names


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=Path(__file__).resolve().parents[2] / "shared" / "data" / "adbench",
    )
    parser.add_argument("--rates", type=float, nargs="+", default=[0.1, 0.2, 0.4])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--external", action="store_true", help="the external R tables instead")
    args = parser.parse_args(argv)
    results, names = run(args.data_dir, args.rates, args.seeds, args.external)
    print(
        "RMSE on removed entries (standardized units), mean over seeds "
        f"{args.seeds}; fit+transform seconds in brackets"
    )
    print(
        f"{'table':<14} {'rate':>4} "
        + " ".join(f"{n:>18}" for n in names)
        + f" {'AE/iterative':>13}"
    )
    wins = {}
    for (tname, rate), res in results.items():
        cells = " ".join(f"{res[n][0]:>10.3f} ({res[n][1]:>5.1f})" for n in names)
        ratio = res["AEImputer"][0] / res["iterative"][0]
        wins.setdefault(rate, []).append(ratio < 1)
        print(f"{tname:<14} {rate:>4.0%} {cells} {ratio:>13.2f}")
    for rate, w in wins.items():
        ratios = [
            res["AEImputer"][0] / res["iterative"][0]
            for (_, r), res in results.items()
            if r == rate
        ]
        gmean = float(np.exp(np.mean(np.log(ratios))))
        print(
            f"rate {rate:.0%}: AEImputer below IterativeImputer on {sum(w)}/{len(w)} tables, "
            f"geometric-mean RMSE ratio {gmean:.2f}"
        )
    for half in () if args.external else ("tuning", "confirming"):
        names_half = splits.IMPUTATION[half]
        for rate in args.rates:
            ratios = [
                results[(t, rate)]["AEImputer"][0] / results[(t, rate)]["iterative"][0]
                for t in names_half
                if (t, rate) in results
            ]
            below = sum(r < 1 for r in ratios)
            gmean = float(np.exp(np.mean(np.log(ratios))))
            print(
                f"{half} half, rate {rate:.0%}: AEImputer below IterativeImputer on "
                f"{below}/{len(ratios)} tables, geometric-mean RMSE ratio {gmean:.2f}"
            )
    fit_ratio = np.mean([res["AEImputer"][1] / res["iterative"][1] for res in results.values()])
    print(f"mean time ratio AEImputer / IterativeImputer: {fit_ratio:.2f}")


if __name__ == "__main__":
    main()
