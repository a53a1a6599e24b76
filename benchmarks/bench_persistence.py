"""Model file sizes: pickle and the safe format against the network's weights.

Every estimator at its defaults (``max_iter=5``: sizes do not depend on the
training length beyond the per-epoch history) on digits. ``weights`` is the
bytes of the trained module's parameters and buffers; ``tables`` the fitted
arrays outside the network that the model needs (VAEGenerator's quantile
tables); the ratios are to the weights, and for the VAE also to weights plus
tables. The issue's target: a default pickle within 1.5x the weights.

Usage::

    python benchmarks/bench_persistence.py
"""

from __future__ import annotations

import os
import pickle
import tempfile
import warnings

from sklearn.datasets import load_digits

import sklearn_ae


def weight_bytes(estimator) -> int:
    module = estimator.net_.module_
    return sum(t.numel() * t.element_size() for t in [*module.parameters(), *module.buffers()])


def table_bytes(estimator) -> int:
    if not isinstance(estimator, sklearn_ae.VAEGenerator):
        return 0
    quantiles = estimator.scaler_.quantiles_
    tables = [quantiles.quantiles_, quantiles.references_]
    tables += list(estimator.marginal_quantiles_ or ())
    return sum(t.nbytes for t in tables)


def main():
    warnings.simplefilter("ignore")
    X = load_digits().data
    print(
        f"{'estimator':24s}{'weights':>10s}{'tables':>10s}{'pickle':>10s}{'safe file':>11s}"
        f"{'pickle/w':>10s}{'file/w':>8s}{'pickle/(w+t)':>14s}"
    )
    folder = tempfile.mkdtemp()
    for name in [
        "AutoencoderTransformer",
        "DenoisingAE",
        "AEImputer",
        "AEOutlierDetector",
        "VAEGenerator",
    ]:
        est = getattr(sklearn_ae, name)(max_iter=5, random_state=0).fit(X)
        w, t = weight_bytes(est), table_bytes(est)
        pickled = len(pickle.dumps(est))
        path = os.path.join(folder, name)
        est.save(path)
        size = os.path.getsize(path)
        print(
            f"{name:24s}{w:10d}{t:10d}{pickled:10d}{size:11d}{pickled / w:9.2f}x"
            f"{size / w:7.2f}x{pickled / (w + t):13.2f}x"
        )


if __name__ == "__main__":
    main()
