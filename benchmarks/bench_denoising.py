"""Denoising digits: DenoisingAE() at its defaults vs the best PCA projection.

Digits are scaled to [0, 1] (``load_digits().data / 16``). The rows are split
into halves (``splits.DENOISING``: even rows tune, odd rows confirm); within a
half, each seed makes a 70/30 split. Every model is fitted on the clean
training images only and never sees the test noise; the test images are then
corrupted four ways:

- gaussian noise of std 0.1, 0.2 and 0.3 (pixel units), and
- 20% salt-and-pepper (a pixel is set to 0 or 1 with probability 0.1 each).

The score is the MSE between each method's output on the noisy images and the
clean images. PCA is fitted on the clean training images and given, for each
noise, its **best** ``n_components`` on the test images themselves (1 to 63:
an optimistic anchor). ``DenoisingAE()`` and ``AutoencoderTransformer()`` run
with every parameter at its default (``random_state`` aside).

Usage::

    python benchmarks/bench_denoising.py [--half confirming|tuning|all] [--seeds 0 1 2]
    python benchmarks/bench_denoising.py --data photos   # data never tuned on
    python benchmarks/bench_denoising.py --half tuning --seeds 10 11 \\
        --params '{"noise_level": 0.3}'      # how defaults were compared
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import splits
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.model_selection import train_test_split

from sklearn_ae import AutoencoderTransformer, DenoisingAE

NOISES = ("gaussian 0.1", "gaussian 0.2", "gaussian 0.3", "salt&pepper 20%")


def corrupt(X: np.ndarray, noise: str, rng: np.random.RandomState) -> np.ndarray:
    kind, level = noise.split()
    if kind == "gaussian":
        return X + rng.normal(scale=float(level), size=X.shape)
    hit = rng.uniform(size=X.shape) < float(level.rstrip("%")) / 100
    salt = rng.uniform(size=X.shape) < 0.5
    return np.where(hit, salt.astype(float), X)


def photo_patches(n_per_photo: int = 1000) -> np.ndarray:
    """8 x 8 grey patches of scikit-learn's two sample photos, in [0, 1].

    Data no default was chosen on (``--data photos``): natural-image
    patches, smoother and lower in contrast than digits.
    """
    from sklearn.datasets import load_sample_images
    from sklearn.feature_extraction.image import extract_patches_2d

    patches = [
        extract_patches_2d(
            image.mean(axis=2) / 255.0, (8, 8), max_patches=n_per_photo, random_state=0
        )
        for image in load_sample_images().images
    ]
    return np.concatenate(patches).reshape(-1, 64)


def digits_half(name: str) -> np.ndarray:
    X = load_digits().data / 16.0
    if name == "all":
        return X
    return X[0::2] if splits.DENOISING[name] == "digits[0::2]" else X[1::2]


def run(X: np.ndarray, seed: int, params: dict) -> dict:
    X_train, X_test = train_test_split(X, test_size=0.3, random_state=seed)
    start = time.perf_counter()
    dae = DenoisingAE(random_state=seed, **params).fit(X_train)
    dae_time = time.perf_counter() - start
    ae = AutoencoderTransformer(random_state=seed).fit(X_train)
    pcas = [PCA(k).fit(X_train) for k in range(1, X.shape[1])]
    out = {"_fit_s": dae_time, "_epochs": dae.n_iter_}
    for i, noise in enumerate(NOISES):
        noisy = corrupt(X_test, noise, np.random.RandomState(1000 * seed + i))

        def mse(Y):
            return float(np.mean((Y - X_test) ** 2))

        pca = [mse(p.inverse_transform(p.transform(noisy))) for p in pcas]
        out[noise] = {
            "noisy input": mse(noisy),
            "PCA best k": min(pca),
            "best k": 1 + int(np.argmin(pca)),
            "AutoencoderTransformer": mse(ae.reconstruct(noisy)),
            "DenoisingAE": mse(dae.reconstruct(noisy)),
        }
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--half", choices=["tuning", "confirming", "all"], default="confirming")
    parser.add_argument("--seeds", type=int, nargs="+", default=list(splits.REPORT_SEEDS))
    parser.add_argument("--params", type=json.loads, default={}, help="DenoisingAE overrides")
    parser.add_argument(
        "--data",
        choices=["digits", "photos"],
        default="digits",
        help="photos: 2,000 8x8 patches of the sample photos (no halves: never tuned on)",
    )
    args = parser.parse_args(argv)
    X = digits_half(args.half) if args.data == "digits" else photo_patches()
    runs = [run(X, s, args.params) for s in args.seeds]
    print(
        f"MSE to the clean held-out {args.data} "
        f"({args.half + ' half' if args.data == 'digits' else 'all'}, {len(X)} images, "
        f"seeds {args.seeds}, DenoisingAE params {args.params or 'defaults'})"
    )
    methods = ["noisy input", "PCA best k", "AutoencoderTransformer", "DenoisingAE"]
    print(f"{'test noise':18s}" + "".join(f"{m:>24s}" for m in methods) + f"{'DAE / PCA':>11s}")
    for noise in NOISES:
        means = {m: np.mean([r[noise][m] for r in runs]) for m in methods}
        ks = sorted({r[noise]["best k"] for r in runs})
        cells = "".join(f"{means[m]:24.5f}" for m in methods)
        ratio = means["DenoisingAE"] / means["PCA best k"]
        print(f"{noise:18s}{cells}{ratio:10.2f}x   (PCA k={ks})")
    fit = np.mean([r["_fit_s"] for r in runs])
    epochs = [r["_epochs"] for r in runs]
    print(f"DenoisingAE fit: {fit:.1f} s mean, epochs {epochs}")


if __name__ == "__main__":
    main()
