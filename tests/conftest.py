import numpy as np
import pytest


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
