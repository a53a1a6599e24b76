"""The README's demo: AutoencoderTransformer against PCA on the digits data.

Run it with ``python -m sklearn_ae.demo`` or ``sklearn-ae demo``.
"""

from __future__ import annotations

import sys
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from ._autoencoder import AutoencoderTransformer


def _reduction_report(name, reducer, X_train, X_test, y_train, y_test):
    start = time.perf_counter()
    reducer.fit(X_train)
    seconds = time.perf_counter() - start
    codes_test = reducer.transform(X_test)
    mse = float(np.mean((reducer.inverse_transform(codes_test) - X_test) ** 2))
    clf = make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000))
    accuracy = clf.fit(reducer.transform(X_train), y_train).score(codes_test, y_test)
    return {"name": name, "mse": mse, "accuracy": accuracy, "seconds": seconds}


def run(
    output_dir: str | Path = "demo_output",
    n_components: int = 8,
    random_state: int = 0,
    max_iter: int = 200,
    hidden_layer_sizes=(128, 64),
    device="auto",
):
    """Fit both reducers on digits, print the comparison and save two PNGs.

    Parameters
    ----------
    output_dir : str or Path, default="demo_output"
        Where the figures are written.
    n_components : int, default=8
        Code size for both the autoencoder and PCA.
    random_state : int, default=0
        Seed of the split and of the autoencoder.
    max_iter : int, default=200
        Training epochs of the autoencoder.
    hidden_layer_sizes : tuple of int, default=(128, 64)
        The autoencoder's hidden layers.
    device : str, default="auto"
        Where the autoencoder trains.

    Returns
    -------
    rows : list of dict
        One dict per method with its test reconstruction MSE, the downstream
        classifier's accuracy and the fit time.
    """
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=random_state
    )
    ae = AutoencoderTransformer(
        n_components=n_components,
        hidden_layer_sizes=hidden_layer_sizes,
        max_iter=max_iter,
        random_state=random_state,
        device=device,
    )
    # 200 epochs is the default budget; still improving then is fine for a demo
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    rows = [
        _reduction_report("PCA", PCA(n_components), X_train, X_test, y_train, y_test),
        _reduction_report("AutoencoderTransformer", ae, X_train, X_test, y_train, y_test),
    ]
    print(
        f"digits: {len(X_train)} training and {len(X_test)} test images, "
        f"n_components={n_components}"
    )
    print(f"{'method':<24} {'test recon. MSE':>16} {'logreg accuracy':>16} {'fit s':>7}")
    for r in rows:
        print(f"{r['name']:<24} {r['mse']:>16.3f} {r['accuracy']:>16.3f} {r['seconds']:>7.1f}")
    print(f"autoencoder / PCA reconstruction error: {rows[1]['mse'] / rows[0]['mse']:.2f}")

    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: skipping the figures.")
        return rows

    ae2 = AutoencoderTransformer(n_components=2, max_iter=max_iter, random_state=random_state).fit(
        X_train
    )
    pca2 = PCA(2).fit(X_train)
    fig, axes = plt.subplots(1, 2, figsize=(11, 5), layout="constrained")
    for ax, (title, model) in zip(
        axes, [("PCA", pca2), ("AutoencoderTransformer", ae2)], strict=True
    ):
        emb = model.transform(X_test)
        sc = ax.scatter(emb[:, 0], emb[:, 1], c=y_test, cmap="tab10", s=8)
        ax.set_title(f"{title} (held-out digits)")
    fig.colorbar(sc, ax=axes, label="digit")
    path_embedding = output_dir / "embedding.png"
    fig.savefig(path_embedding, dpi=100)
    plt.close(fig)

    pca = PCA(n_components).fit(X_train)
    shown = X_test[:8]
    panels = [
        ("original", shown),
        (f"PCA ({n_components})", pca.inverse_transform(pca.transform(shown))),
        (f"autoencoder ({n_components})", ae.reconstruct(shown)),
    ]
    fig, axes = plt.subplots(3, 8, figsize=(10, 4))
    for row, (label, images) in enumerate(panels):
        for col in range(8):
            ax = axes[row, col]
            ax.imshow(images[col].reshape(8, 8), cmap="gray_r", vmin=0, vmax=16)
            ax.set_xticks([])
            ax.set_yticks([])
        axes[row, 0].set_ylabel(label, fontsize=8)
    fig.suptitle("Held-out digits and their reconstructions")
    path_recon = output_dir / "reconstructions.png"
    fig.savefig(path_recon, dpi=100)
    plt.close(fig)
    print(f"saved {path_embedding} and {path_recon}")
    return rows


def main(argv=None):
    """``python -m sklearn_ae.demo [options]``: the same as ``sklearn-ae demo [options]``."""
    from ._cli import main as cli_main

    return cli_main(["demo", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
