"""Per-epoch training time: sklearn_ae's skorch path vs a hand-written torch loop vs PyOD.

All three train the same network (PyOD AutoEncoder's default shape:
n_features -> 64 -> 32 -> 64 -> n_features, batch norm, dropout 0.2, Adam,
MSE) on the same standardized data, in the same process. Also timed:
skorch's default per-row ``Dataset`` + ``DataLoader`` path on the same net,
which is what our slicing iterator replaces.

Usage::

    python benchmarks/bench_batching.py [--n-samples 20000] [--epochs 6]

Prints median seconds per epoch and the ratios
``sklearn_ae / torch loop`` (target <= 1.10) and ``sklearn_ae / PyOD``
(target < 0.6).
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import torch
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

from sklearn_ae import AutoencoderTransformer
from sklearn_ae._modules import Autoencoder

NET = dict(hidden_layer_sizes=(64,), n_components=32, batch_norm=True, dropout=0.2)


def make_data(n_samples: int, n_features: int, seed: int = 0) -> np.ndarray:
    rng = np.random.RandomState(seed)
    latent = rng.normal(size=(n_samples, 8))
    noise = 0.1 * rng.normal(size=(n_samples, n_features))
    return latent @ rng.normal(size=(8, n_features)) + noise


DEVICE = "cpu"


def _sync():
    if DEVICE.startswith("cuda"):
        torch.cuda.synchronize()


def time_sklearn_ae(X, batch_size, epochs):
    ae = AutoencoderTransformer(
        **NET,
        loss="mse",
        batch_size=batch_size,
        max_iter=epochs,
        tol=0.0,
        n_iter_no_change=epochs + 1,
        early_stopping=False,  # the loop below holds nothing out either
        max_rows_per_epoch=None,  # and passes over every row each epoch
        alpha=1e-5,
        random_state=0,
        device=DEVICE,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ae.fit(X)
    return list(ae.net_.history[1:, "dur"])  # skip the warm-up epoch


def time_torch_loop(X, batch_size, epochs):
    # the data resident on the device, as a hand-written loop would keep it
    Xt = torch.tensor(StandardScaler().fit_transform(X), dtype=torch.float32, device=DEVICE)
    torch.manual_seed(0)
    module = Autoencoder(
        X.shape[1], NET["n_components"], NET["hidden_layer_sizes"], batch_norm=True, dropout=0.2
    ).to(DEVICE)
    kwargs = {"fused": True} if DEVICE.startswith("cuda") or DEVICE == "cpu" else {}
    opt = torch.optim.Adam(module.parameters(), lr=1e-3, weight_decay=1e-5, **kwargs)
    gen = torch.Generator(device=DEVICE).manual_seed(0)
    n = len(Xt)
    durations = []
    for _ in range(epochs):
        start = time.perf_counter()
        module.train()
        order = torch.randperm(n, generator=gen, device=DEVICE)
        total = 0.0
        for i in range(0, n, batch_size):
            xb = Xt[order[i : i + batch_size]]
            opt.zero_grad()
            raw, _ = module(xb)
            loss = ((raw - xb) ** 2).mean()
            loss.backward()
            opt.step()
            total += loss.item() * len(xb)  # (skorch reads each batch's loss too)
        _sync()
        durations.append(time.perf_counter() - start)
    return durations[1:]


def time_skorch_default(X, batch_size, epochs):
    from skorch import NeuralNet

    class Wrapped(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.ae = Autoencoder(
                X.shape[1],
                NET["n_components"],
                NET["hidden_layer_sizes"],
                batch_norm=True,
                dropout=0.2,
            )

        def forward(self, x):
            return self.ae(x)[0]

    Xs = StandardScaler().fit_transform(X).astype(np.float32)
    torch.manual_seed(0)
    net = NeuralNet(
        Wrapped,
        criterion=torch.nn.MSELoss,
        optimizer=torch.optim.Adam,
        lr=1e-3,
        optimizer__weight_decay=1e-5,
        max_epochs=epochs,
        batch_size=batch_size,
        iterator_train__shuffle=True,
        train_split=None,
        verbose=0,
    )
    net.fit(Xs, Xs)
    return list(net.history[1:, "dur"])


def time_pyod(X, batch_size, epochs):
    try:
        from pyod.models.auto_encoder import AutoEncoder
    except ImportError:
        return [float("nan")]

    class TimedAutoEncoder(AutoEncoder):
        """PyOD's AutoEncoder with its epoch loop timed (scoring left out)."""

        def train(self, train_loader):
            start = time.perf_counter()
            super().train(train_loader)
            self.train_seconds_ = time.perf_counter() - start

    det = TimedAutoEncoder(
        epoch_num=epochs,
        batch_size=batch_size,
        verbose=0,
        device="cpu",
        hidden_neuron_list=[64, 32],
        random_state=0,
    )
    det.fit(X)
    return [det.train_seconds_ / epochs]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-samples", type=int, default=20000)
    parser.add_argument("--n-features", type=int, default=32)
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[64, 256, 1024])
    parser.add_argument(
        "--device", default="cpu", help="cpu or cuda (on cuda: sklearn_ae and the torch loop only)"
    )
    args = parser.parse_args(argv)
    global DEVICE
    DEVICE = args.device
    X = make_data(args.n_samples, args.n_features)
    print(
        f"per-epoch seconds on {DEVICE}, {args.n_samples} x {args.n_features}, torch threads "
        f"{torch.get_num_threads()}, best of {args.repeats} medians of {args.epochs - 1} epochs"
    )
    header = (
        f"{'batch':>6} {'sklearn_ae':>11} {'torch loop':>11} {'skorch dflt':>12} "
        f"{'PyOD AE':>9} {'ours/loop':>10} {'ours/PyOD':>10} {'dflt/loop':>10}"
    )
    print(header)
    rows = []
    methods = [time_sklearn_ae, time_torch_loop, time_skorch_default, time_pyod]
    if DEVICE != "cpu":
        methods = methods[:2]
    for bs in args.batch_sizes:
        # interleave repeats so that machine noise hits every method alike;
        # keep each method's best (lowest) median over the repeats
        best = [np.inf] * len(methods)
        for _ in range(args.repeats):
            for i, method in enumerate(methods):
                best[i] = min(best[i], float(np.median(method(X, bs, args.epochs))))
        ours, loop, default, pyod = best + [np.nan] * (4 - len(best))
        rows.append((bs, ours, loop, default, pyod))
        print(
            f"{bs:>6} {ours:>11.4f} {loop:>11.4f} {default:>12.4f} {pyod:>9.4f} "
            f"{ours / loop:>10.2f} {ours / pyod:>10.2f} {default / loop:>10.2f}"
        )
    return rows


if __name__ == "__main__":
    main()
