"""Keeping generated rows as far from the training rows as unseen real rows are.

A generator that follows its training rows too closely draws rows that lie
nearer to some training row than a new real row would: the distance to the
closest record (DCR) of its rows is too small. :class:`VAEGenerator` thins
those rows (``privacy_filter=True``) with the functions here:

- every row is embedded so that the L1 distance between two rows is their
  Gower distance: each numeric difference over the column's training range,
  a mismatched category (or missing entry) 1, averaged over the columns;
- each training row's distance to its nearest *other* training row stands
  in for an unseen real row's distance to the training rows (their sorted
  values are the reference distribution);
- a generated row's distance to its nearest training row is placed on that
  distribution (its rank, drawn at random among ties), which cuts it into
  :data:`BANDS` bands that hold equally many unseen rows;
- after fit, a pilot draw measures the share of generated rows in each band
  of the closer half; where a band holds more than its share of unseen rows,
  :meth:`VAEGenerator.sample` keeps each of its rows only with the
  probability that brings it down to that share (rejection sampling). Bands
  of the farther half are left as they are: no row is ever dropped for
  being far away. Where that would keep fewer than a tenth of the rows
  drawn (nearly all of them nearer than the median unseen row), the rows
  are thinned only as far as keeping that tenth allows.
- on a table of fewer than :data:`SMALL_TABLE_ROWS` training rows, which
  the model learns most closely, a row is held to its own neighbourhood
  instead: its distance to its nearest training row is divided by that
  training row's distance to *its* nearest other training row (a row that
  copies a training row has a small ratio, a row in a dense region does
  not), the reference is the same ratio for the training rows themselves
  (a row, its nearest other row, and that row's nearest other row but the
  first), and the :data:`SMALL_TABLE_CUT` closest bands are dropped whole
  before the rest of the closer half is capped among the rows left.

With the generator's distribution equal to the data's, every band holds its
share and nothing is dropped. The fitted model keeps the reference rows (up
to :data:`MAX_ROWS` training rows, embedded) to measure distances in
``sample``: a model that must not carry training rows is fitted with
``privacy_filter=False``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.neighbors import NearestNeighbors

#: Equal-probability bands of the unseen rows' distances (chosen on the
#: tuning halves cut to 170 rows: ``benchmarks/tune_generation.py``).
BANDS = 10

#: Training rows the filter measures distances to (a random subset beyond).
MAX_ROWS = 5000

#: Rows drawn after fit to measure each band's share (at least 2 per reference row).
PILOT_DRAWS = 5000

#: Rows ``sample`` draws at once at most while it waits for rows to be kept.
MAX_DRAWS = 100_000

#: The least share of drawn rows the filter keeps (so at most 10 draws a row).
MIN_KEPT = 0.1

#: Below this many training rows the filter measures each row against its
#: nearest training row's own spacing and drops the :data:`SMALL_TABLE_CUT`
#: closest bands whole (chosen on both tuning halves cut to 170 rows:
#: ``benchmarks/tune_generation.py local_cut2``; on tables of 200 rows and
#: more, where it cost TSTR, the global rule stays; 0: the global rule on
#: every table, the rule before).
SMALL_TABLE_ROWS = 200

#: Bands dropped whole on such a table.
SMALL_TABLE_CUT = 2

#: Added to both sides of a ratio of distances (exact duplicates: ratio 1).
_TINY = 1e-9


def embed(codec, frame: pd.DataFrame, offset: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """Rows whose L1 distances are Gower distances (see the module docstring)."""
    parts = []
    if codec.n_numeric_:
        parts.append(np.nan_to_num((codec._numeric_values(frame) - offset) / scale))
    parts.append(0.5 * codec.one_hot(frame, spikes=False))  # a mismatch: 0.5 + 0.5
    return np.hstack(parts) / len(codec.columns_)


def numeric_range(codec, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Offset and scale of the numeric columns: their training minimum and range."""
    if not codec.n_numeric_:
        return np.zeros(0), np.ones(0)
    values = codec._numeric_values(frame)
    low = np.nanmin(values, axis=0)
    return low, np.maximum(np.nanmax(values, axis=0) - low, 1e-12)


