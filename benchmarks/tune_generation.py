"""VAEGenerator variants on the tuning half of the synthetic tables.

Each variant is ``VAEGenerator(random_state=seed)`` with module constants of
``sklearn_ae._vae`` and parameters overridden, fitted on the 70% of each
tuning table (``splits.GENERATION["tuning"]``: statsmodels' tables) with the
tuning seeds, and scored as in ``bench_generation.py`` (whose ``--half
tuning`` run gives the anchors: TVAE, GaussianCopula, independent columns).

Usage::

    python benchmarks/tune_generation.py default
    python benchmarks/tune_generation.py bandwidth0.3
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings

import pandas as pd

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import splits  # noqa: E402
from bench_generation import OurVAE, evaluate, load_tables  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402

import sklearn_ae._vae as vae  # noqa: E402
from sklearn_ae._base import _overriding  # noqa: E402

#: name -> (constants of sklearn_ae._vae, VAEGenerator parameters)
VARIANTS = {
    "default": ({}, {}),
    "uncalibrated": ({}, {"calibrate_marginals": False}),
    "bandwidth0.1": ({"CALIBRATION_BANDWIDTH": 0.1}, {}),
    "bandwidth0.3": ({"CALIBRATION_BANDWIDTH": 0.3}, {}),
    "quantiles50": ({"CALIBRATION_QUANTILES": 50}, {}),
}

METRICS = ["quality", "shapes", "pairs", "auc_gb", "tstr", "dcr"]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("variant", choices=sorted(VARIANTS))
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    constants, params = VARIANTS[args.variant]
    rows = []
    with _overriding(*[(vae, k, v) for k, v in constants.items()]):
        for name, (df, target, task) in load_tables("tuning").items():
            for seed in splits.TUNING_SEEDS:
                stratify = df[target] if task == "classification" else None
                train, test = train_test_split(
                    df, test_size=0.3, random_state=seed, stratify=stratify
                )
                train, test = train.reset_index(drop=True), test.reset_index(drop=True)
                synthetic = OurVAE(**params).fit(train, seed).sample(len(train))
                rows.append({"table": name, **evaluate(train, synthetic, test, target, task, seed)})
    results = pd.DataFrame(rows).groupby("table", sort=False)[METRICS].mean()
    with pd.option_context("display.width", 200, "display.precision", 3):
        print(f"variant {args.variant}")
        print(results)
        print("mean", " ".join(f"{m} {results[m].mean():.3f}" for m in METRICS))


if __name__ == "__main__":
    main()
