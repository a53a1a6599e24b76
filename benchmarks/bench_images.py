"""Image denoising: a convolutional DenoisingAE vs the MLP one vs PCA, same code size.

The protocol of ``bench_denoising.py`` (digits / 16 in [0, 1], the halves of
``splits.DENOISING``, a 70/30 split per seed, models fitted on clean training
images only, four test noises), with every model at one code size ``k``
(default 16):

- ``DenoisingAE(module=ConvAutoencoder((1, 8, 8), n_components=k))``: the
  shipped convolutional module at its defaults (channels (16, 32), 3x3);
- ``DenoisingAE(n_components=k)``: the built-in MLP at its defaults;
- ``PCA(k)``: projection and back, fitted on the clean training images.

Everything else is at its default (``random_state`` aside). The score is the
MSE between each output on the noisy test images and the clean ones; fit
times are measured in the same run and given as ratios to the MLP's.

Usage::

    python benchmarks/bench_images.py [--half confirming|tuning|all] [--k 16] [--seeds 0 1 2]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import splits
from bench_denoising import NOISES, corrupt, digits_half
from sklearn.decomposition import PCA
from sklearn.model_selection import train_test_split

from sklearn_ae import DenoisingAE
from sklearn_ae.modules import ConvAutoencoder

METHODS = ("noisy input", "PCA", "MLP DenoisingAE", "conv DenoisingAE")


def run(X: np.ndarray, seed: int, k: int) -> dict:
    X_train, X_test = train_test_split(X, test_size=0.3, random_state=seed)
    times = {}
    models = {
        "PCA": PCA(k),
        "MLP DenoisingAE": DenoisingAE(n_components=k, random_state=seed),
        "conv DenoisingAE": DenoisingAE(
            module=ConvAutoencoder((1, 8, 8), n_components=k), random_state=seed
        ),
    }
    for name, model in models.items():
        start = time.perf_counter()
        model.fit(X_train)
        times[name] = time.perf_counter() - start

    def output(name, noisy):
        model = models[name]
        if name == "PCA":
            return model.inverse_transform(model.transform(noisy))
        return model.reconstruct(noisy)

    out = {"_fit_s": times, "_epochs": {n: models[n].n_iter_ for n in list(models)[1:]}}
    for i, noise in enumerate(NOISES):
        noisy = corrupt(X_test, noise, np.random.RandomState(1000 * seed + i))
        out[noise] = {"noisy input": float(np.mean((noisy - X_test) ** 2))}
        for name in models:
            out[noise][name] = float(np.mean((output(name, noisy) - X_test) ** 2))
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--half", choices=["tuning", "confirming", "all"], default="confirming")
    parser.add_argument("--k", type=int, default=16, help="code size of every model")
    parser.add_argument("--seeds", type=int, nargs="+", default=list(splits.REPORT_SEEDS))
    args = parser.parse_args(argv)
    X = digits_half(args.half)
    runs = [run(X, s, args.k) for s in args.seeds]
    print(
        f"MSE to the clean held-out digits ({args.half} half, {len(X)} images, "
        f"seeds {args.seeds}, code size {args.k})"
    )
    print(
        f"{'test noise':18s}"
        + "".join(f"{m:>18s}" for m in METHODS)
        + f"{'conv/MLP':>10s}{'conv/PCA':>10s}"
    )
    for noise in NOISES:
        means = {m: np.mean([r[noise][m] for r in runs]) for m in METHODS}
        cells = "".join(f"{means[m]:18.5f}" for m in METHODS)
        conv = means["conv DenoisingAE"]
        print(
            f"{noise:18s}{cells}{conv / means['MLP DenoisingAE']:9.2f}x{conv / means['PCA']:9.2f}x"
        )
    fit = {m: np.mean([r["_fit_s"][m] for r in runs]) for m in METHODS[1:]}
    print(
        "fit time (mean s): "
        + ", ".join(f"{m} {fit[m]:.2f}" for m in METHODS[1:])
        + f"; conv / MLP {fit['conv DenoisingAE'] / fit['MLP DenoisingAE']:.2f}x"
    )
    print("epochs: " + "; ".join(f"{m} {[r['_epochs'][m] for r in runs]}" for m in METHODS[2:]))


if __name__ == "__main__":
    main()
