"""Fast batching: one float32 tensor, sliced by a seeded permutation.

skorch's default per-row ``Dataset`` plus ``collate`` costs about 2x a plain
torch loop on tables; slicing whole tensors removes that overhead (skorch's
own performance guide recommends passing tensors directly).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator

import numpy as np
import torch
from torch.utils.data import Dataset


class TensorTable(Dataset):
    """Rows of a table held as tensors on one device.

    Parameters
    ----------
    X : torch.Tensor of shape (n_samples, n_features)
        Values, with missing entries already replaced by zeros.
    mask : torch.Tensor or None
        1 where ``X`` was observed, 0 where it was missing; None when
        everything was observed.
    y : torch.Tensor or None
        Optional per-row labels (conditional models).
    """

    def __init__(
        self,
        X: torch.Tensor,
        mask: torch.Tensor | None = None,
        y: torch.Tensor | None = None,
    ) -> None:
        self.X = X
        self.mask = mask
        self.y = y

    def __len__(self) -> int:
        return self.X.shape[0]

    def __getitem__(self, idx):
        return tuple(None if t is None else t[idx] for t in (self.X, self.mask, self.y))

    def subset(self, idx: torch.Tensor) -> TensorTable:
        """A new table holding the rows ``idx``."""
        return TensorTable(*self[idx])


class BatchIterator:
    """Yield ``(X, mask, y)`` batches by slicing, in a seeded random order.

    The last partial batch is kept, so fewer rows than ``batch_size`` still
    train. A new permutation is drawn at every pass from ``generator`` (the
    training call's, see :meth:`AutoencoderNet.fit_loop`), or else from a
    generator on the data's device seeded once per iterator from ``seed``.
    """

    def __init__(
        self,
        dataset: TensorTable,
        batch_size: int = 128,
        shuffle: bool = False,
        seed: int = 0,
        generator: torch.Generator | None = None,
    ) -> None:
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.seed = seed
        self.generator = generator

    def __len__(self) -> int:
        return math.ceil(len(self.dataset) / self.batch_size)

    def __iter__(self) -> Iterator[tuple]:
        n = len(self.dataset)
        if self.shuffle:
            if self.generator is None:
                device = self.dataset.X.device
                self.generator = torch.Generator(device=device).manual_seed(self.seed)
            order = torch.randperm(n, generator=self.generator, device=self.generator.device)
            for start in range(0, n, self.batch_size):
                yield self.dataset[order[start : start + self.batch_size]]
        else:
            for start in range(0, n, self.batch_size):
                yield self.dataset[start : start + self.batch_size]


class HoldoutSplit:
    """skorch ``train_split`` holding out a seeded random fraction of rows."""

    def __init__(self, fraction: float, seed: int) -> None:
        self.fraction = fraction
        self.seed = seed

    def __call__(self, dataset: TensorTable, y=None, **fit_params):
        n = len(dataset)
        n_valid = min(max(1, round(self.fraction * n)), n - 1)
        order = torch.randperm(n, generator=torch.Generator().manual_seed(self.seed))
        order = order.to(dataset.X.device)
        return dataset.subset(order[n_valid:]), dataset.subset(order[:n_valid])


def to_table(
    X: np.ndarray,
    device: torch.device | str,
    y: np.ndarray | None = None,
    dtype: torch.dtype = torch.float32,
) -> TensorTable:
    """Tensors on ``device`` (float32 by default); NaNs become zeros plus a mask."""
    X = np.asarray(X)
    missing = np.isnan(X)
    mask = None
    if missing.any():
        mask = torch.as_tensor(~missing, dtype=dtype, device=device)
        X = np.where(missing, 0, X)
    Xt = torch.tensor(X, dtype=dtype, device=device)
    yt = None if y is None else torch.as_tensor(y, device=device)
    return TensorTable(Xt, mask, yt)


def batched_apply(
    fn: Callable[..., torch.Tensor | tuple],
    table: TensorTable,
    batch_size: int,
) -> np.ndarray | tuple[np.ndarray, ...]:
    """Apply ``fn(X, mask, y)`` batch by batch without gradients.

    Returns NumPy array(s) on the CPU, concatenated over batches.
    """
    outs = []
    with torch.no_grad():
        for batch in BatchIterator(table, batch_size=batch_size):
            out = fn(*batch)
            outs.append(out if isinstance(out, tuple) else (out,))
    if not outs:
        raise ValueError("No rows to process.")
    merged = tuple(torch.cat(parts).cpu().numpy() for parts in zip(*outs, strict=True))
    return merged if len(merged) > 1 else merged[0]
