import os

import numpy as np
import pytest


def pytest_configure(config):
    """Under pytest-xdist, share the cores between the workers' torch threads.

    Each worker is a process whose torch starts one thread per core: two
    workers on two cores ran four busy threads, and OpenMP's waiting threads
    made a small fit about 10x slower (5 fits of 420 rows: 1.2 s alone, 15 s
    each beside a second process; 1.2 s each with one thread per process).
    """
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    if workers > 1:
        import torch

        torch.set_num_threads(max(1, (os.cpu_count() or 1) // workers))


@pytest.fixture
def rng():
    return np.random.RandomState(0)


@pytest.fixture
def blobs(rng):
    """A small table with low-dimensional structure in columns of mixed scale."""
    latent = rng.normal(size=(120, 2))
    mixing = rng.normal(size=(2, 6))
    X = latent @ mixing + 0.05 * rng.normal(size=(120, 6))
    return X * np.array([1, 10, 100, 0.1, 1, 1000])
