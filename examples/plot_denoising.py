"""
Denoising digits, with the defaults
===================================

:class:`~sklearn_ae.DenoisingAE` with every parameter at its default is a
*blind* denoiser: each training row gets a random kind of corruption
(gaussian noise, masking or salt-and-pepper) at a random strength, so the
model never needs to know the noise it will meet. It is fitted on clean
training digits (scaled to [0, 1]) and cleans held-out digits corrupted two
ways. The anchor is PCA fitted on the same clean digits, given the best
``n_components`` for each noise *on the test images themselves* (an
optimistic baseline a user could not pick).
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.model_selection import train_test_split

from sklearn_ae import DenoisingAE

X = load_digits().data / 16.0
X_train, X_test = train_test_split(X, test_size=0.3, random_state=0)
rng = np.random.RandomState(0)
noisy = {
    "gaussian, std 0.2": X_test + rng.normal(scale=0.2, size=X_test.shape),
    "salt & pepper, 20%": np.where(
        rng.uniform(size=X_test.shape) < 0.2, (rng.uniform(size=X_test.shape) < 0.5) * 1.0, X_test
    ),
}

dae = DenoisingAE(random_state=0).fit(X_train)
pcas = [PCA(k).fit(X_train) for k in range(1, 64)]


def mse(images):
    return np.mean((images - X_test) ** 2)


# %%
# The same 8 test digits: clean, corrupted, denoised by the autoencoder and by
# the best PCA projection. Each title gives the MSE to the clean images over
# the whole test set.
fig, axes = plt.subplots(8, 8, figsize=(8, 9))
for block, (name, X_noisy) in enumerate(noisy.items()):
    X_dae = dae.reconstruct(X_noisy)
    errors = [mse(p.inverse_transform(p.transform(X_noisy))) for p in pcas]
    best = pcas[int(np.argmin(errors))]
    X_pca = best.inverse_transform(best.transform(X_noisy))
    rows = [
        ("clean", X_test),
        (f"{name}: MSE {mse(X_noisy):.4f}", X_noisy),
        (f"DenoisingAE(): MSE {mse(X_dae):.4f}", X_dae),
        (f"PCA, best k={best.n_components}: MSE {mse(X_pca):.4f}", X_pca),
    ]
    for r, (title, images) in enumerate(rows):
        row = 4 * block + r
        for c in range(8):
            axes[row, c].imshow(images[c].reshape(8, 8), cmap="gray_r", vmin=0, vmax=1)
            axes[row, c].axis("off")
        axes[row, 0].set_title(title, loc="left", fontsize=9)
fig.tight_layout()
plt.show()

# %%
# Light noise calls for a near-identity map: the best PCA projection keeps
# about 40 components there. The default network holds a linear autoencoder
# inside (a linear path around its hidden layers), so it keeps that detail
# too; over three splits of each half of the digits it beats the best PCA
# projection at every noise of ``benchmarks/bench_denoising.py`` (by 5% to
# 25%), the margin being smallest under heavy noise.
light = X_test + rng.normal(scale=0.1, size=X_test.shape)
errors = [mse(p.inverse_transform(p.transform(light))) for p in pcas]
print(
    f"gaussian std 0.1: noisy {mse(light):.4f}, "
    f"DenoisingAE() {mse(dae.reconstruct(light)):.4f}, "
    f"best PCA (k={1 + int(np.argmin(errors))}) {min(errors):.4f}"
)
