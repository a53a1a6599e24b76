"""Large tables: peak memory, inference speed and fit time as rows grow.

Three parts (``--part memory|speed|rows|all``), each with its baseline in
the same run:

- **memory**: peak resident memory of ``fit``, ``transform`` and
  ``score_samples`` on 500,000 x 100 float32 rows (200 MB), each in a fresh
  process, as a multiple of the data's size; the memory held before the
  data existed (Python, torch and the code pages a first fit and call on
  20,000 other rows load) is subtracted. Baseline:
  scikit-learn's PCA (``n_components=10``) and IsolationForest at their
  defaults on the same rows. Targets: fit <= 2x the data plus the model,
  transform and score_samples <= 1.5x. ``max_iter=2``: the peak does not grow
  with epochs.
- **speed**: ``transform`` (AutoencoderTransformer) and ``score_samples``
  (AEOutlierDetector) against a hand-written torch loop over the same trained
  module: the float32 rows scaled in torch and passed through ``encode``
  (resp. the same scoring function), chunk by chunk under ``no_grad``, the
  data already a tensor. Target: <= 1.3x. Also float64 input, which computes
  in float64, against the same loop in float64.
- **rows**: fit time and held-out reconstruction error of
  ``AutoencoderTransformer()`` at its defaults on 100k, 300k and 1M rows x 50
  of a nonlinear 8-dimensional manifold plus noise, against a converged
  reference fit on the same rows (``tol=0``, ``n_iter_no_change=30``, up to
  1000 epochs, at a constant learning rate: it stops only after 30 epochs
  without any improvement of the held-out loss), scored on the same 20,000
  other rows; PCA with as many
  components (2) for scale. Targets: 1M rows cost at most 3x the 100k time,
  error within 5% of the reference. The previous rule (every row every
  epoch, ``max_rows_per_epoch=None``) is timed at 100k for contrast.

Usage::

    python benchmarks/bench_scale.py [--part all] [--rows 100000 300000 1000000]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
import warnings

import numpy as np

N_ROWS, N_FEATURES = 500_000, 100


def make_rows(n: int, d: int, seed: int = 0, latent_dim: int = 8) -> np.ndarray:
    """float32 rows on a smooth nonlinear manifold plus noise, made chunk by chunk.

    The manifold depends on ``d`` only; ``seed`` draws the rows on it.
    """
    shape = np.random.default_rng(d)
    mixing = shape.normal(size=(latent_dim, d)).astype(np.float32) / np.sqrt(latent_dim)
    bend = shape.normal(size=(latent_dim, d)).astype(np.float32) / np.sqrt(latent_dim)
    rng = np.random.default_rng(seed)
    X = np.empty((n, d), dtype=np.float32)
    for start in range(0, n, 100_000):
        stop = min(n, start + 100_000)
        z = rng.standard_normal((stop - start, latent_dim), dtype=np.float32)
        X[start:stop] = np.tanh(z @ mixing) + 0.5 * np.sin(z @ bend)
        X[start:stop] += 0.05 * rng.standard_normal((stop - start, d), dtype=np.float32)
    return X


# ------------------------------------------------------------------ memory
def _status(field: str) -> int:
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise KeyError(field)


def _memory_child(case: str) -> dict:
    """Run one case in this (fresh) process; peak RSS above the pre-data level."""
    warnings.simplefilter("ignore")
    import torch
    from sklearn.decomposition import PCA
    from sklearn.ensemble import IsolationForest

    from sklearn_ae import AEOutlierDetector, AutoencoderTransformer

    small = make_rows(20_000, N_FEATURES, seed=1)
    kind, method = case.split(".")
    make = {
        "autoencoder": lambda: AutoencoderTransformer(max_iter=2, random_state=0),
        "outliers": lambda: AEOutlierDetector(max_iter=2, random_state=0),
        "pca": lambda: PCA(n_components=10, random_state=0),
        "iforest": lambda: IsolationForest(random_state=0),
    }[kind]
    # a fit on other rows first: the libraries' code pages that training and
    # inference touch are then already resident (they are not data memory)
    model = make().fit(small)
    if method != "fit":
        getattr(model, method)(small)
    before = _status("VmRSS")
    X = make_rows(N_ROWS, N_FEATURES)
    with open("/proc/self/clear_refs", "w") as f:  # restart the peak (VmHWM) here
        f.write("5")
    t0 = time.perf_counter()
    if method == "fit":
        model = make().fit(X)
    else:
        getattr(model, method)(X)
    seconds = time.perf_counter() - t0
    peak = _status("VmHWM") - before
    module = getattr(getattr(model, "net_", None), "module_", None)
    model_bytes = 0
    if module is not None:
        model_bytes = sum(t.numel() * t.element_size() for t in module.parameters())
    del torch
    return {"peak": peak, "data": X.nbytes, "model": model_bytes, "seconds": seconds}


def memory_part() -> None:
    cases = [
        ("autoencoder.fit", 2.0),
        ("autoencoder.transform", 1.5),
        ("outliers.fit", 2.0),
        ("outliers.score_samples", 1.5),
        ("pca.fit", None),
        ("pca.transform", None),
        ("iforest.fit", None),
        ("iforest.score_samples", None),
    ]
    print(f"peak resident memory above the pre-data level, {N_ROWS:,} x {N_FEATURES} float32")
    print(f"{'case':26s}{'peak MB':>9s}{'x data':>8s}{'target':>8s}{'seconds':>9s}")
    for case, target in cases:
        out = subprocess.run(
            [sys.executable, __file__, "--memory-child", case],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        r = json.loads(out.strip().splitlines()[-1])
        ratio = r["peak"] / r["data"]
        bound = "" if target is None else f"{target + r['model'] / r['data']:.2f}"
        print(
            f"{case:26s}{r['peak'] / 2**20:9.0f}{ratio:8.2f}{bound:>8s}{r['seconds']:9.2f}",
            flush=True,
        )


# ------------------------------------------------------------------- speed
def _interleaved(fns, repeats: int = 15) -> list[np.ndarray]:
    """Seconds of each repeat of each function, repeats interleaved (a, b, a, b, ...).

    Interleaving lets a slow spell of a shared machine hit every contender
    alike instead of whichever happened to run during it; the ratio of the
    two calls of one repeat (run back to back) is then the steadiest figure.
    """
    times = [[] for _ in fns]
    for _ in range(repeats):
        for fn, spent in zip(fns, times, strict=True):
            t0 = time.perf_counter()
            fn()
            spent.append(time.perf_counter() - t0)
    return [np.asarray(spent) for spent in times]


def speed_part(n: int = 200_000, repeats: int = 15) -> None:
    import torch

    from sklearn_ae import AEOutlierDetector, AutoencoderTransformer
    from sklearn_ae._base import INFERENCE_BATCH_SIZE
    from sklearn_ae._outlier import NEIGHBOR_BLOCK, SCORE_STATISTICS, _neighbor_scores

    warnings.simplefilter("ignore")
    X32 = make_rows(n, N_FEATURES)
    train = make_rows(20_000, N_FEATURES, seed=1)
    ae = AutoencoderTransformer(max_iter=20, random_state=0).fit(train)
    det = AEOutlierDetector(max_iter=20, random_state=0).fit(train)
    threads = torch.get_num_threads()
    print(
        f"inference on {n:,} x {N_FEATURES}, {repeats} interleaved repeats, "
        f"torch threads {threads}; outlier rule {det.distance_}"
    )
    print(
        f"{'method':28s}{'ours s':>9s}{'torch loop s':>14s}{'ratio':>8s}"
        f"{'median ratio of a repeat':>26s}"
    )
    for dtype in (np.float32, np.float64):
        X = X32.astype(dtype)
        tdtype = torch.float32 if dtype == np.float32 else torch.float64
        for name, est, ours, plain in [
            ("transform", ae, ae.transform, lambda m, x, stats: m.encode(x)),
            (
                "score_samples",
                det,
                det.score_samples,
                lambda m, x, stats: _neighbor_scores(
                    m, x, *stats, k=det.n_neighbors_, block=NEIGHBOR_BLOCK
                ),
            ),
        ]:
            module = est.net_.inference_module(tdtype)
            scaling = est._scaling()
            stats = [
                torch.as_tensor(getattr(est, k), dtype=tdtype)
                for k in SCORE_STATISTICS["neighbors"]
                if hasattr(est, k)
            ]
            rows = torch.from_numpy(X)

            def loop(module=module, scaling=scaling, stats=stats, rows=rows, plain=plain):
                with torch.no_grad():
                    for start in range(0, n, INFERENCE_BATCH_SIZE):
                        x = scaling.apply_torch(rows[start : start + INFERENCE_BATCH_SIZE])
                        plain(module, x, stats)

            ours_s, loop_s = _interleaved([lambda ours=ours, X=X: ours(X), loop], repeats)
            t_ours, t_loop = ours_s.min(), loop_s.min()  # best of the repeats
            paired = float(np.median(ours_s / loop_s))
            label = f"{name} ({np.dtype(dtype).name})"
            print(
                f"{label:28s}{t_ours:9.3f}{t_loop:14.3f}{t_ours / t_loop:8.2f}{paired:26.2f}",
                flush=True,
            )


# -------------------------------------------------------------------- rows
def _held_out_error(model, rows) -> float:
    return float(((model.inverse_transform(model.transform(rows)) - rows) ** 2).mean())


def rows_part(sizes, full_pass_sizes=(100_000,), fits=("ours", "reference"), device="cpu"):
    from sklearn.decomposition import PCA

    import sklearn_ae._base as base
    from sklearn_ae import AutoencoderTransformer

    warnings.simplefilter("ignore")
    d = 50
    held_out = make_rows(20_000, d, seed=99)
    print(f"AutoencoderTransformer() on n x {d} rows; error = held-out reconstruction MSE")
    print(
        f"{'rows':>9s}{'fit s':>8s}{'epochs':>7s}{'error':>8s}{'ref s':>8s}{'ref epochs':>11s}"
        f"{'ref error':>10s}{'err/ref':>8s}{'time/first':>11s}{'PCA error':>10s}"
    )
    first = None
    nan = float("nan")
    for n in sizes:
        X = make_rows(n, d, seed=0)
        t_ours = err = t_ref = ref_err = nan
        n_ours = n_ref = -1
        if "ours" in fits:
            t0 = time.perf_counter()
            ours = AutoencoderTransformer(random_state=0, device=device).fit(X)
            t_ours, n_ours = time.perf_counter() - t0, ours.n_iter_
            err = _held_out_error(ours, held_out)
        if "reference" in fits:
            t0 = time.perf_counter()
            # converged reference: stop only after 30 epochs without any
            # improvement, at a constant learning rate (no drops at plateaus)
            with base._overriding((base, "CAPPED_LR_DROPS", 0)):
                ref = AutoencoderTransformer(
                    random_state=0, max_iter=1000, tol=0.0, n_iter_no_change=30, device=device
                ).fit(X)
            t_ref, n_ref = time.perf_counter() - t0, ref.n_iter_
            ref_err = _held_out_error(ref, held_out)
        # as many components as the default code (n_components=2)
        k = AutoencoderTransformer().n_components
        pca = PCA(n_components=k, random_state=0).fit(X.astype(np.float64))
        first = first or t_ours
        print(
            f"{n:9,d}{t_ours:8.1f}{n_ours:7d}{err:8.4f}{t_ref:8.1f}{n_ref:11d}"
            f"{ref_err:10.4f}{err / ref_err:8.3f}{t_ours / first:11.2f}"
            f"{_held_out_error(pca, held_out.astype(np.float64)):10.4f}",
            flush=True,
        )
    if full_pass_sizes:
        print("the previous rule, every row every epoch (max_rows_per_epoch=None):")
    for n in full_pass_sizes:
        X = make_rows(n, d, seed=0)
        t0 = time.perf_counter()
        full = AutoencoderTransformer(random_state=0, max_rows_per_epoch=None).fit(X)
        t_full = time.perf_counter() - t0
        print(
            f"{n:9,d}{t_full:8.1f}{full.n_iter_:7d}{_held_out_error(full, held_out):8.4f}",
            flush=True,
        )


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=["memory", "speed", "rows", "all"], default="all")
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 300_000, 1_000_000])
    parser.add_argument(
        "--fits", nargs="+", choices=["ours", "reference"], default=["ours", "reference"]
    )
    parser.add_argument("--full-pass-rows", type=int, nargs="*", default=[100_000])
    parser.add_argument("--device", default="cpu", help="device of the rows part's fits")
    parser.add_argument("--repeats", type=int, default=15, help="repeats of the speed part")
    parser.add_argument("--memory-child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.memory_child:
        print(json.dumps(_memory_child(args.memory_child)))
        return
    if args.part in ("memory", "all"):
        memory_part()
    if args.part in ("speed", "all"):
        speed_part(repeats=args.repeats)
    if args.part in ("rows", "all"):
        rows_part(args.rows, args.full_pass_rows, args.fits, args.device)


if __name__ == "__main__":
    main()
