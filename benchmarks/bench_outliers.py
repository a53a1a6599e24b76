"""Outlier detection on ADBench tables: AEOutlierDetector vs IsolationForest and PyOD.

The ADBench unsupervised protocol: for each dataset and seed, a stratified
70/30 split; every detector is fitted on the training rows without labels
and scores the test rows (higher = more anomalous, i.e. ``-score_samples``
for scikit-learn style detectors); ROC-AUC and average precision are
averaged over seeds, then over datasets. Every detector runs in the same
process on the same splits, one torch thread per job, and the fit times are
summed over all fits. PyOD's AutoEncoder and VAE run when PyOD is installed
(``pip install -e .[benchmark]``).

Point ``--data-dir`` at a folder of ADBench ``.npz`` files (``X``, ``y``):
the repository's sibling ``shared/data/adbench`` by default, or the full
ADBench download.

Usage::

    python benchmarks/bench_outliers.py [--data-dir DIR] [--seeds 0 1 2] [--n-jobs 2]
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

import numpy as np
from joblib import Parallel, delayed
from sklearn.ensemble import IsolationForest
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.model_selection import train_test_split

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "adbench"


def detectors(seed: int) -> dict:
    """Name -> (fit, anomaly score) for every available detector."""
    from sklearn_ae import AEOutlierDetector

    out = {
        "AEOutlierDetector": (
            lambda X: AEOutlierDetector(random_state=seed, device="cpu").fit(X),
            lambda m, X: -m.score_samples(X),
        ),
        "IsolationForest": (
            lambda X: IsolationForest(random_state=seed).fit(X),
            lambda m, X: -m.score_samples(X),
        ),
    }
    try:
        from pyod.models.auto_encoder import AutoEncoder
        from pyod.models.vae import VAE
    except ImportError:
        return out
    out["PyOD AutoEncoder"] = (
        lambda X: AutoEncoder(random_state=seed, verbose=0).fit(X),
        lambda m, X: m.decision_function(X),
    )
    out["PyOD VAE"] = (
        lambda X: VAE(random_state=seed, verbose=0).fit(X),
        lambda m, X: m.decision_function(X),
    )
    return out


def one_split(path: Path, seed: int) -> list[tuple]:
    import torch

    torch.set_num_threads(1)
    warnings.simplefilter("ignore")
    data = np.load(path)
    X, y = data["X"].astype(np.float64), data["y"].astype(int)
    X_train, X_test, _, y_test = train_test_split(
        X, y, test_size=0.3, stratify=y, random_state=seed
    )
    rows = []
    for name, (fit, score) in detectors(seed).items():
        start = time.perf_counter()
        model = fit(X_train)
        elapsed = time.perf_counter() - start
        s = np.asarray(score(model, X_test), dtype=np.float64)
        rows.append(
            (
                path.stem,
                seed,
                name,
                roc_auc_score(y_test, s),
                average_precision_score(y_test, s),
                elapsed,
            )
        )
    return rows


def run(data_dir: Path, seeds=(0, 1, 2), n_jobs: int = 2):
    paths = sorted(data_dir.glob("*.npz"))
    if not paths:
        raise SystemExit(f"No .npz files in {data_dir}.")
    results = Parallel(n_jobs=n_jobs)(delayed(one_split)(p, s) for p in paths for s in seeds)
    rows = [r for chunk in results for r in chunk]
    names = list(dict.fromkeys(r[2] for r in rows))
    datasets = list(dict.fromkeys(r[0] for r in rows))
    table = {}
    for name in names:
        per = np.array(
            [
                np.mean([r[3:5] for r in rows if r[0] == d and r[2] == name], axis=0)
                for d in datasets
            ]
        )
        fit_time = sum(r[5] for r in rows if r[2] == name)
        table[name] = (per, fit_time)
    return datasets, table


def report(datasets, table) -> None:
    names = list(table)
    print("ROC-AUC (x100) per dataset, mean over seeds")
    print(f"{'dataset':22s}" + "".join(f"{n[:18]:>19s}" for n in names))
    for i, d in enumerate(datasets):
        print(f"{d:22s}" + "".join(f"{100 * table[n][0][i, 0]:19.1f}" for n in names))
    print()
    ours = table["AEOutlierDetector"]
    print(f"{'detector':20s} {'ROC-AUC':>8s} {'AP':>7s} {'fit s':>8s} {'fit vs ours':>12s}")
    for name in names:
        per, fit_time = table[name]
        auc, ap = 100 * per[:, 0].mean(), per[:, 1].mean()
        print(f"{name:20s} {auc:8.1f} {ap:7.3f} {fit_time:8.1f} {fit_time / ours[1]:11.2f}x")
    wins = {
        n: int((ours[0][:, 0] > table[n][0][:, 0]).sum()) for n in names if n != "AEOutlierDetector"
    }
    print("\nAEOutlierDetector ROC-AUC wins per dataset:", wins, f"of {len(datasets)}")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--n-jobs", type=int, default=2)
    args = parser.parse_args(argv)
    report(*run(args.data_dir, tuple(args.seeds), args.n_jobs))


if __name__ == "__main__":
    main()
