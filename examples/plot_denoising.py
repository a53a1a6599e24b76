"""
Denoising digits
================

:class:`~sklearn_ae.DenoisingAE` adds fresh gaussian noise to every training
batch and learns to remove it; nothing is corrupted at inference. Here the
model is fitted on clean training digits (scaled to [0, 1]) and cleans noisy
held-out ones.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from sklearn_ae import DenoisingAE

X = load_digits().data / 16.0
X_train, X_test = train_test_split(X, test_size=0.3, random_state=0)
rng = np.random.RandomState(0)
X_noisy = X_test + rng.normal(scale=0.2, size=X_test.shape)

dae = DenoisingAE(
    n_components=16,
    noise="gaussian",
    noise_level=0.2,
    standardize=False,
    loss="mse",
    max_iter=80,
    random_state=0,
).fit(X_train)
X_clean = dae.reconstruct(X_noisy)
print(
    f"MSE to the clean images: noisy {np.mean((X_noisy - X_test) ** 2):.4f}, "
    f"denoised {np.mean((X_clean - X_test) ** 2):.4f}"
)

fig, axes = plt.subplots(3, 8, figsize=(10, 4))
for r, (name, images) in enumerate([("clean", X_test), ("noisy", X_noisy), ("denoised", X_clean)]):
    for c in range(8):
        axes[r, c].imshow(images[c].reshape(8, 8), cmap="gray_r", vmin=0, vmax=1)
        axes[r, c].axis("off")
    axes[r, 0].set_title(name, loc="left", fontsize=9)
plt.show()
