"""
Denoising images with a convolutional autoencoder
=================================================

Any torch module with ``encode`` and ``decode`` can be the network of an
sklearn_ae estimator. Here :class:`~sklearn_ae.modules.ConvAutoencoder`
(stride-2 convolutions over the 8x8 digit images, given as flattened rows)
replaces the built-in MLP of :class:`~sklearn_ae.DenoisingAE`. Both
autoencoders and PCA get the same code size, 16, and are fitted on clean
training digits only; the held-out digits are corrupted with gaussian noise
and with salt-and-pepper, and each title gives the MSE to the clean images
over the whole test set.
"""

import time

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.model_selection import train_test_split

from sklearn_ae import DenoisingAE
from sklearn_ae.modules import ConvAutoencoder

X = load_digits().data / 16.0
X_train, X_test = train_test_split(X, test_size=0.3, random_state=0)
rng = np.random.RandomState(0)
noisy = {
    "gaussian, std 0.3": X_test + rng.normal(scale=0.3, size=X_test.shape),
    "salt & pepper, 20%": np.where(
        rng.uniform(size=X_test.shape) < 0.2, (rng.uniform(size=X_test.shape) < 0.5) * 1.0, X_test
    ),
}

models = {
    "conv DenoisingAE": DenoisingAE(
        module=ConvAutoencoder(image_shape=(1, 8, 8), n_components=16), random_state=0
    ),
    "MLP DenoisingAE": DenoisingAE(n_components=16, random_state=0),
}
for name, model in models.items():
    start = time.perf_counter()
    model.fit(X_train)
    print(f"{name}: fitted in {time.perf_counter() - start:.1f} s, {model.n_iter_} epochs")
pca = PCA(16).fit(X_train)


def mse(images):
    return np.mean((images - X_test) ** 2)


# %%
# Eight test digits per noise: clean, corrupted, then each method's output.
fig, axes = plt.subplots(10, 8, figsize=(8, 11))
for block, (noise, X_noisy) in enumerate(noisy.items()):
    outputs = {
        "clean": X_test,
        f"{noise}: MSE {mse(X_noisy):.4f}": X_noisy,
        **{
            f"{name}: MSE {mse(m.reconstruct(X_noisy)):.4f}": m.reconstruct(X_noisy)
            for name, m in models.items()
        },
    }
    X_pca = pca.inverse_transform(pca.transform(X_noisy))
    outputs[f"PCA, k=16: MSE {mse(X_pca):.4f}"] = X_pca
    for r, (title, images) in enumerate(outputs.items()):
        row = 5 * block + r
        for c in range(8):
            axes[row, c].imshow(images[c].reshape(8, 8), cmap="gray_r", vmin=0, vmax=1)
            axes[row, c].axis("off")
        axes[row, 0].set_title(title, loc="left", fontsize=9)
fig.tight_layout()
plt.show()

# %%
# The titles give each method's MSE on this one split. Over three seeds on
# each half of ``benchmarks/bench_images.py`` the convolutional denoiser's MSE
# is 0.74x-0.93x PCA's with the same 16 codes at every noise tested. Against
# the built-in MLP, whose linear path around its hidden layers keeps fine
# detail, it is level under gaussian noise (0.96x-1.03x) and ahead on
# salt-and-pepper (0.86x-0.93x), for about 2.8x the MLP's fit time.
