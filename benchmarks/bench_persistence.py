"""Model file sizes: pickle and the safe format against the network's weights.

Every estimator at its defaults (``max_iter=5``: sizes do not depend on the
training length beyond the per-epoch history) on digits, and VAEGenerator
also on breast_cancer (30 continuous columns). ``weights`` is the
bytes of the trained module's parameters and buffers; ``tables`` the fitted
arrays outside the network that the model needs (VAEGenerator's quantile
tables, counted as the arrays it holds when fitted; the files store their
runs of repeated values once, and the training rows its ``privacy_filter``
keeps with their distances; AEOutlierDetector's kept training rows under
its neighbours rule); the ratios are to the weights, and also to weights
plus tables. The issue's target: a default pickle within 1.5x the weights
plus those tables.

Usage::

    python benchmarks/bench_persistence.py
"""

from __future__ import annotations

import os
import pickle
import tempfile
import warnings

import numpy as np
from sklearn.datasets import load_breast_cancer, load_digits

import sklearn_ae


def weight_bytes(estimator) -> int:
    module = estimator.net_.module_
    return sum(t.numel() * t.element_size() for t in [*module.parameters(), *module.buffers()])


def table_bytes(estimator) -> int:
    if isinstance(estimator, sklearn_ae.AEOutlierDetector):  # the kept training rows
        return getattr(estimator, "neighbor_rows_", np.empty(0)).nbytes
    if not isinstance(estimator, sklearn_ae.VAEGenerator):
        return 0
    quantiles = estimator.scaler_.quantiles_
    tables = [quantiles.quantiles_, quantiles.references_]
    for generated, observed in estimator.marginal_quantiles_ or ():
        tables += [generated, observed]
    if estimator.privacy_rows_ is not None:
        tables += [estimator.privacy_rows_, estimator.privacy_distances_]
    if getattr(estimator, "privacy_spacing_", None) is not None:
        tables.append(estimator.privacy_spacing_)
    return sum(t.nbytes for t in tables)


def main():
    warnings.simplefilter("ignore")
    X = load_digits().data
    print(
        f"{'estimator':24s}{'data':>14s}{'weights':>10s}{'tables':>10s}{'pickle':>10s}"
        f"{'safe file':>11s}"
        f"{'pickle/w':>10s}{'file/w':>8s}{'pickle/(w+t)':>14s}"
    )
    folder = tempfile.mkdtemp()
    cases = [
        (name, "digits", X)
        for name in [
            "AutoencoderTransformer",
            "DenoisingAE",
            "AEImputer",
            "AEOutlierDetector",
            "VAEGenerator",
        ]
    ]
    # continuous columns repeat no values, so the quantile tables cannot shrink
    cases.append(("VAEGenerator", "breast_cancer", load_breast_cancer().data))
    for name, data, X in cases:
        est = getattr(sklearn_ae, name)(max_iter=5, random_state=0).fit(X)
        w, t = weight_bytes(est), table_bytes(est)
        pickled = len(pickle.dumps(est))
        path = os.path.join(folder, name)
        est.save(path)
        size = os.path.getsize(path)
        print(
            f"{name:24s}{data:>14s}{w:10d}{t:10d}{pickled:10d}{size:11d}{pickled / w:9.2f}x"
            f"{size / w:7.2f}x{pickled / (w + t):13.2f}x"
        )


if __name__ == "__main__":
    main()
