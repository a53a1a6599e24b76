"""Data larger than the memory a process may use: inference and fitting from a memmap."""

import subprocess
import sys
import textwrap

import numpy as np
import pytest

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="RLIMIT_DATA semantics are Linux's"
)

# 3,000,000 x 100 float32: 1.2 GB on disk
N_ROWS, N_FEATURES = 3_000_000, 100
HEADROOM = 256 * 2**20  # what the process may allocate beyond its state before the data

CHILD = textwrap.dedent(
    """
    import resource, sys, warnings
    import numpy as np
    warnings.simplefilter("ignore")
    from sklearn_ae import AEOutlierDetector, AutoencoderTransformer

    path, n, d, headroom, mode = sys.argv[1], *map(int, sys.argv[2:5]), sys.argv[5]
    X = np.lib.format.open_memmap(path, mode="r")
    sample = np.asarray(X[:2000])
    ae = AutoencoderTransformer(n_components=4, max_iter=2, random_state=0).fit(sample)
    detector = AEOutlierDetector(max_iter=2, random_state=0).fit(sample)
    expected = ae.transform(X[-5:]), detector.score_samples(X[-5:])

    def data_bytes():
        for line in open("/proc/self/status"):
            if line.startswith("VmData:"):
                return int(line.split()[1]) * 1024

    limit = data_bytes() + headroom
    assert limit < X.nbytes + data_bytes(), "the data must not fit under the limit"
    resource.setrlimit(resource.RLIMIT_DATA, (limit, resource.RLIM_INFINITY))
    if mode == "copy":  # the control: a full copy of X does not fit
        np.array(X)
        print("copied")
        sys.exit(0)
    codes = ae.transform(X)
    scores = detector.score_samples(X)
    assert codes.shape == (n, 4) and scores.shape == (n,)
    np.testing.assert_allclose(codes[-5:], expected[0], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(scores[-5:], expected[1], rtol=1e-5, atol=1e-5)
    # fitting streams batches from the memmap too
    big = AutoencoderTransformer(
        n_components=4, max_iter=1, batch_size=4096, early_stopping=False, random_state=0
    ).fit(X)
    assert big.n_iter_ == 1 and np.isfinite(big.loss_curve_[0])
    print("ok")
    """
)


@pytest.fixture(scope="module")
def big_memmap(tmp_path_factory):
    path = tmp_path_factory.mktemp("memmap") / "X.npy"
    X = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(N_ROWS, N_FEATURES))
    rng = np.random.default_rng(0)
    mixing = rng.normal(size=(4, N_FEATURES)).astype(np.float32)
    for start in range(0, N_ROWS, 250_000):
        stop = min(N_ROWS, start + 250_000)
        latent = rng.standard_normal((stop - start, 4), dtype=np.float32)
        X[start:stop] = latent @ mixing + 0.1 * rng.standard_normal(
            (stop - start, N_FEATURES), dtype=np.float32
        )
    X.flush()
    del X
    return path


def run_child(path, mode):
    args = [str(path), str(N_ROWS), str(N_FEATURES), str(HEADROOM), mode]
    return subprocess.run(
        [sys.executable, "-c", CHILD, *args], capture_output=True, text=True, timeout=600
    )


@pytest.mark.slow
def test_inference_and_fit_from_a_memmap_larger_than_the_memory_limit(big_memmap):
    result = run_child(big_memmap, "stream")
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().endswith("ok")


@pytest.mark.slow
def test_the_limit_is_real_a_full_copy_fails(big_memmap):
    result = run_child(big_memmap, "copy")
    assert result.returncode != 0
    assert "MemoryError" in result.stderr or "Unable to allocate" in result.stderr
