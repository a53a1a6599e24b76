"""Fast batching without a copy of the data: tables sliced by a seeded permutation.

skorch's default per-row ``Dataset`` plus ``collate`` costs about 2x a plain
torch loop on tables; slicing whole batches removes that overhead (skorch's
own performance guide recommends passing tensors directly).
:class:`ArrayTable` reads its batches from the caller's array (a NumPy array
or a :class:`numpy.memmap`) and scales each on its way to the device, so a
fit or a prediction never holds a second copy of the data;
:meth:`ArrayTable.resident` copies it onto an accelerator once, chunk by
chunk, where it fits.
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

    @property
    def device(self) -> torch.device:
        return self.X.device

    def __getitem__(self, idx):
        return tuple(None if t is None else t[idx] for t in (self.X, self.mask, self.y))

    def subset(self, idx: torch.Tensor) -> TensorTable:
        """A new table holding the rows ``idx``."""
        return TensorTable(*self[idx])


class Affine:
    """The scaling ``x -> (x - offset) / scale`` of tensors, in their dtype on their device.

    One subtraction and one (correctly rounded) division, as the scalers'
    own ``transform`` computes in NumPy.
    """

    def __init__(self, offset: np.ndarray, scale: np.ndarray) -> None:
        self.offset = np.asarray(offset, dtype=np.float64)
        self.scale = np.asarray(scale, dtype=np.float64)
        self._cast: dict = {}

    def apply_torch(self, rows: torch.Tensor, out: torch.Tensor | None = None) -> torch.Tensor:
        """Scale a tensor of rows (in its dtype, on its device), into ``out`` if given."""
        key = (rows.dtype, rows.device)
        if key not in self._cast:
            self._cast[key] = tuple(
                torch.as_tensor(a, dtype=rows.dtype, device=rows.device)
                for a in (self.offset, self.scale)
            )
        offset, scale = self._cast[key]
        out = torch.sub(rows, offset, out=out)
        return out.div_(scale)


class ArrayTable(Dataset):
    """Rows of an array left where it is, scaled batch by batch onto a device.

    Parameters
    ----------
    X : ndarray or numpy.memmap of shape (n_samples, n_features)
        The data, never copied whole: each batch gathers its rows.
    device : torch.device or str
        Where batches go.
    transform : Affine or callable, default=None
        The estimator's scaling, applied per batch: an :class:`Affine` is
        computed in torch (into the reused buffer, if any); a callable maps
        NumPy rows to rows. NaN stays NaN and becomes a mask.
    dtype : torch.dtype, default=torch.float32
        dtype of the batches.
    rows : ndarray of int, default=None
        The rows of X this table holds (a subset after a train/validation
        split); None for all.
    y : ndarray of shape (n_samples,), default=None
        Per-row labels (conditional models).
    allow_nan : bool, default=True
        Whether X may hold NaN (turned into zeros plus a mask); False skips
        the search for it (X was validated finite).
    reuse_buffer : bool, default=False
        Write every batch into one buffer (inference, where each batch is
        consumed before the next is read); training batches get their own.
    """

    def __init__(
        self,
        X,
        device,
        transform=None,
        dtype=torch.float32,
        rows=None,
        y=None,
        *,
        allow_nan=True,
        reuse_buffer=False,
    ) -> None:
        self.X = X
        self._device = torch.device(device)
        self.transform = transform
        self.dtype = dtype
        self.rows = rows
        self.y = y
        self.allow_nan = allow_nan
        self.reuse_buffer = reuse_buffer
        self._buffer = None

    def __len__(self) -> int:
        return self.X.shape[0] if self.rows is None else len(self.rows)

    @property
    def device(self) -> torch.device:
        return self._device

    def _positions(self, idx):
        if isinstance(idx, torch.Tensor):
            idx = idx.cpu().numpy()
        if isinstance(idx, slice):
            return idx if self.rows is None else self.rows[idx]
        idx = np.sort(np.asarray(idx))  # in file order (memmaps); order within a batch is free
        return idx if self.rows is None else self.rows[idx]

    def _out(self, like: torch.Tensor) -> torch.Tensor | None:
        """The buffer a reused batch is written into (None: a new tensor)."""
        if not self.reuse_buffer:
            return None
        buffer = self._buffer
        if buffer is None or buffer.shape[0] < like.shape[0] or buffer.dtype != like.dtype:
            buffer = self._buffer = torch.empty_like(like)
        return buffer[: like.shape[0]]

    def __getitem__(self, idx):
        positions = self._positions(idx)
        rows = self.X[positions]
        if isinstance(self.transform, Affine):
            if not rows.flags.writeable:
                rows = rows.copy()  # a read-only memmap: torch wants writeable memory
            # scaled in the data's own precision (float64 keeps values near its
            # limits finite), then cast to the network's
            x = torch.from_numpy(rows).to(self._device)
            x = self.transform.apply_torch(x, self._out(x)).to(self.dtype)
        else:
            if self.transform is not None:
                rows = self.transform(rows)
            # a copy: the module never gets the caller's own memory
            x = torch.tensor(np.asarray(rows), dtype=self.dtype, device=self._device)
        mask = None
        if self.allow_nan:
            missing = torch.isnan(x)
            if missing.any():
                x = x.masked_fill(missing, 0)
                mask = (~missing).to(self.dtype)
        y = None if self.y is None else torch.as_tensor(self.y[positions], device=self._device)
        return x, mask, y

    def subset(self, idx: torch.Tensor) -> ArrayTable:
        """A table of the rows ``idx`` (positions in this table), sharing X."""
        idx = idx.cpu().numpy() if isinstance(idx, torch.Tensor) else np.asarray(idx)
        rows = np.sort(idx if self.rows is None else self.rows[idx])
        return ArrayTable(
            self.X, self._device, self.transform, self.dtype, rows, self.y, allow_nan=self.allow_nan
        )

    def resident(self, chunk_rows: int = 65536) -> TensorTable:
        """The table as tensors on its device, filled chunk by chunk (no host copy)."""
        n, d = len(self), self.X.shape[1]
        X = torch.empty((n, d), dtype=self.dtype, device=self._device)
        mask = y = None
        for start in range(0, n, chunk_rows):
            x, m, labels = self[slice(start, min(n, start + chunk_rows))]
            X[start : start + len(x)] = x
            if m is not None and mask is None:
                mask = torch.ones((n, d), dtype=self.dtype, device=self._device)
            if m is not None:
                mask[start : start + len(x)] = m
            if labels is not None:
                y = labels if y is None else torch.cat([y, labels])
        return TensorTable(X, mask, y)


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
        max_rows: int | None = None,
    ) -> None:
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.seed = seed
        self.generator = generator
        self.max_rows = max_rows
        #: ``(index, count)``: yield only every count-th batch from index on
        #: (one process's share under distributed training); None for all
        self.shard = None
        self._order = None
        self._cursor = 0

    def _rows_per_pass(self) -> int:
        n = len(self.dataset)
        return n if self.max_rows is None else min(n, self.max_rows)

    def __len__(self) -> int:
        n_batches = math.ceil(self._rows_per_pass() / self.batch_size)
        if self.shard is not None:
            n_batches //= self.shard[1]
        return n_batches

    def _next_rows(self, count: int) -> torch.Tensor | slice:
        """The next ``count`` positions of the running order (a new one when it runs out)."""
        n = len(self.dataset)
        if not self.shuffle and count == n:
            return slice(0, n)
        parts, needed = [], count
        while needed:
            if self._order is None or self._cursor == n:
                if self.shuffle:
                    if self.generator is None:
                        device = self.dataset.device
                        self.generator = torch.Generator(device=device).manual_seed(self.seed)
                    gen = self.generator
                    self._order = torch.randperm(n, generator=gen, device=gen.device)
                else:
                    self._order = torch.arange(n)
                self._cursor = 0
            take = min(needed, n - self._cursor)
            parts.append(self._order[self._cursor : self._cursor + take])
            self._cursor += take
            needed -= take
        return parts[0] if len(parts) == 1 else torch.cat(parts)

    def __iter__(self) -> Iterator[tuple]:
        rows = self._next_rows(self._rows_per_pass())
        starts = range(0, self._rows_per_pass(), self.batch_size)
        if self.shard is not None:  # every process the same number of steps
            index, count = self.shard
            starts = starts[index : (len(starts) // count) * count : count]
        for start in starts:
            if isinstance(rows, slice):
                yield self.dataset[start : start + self.batch_size]
            else:
                yield self.dataset[rows[start : start + self.batch_size]]


class HoldoutSplit:
    """skorch ``train_split`` holding out a seeded random share of rows, at most ``max_rows``."""

    def __init__(self, fraction: float, seed: int, max_rows: int | None = None) -> None:
        self.fraction = fraction
        self.seed = seed
        self.max_rows = max_rows

    def indices(self, n: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Training and held-out row indices of a table of ``n`` rows."""
        n_valid = min(max(1, round(self.fraction * n)), n - 1)
        if self.max_rows is not None:
            n_valid = min(n_valid, max(1, self.max_rows))
        order = torch.randperm(n, generator=torch.Generator().manual_seed(self.seed))
        return order[n_valid:], order[:n_valid]

    def __call__(self, dataset: TensorTable, y=None, **fit_params):
        train, valid = (rows.to(dataset.device) for rows in self.indices(len(dataset)))
        return dataset.subset(train), dataset.subset(valid)


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
    table: TensorTable | ArrayTable,
    batch_size: int,
    post: Callable | None = None,
) -> np.ndarray | tuple[np.ndarray, ...]:
    """Apply ``fn(X, mask, y)`` batch by batch without gradients.

    ``post`` maps each batch's NumPy output(s) to what is kept (a per-row
    reduction keeps the memory to the result's size). Returns NumPy array(s)
    on the CPU, written batch by batch into arrays of the full length.
    """
    n = len(table)
    if n == 0:
        raise ValueError("No rows to process.")
    merged = None
    start = 0
    with torch.no_grad():
        for batch in BatchIterator(table, batch_size=batch_size):
            out = fn(*batch)
            out = tuple(o.cpu().numpy() for o in (out if isinstance(out, tuple) else (out,)))
            if post is not None:
                out = post(*out)
                out = out if isinstance(out, tuple) else (out,)
            if merged is None:
                merged = tuple(np.empty((n, *o.shape[1:]), dtype=o.dtype) for o in out)
            stop = start + len(out[0])
            for whole, part in zip(merged, out, strict=True):
                whole[start:stop] = part
            start = stop
    return merged if len(merged) > 1 else merged[0]
