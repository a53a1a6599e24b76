"""
Digits in two dimensions: autoencoder vs PCA
============================================

:class:`~sklearn_ae.AutoencoderTransformer` maps the 64 pixels of each digit
to two codes; PCA does the same linearly. The autoencoder's map separates the
classes more, and its reconstructions from 8 codes are sharper than PCA's.
"""

import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning

from sklearn_ae import AutoencoderTransformer

# A budget of 60 epochs keeps this page fast; the autoencoders are still
# improving then, which their ConvergenceWarning says. Expected here.
warnings.filterwarnings("ignore", category=ConvergenceWarning)

X, y = load_digits(return_X_y=True)

ae = AutoencoderTransformer(n_components=2, max_iter=60, random_state=0)
codes = {"PCA": PCA(n_components=2).fit_transform(X), "autoencoder": ae.fit_transform(X)}

fig, axes = plt.subplots(1, 2, figsize=(10, 4.5))
for ax, (name, Z) in zip(axes, codes.items(), strict=True):
    scatter = ax.scatter(Z[:, 0], Z[:, 1], c=y, cmap="tab10", s=6)
    ax.set_title(f"{name}: 2 components")
    ax.set_xticks([])
    ax.set_yticks([])
_ = fig.colorbar(scatter, ax=axes, label="digit")
plt.show()

# %%
# Reconstructions from 8 components
# ---------------------------------
pca8 = PCA(n_components=8).fit(X)
ae8 = AutoencoderTransformer(n_components=8, max_iter=60, random_state=0).fit(X)
rows = {
    "original": X[:8],
    "PCA": pca8.inverse_transform(pca8.transform(X[:8])),
    "autoencoder": ae8.reconstruct(X[:8]),
}
fig, axes = plt.subplots(3, 8, figsize=(10, 4))
for r, (name, images) in enumerate(rows.items()):
    for c in range(8):
        axes[r, c].imshow(images[c].reshape(8, 8), cmap="gray_r", vmin=0, vmax=16)
        axes[r, c].axis("off")
    axes[r, 0].set_title(name, loc="left", fontsize=9)
for name, rec in [("PCA", pca8.inverse_transform(pca8.transform(X))), ("AE", ae8.reconstruct(X))]:
    print(f"{name} reconstruction MSE (training data, 8 components): {np.mean((rec - X) ** 2):.2f}")
plt.show()