def nearest(rows: np.ndarray, queries: np.ndarray, k: int = 1) -> np.ndarray:
    """L1 distance from each query to its k-th nearest of ``rows``."""
    index = NearestNeighbors(n_neighbors=k, metric="manhattan").fit(rows)
    return index.kneighbors(queries, k)[0][:, k - 1]


def reference_distances(rows: np.ndarray) -> np.ndarray:
    """Each row's distance to its nearest other row, sorted."""
    return np.sort(nearest(rows, rows, k=2))


def local_reference(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row's spacing (distance to its nearest other row), and the ratios to hold rows to.

    For a row a, its nearest other row b: the distance from a to b over b's
    distance to its nearest other row but a, as an unseen row's distance to
    its nearest training row over that row's spacing; sorted.
    """
    index = NearestNeighbors(n_neighbors=3, metric="manhattan").fit(rows)
    d, i = index.kneighbors(rows)
    n = len(rows)
    # among exact duplicates the row itself may not come first
    first = i[:, 0] == np.arange(n)
    spacing = np.where(first, d[:, 1], d[:, 0])
    b = np.where(first, i[:, 1], i[:, 0])
    a_near_b = (i[b, :2] == np.arange(n)[:, None]).any(axis=1)
    b_spacing = np.where(a_near_b, d[b, 2], d[b, 1])
    return spacing, np.sort((spacing + _TINY) / (b_spacing + _TINY))


def local_ratio(rows: np.ndarray, spacing: np.ndarray, queries: np.ndarray) -> np.ndarray:
    """Each query's distance to its nearest row over that row's spacing."""
    index = NearestNeighbors(n_neighbors=1, metric="manhattan").fit(rows)
    d, i = index.kneighbors(queries, 1)
    return (d[:, 0] + _TINY) / (spacing[i[:, 0]] + _TINY)


def bands(reference: np.ndarray, distances: np.ndarray, rng) -> np.ndarray:
    """Band of each distance among the reference's (ties placed at random)."""
    low = np.searchsorted(reference, distances, side="left")
    high = np.searchsorted(reference, distances, side="right")
    rank = (low + rng.uniform(size=len(distances)) * (high - low)) / len(reference)
    return np.minimum((rank * BANDS).astype(int), BANDS - 1)


def _thinned(share: np.ndarray, cap: float) -> tuple[np.ndarray, float]:
    """Keep probabilities that cap each band of the closer half at ``cap``."""
    keep = np.minimum(1.0, cap / np.maximum(share, 1e-12))
    keep[BANDS // 2 :] = 1.0
    return keep, float(np.sum(share * keep))


def _capped(share: np.ndarray, cap: float) -> tuple[np.ndarray, float]:
    """Keep probabilities that cap each band of the closer half at a tenth of the rows kept.

    Solved as a fixed point from ``cap``, since dropping rows raises the
    share of the rows left in every band.
    """
    for _ in range(50):
        keep, kept = _thinned(share, cap)
        cap = kept / BANDS
    return keep, kept


def keep_probabilities(band: np.ndarray, cut: int = 0) -> tuple[np.ndarray, float]:
    """Per-band keep probability, and the share of rows kept, from a pilot's bands.

    Of the rows kept, no band of the closer half holds more than ``1 / BANDS``.
    With ``cut``, the ``cut`` closest bands are dropped whole and the others
    capped among the rows left. Where that would keep fewer than
    :data:`MIN_KEPT` of the rows drawn, the bands are capped alone; where the
    cap alone would (nearly all rows closer than the median unseen row), the
    cap is raised until that share is kept.
    """
    share = np.bincount(band, minlength=BANDS) / len(band)
    if cut:
        rest = share.copy()
        rest[:cut] = 0.0
        keep, kept = _capped(rest, rest.sum() / BANDS)
        if kept >= MIN_KEPT:
            keep[:cut] = 0.0
            return keep, kept
    keep, kept = _capped(share, 1.0 / BANDS)
    if kept < MIN_KEPT:
        low, high = 0.0, 1.0
        for _ in range(60):  # kept rises with the cap
            middle = (low + high) / 2
            low, high = (middle, high) if _thinned(share, middle)[1] < MIN_KEPT else (low, middle)
        keep, kept = _thinned(share, high)
    return keep, kept
