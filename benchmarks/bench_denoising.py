"""Denoising digits: DenoisingAE vs PCA projection vs an autoencoder trained without noise.

Digits are scaled to [0, 1]; gaussian noise of std 0.2 is added to a
held-out split; the score is the MSE between each method's output on the
noisy images and the clean images. PCA is fitted on the clean training
images and given its best ``n_components`` on the test set (an optimistic
baseline); both autoencoders use the same network and code size.

Usage::

    python benchmarks/bench_denoising.py [--seeds 0 1 2]
"""

from __future__ import annotations

import argparse
import warnings

import numpy as np
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from sklearn_ae import AutoencoderTransformer, DenoisingAE

# The images are already in [0, 1]: no standardization, plain squared error.
# Both autoencoders get the same training: early stopping on a held-out 10%
# (patience 30), batches of 64, at most 500 epochs. With the defaults (batches
# of 200, stopping on the training loss) the denoising autoencoder stops too
# early: its training loss is noisy by design (fresh noise every batch).
SHARED = dict(
    n_components=16,
    standardize=False,
    loss="mse",
    early_stopping=True,
    n_iter_no_change=30,
    batch_size=64,
    max_iter=500,
)


def run(seed: int, noise_std: float = 0.2):
    X = load_digits().data / 16.0
    X_train, X_test = train_test_split(X, test_size=0.3, random_state=seed)
    rng = np.random.RandomState(seed)
    noisy = X_test + rng.normal(scale=noise_std, size=X_test.shape)

    def mse(out):
        return float(np.mean((out - X_test) ** 2))

    pca = {
        k: mse(PCA(k).fit(X_train).inverse_transform(PCA(k).fit(X_train).transform(noisy)))
        for k in range(2, 41, 2)
    }
    best_k = min(pca, key=pca.get)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ae = AutoencoderTransformer(**SHARED, random_state=seed).fit(X_train)
        dae = DenoisingAE(**SHARED, noise_level=0.2, random_state=seed).fit(X_train)
    return {
        "noisy input": mse(noisy),
        f"PCA (best k={best_k})": pca[best_k],
        "AutoencoderTransformer": mse(ae.reconstruct(noisy)),
        "DenoisingAE": mse(dae.reconstruct(noisy)),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    args = parser.parse_args(argv)
    runs = [run(s) for s in args.seeds]
    print(f"MSE to the clean held-out digits (pixels in [0, 1], noise std 0.2), seeds {args.seeds}")
    dae = np.mean([r["DenoisingAE"] for r in runs])
    for i, name in enumerate(runs[0]):
        values = [list(r.values())[i] for r in runs]
        label = name if len({list(r)[i] for r in runs}) == 1 else name.split(" (")[0]
        print(
            f"{label:<26} {np.mean(values):.5f}  (DenoisingAE / this: {dae / np.mean(values):.2f})"
        )


if __name__ == "__main__":
    main()
