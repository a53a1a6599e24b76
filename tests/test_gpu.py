"""CUDA behaviour; skipped cleanly where no GPU is available."""

import pickle
import subprocess
import sys

import numpy as np
import pytest
import torch

from sklearn_ae import AutoencoderTransformer

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device"),
]


def test_fit_on_cuda_outputs_numpy(blobs):
    ae = AutoencoderTransformer(max_iter=5, random_state=0, device="cuda").fit(blobs)
    assert ae.device_.startswith("cuda")
    Z = ae.transform(blobs)
    assert isinstance(Z, np.ndarray) and Z.shape == (120, 2)


def test_auto_device_picks_cuda(blobs):
    ae = AutoencoderTransformer(max_iter=2, random_state=0).fit(blobs)
    assert ae.device_.startswith("cuda")


def test_cuda_pickle_loads_on_cpu_only_machine(blobs, tmp_path):
    ae = AutoencoderTransformer(max_iter=5, random_state=0, device="cuda").fit(blobs)
    path = tmp_path / "ae.pkl"
    path.write_bytes(pickle.dumps(ae))
    np.save(tmp_path / "X.npy", blobs)
    np.save(tmp_path / "Z.npy", ae.transform(blobs))
    code = f"""
import pickle, warnings, numpy as np
warnings.simplefilter("ignore")
ae = pickle.loads(open({str(path)!r}, "rb").read())
assert ae.device_ == "cpu", ae.device_
Z = ae.transform(np.load({str(tmp_path / "X.npy")!r}))
np.testing.assert_allclose(Z, np.load({str(tmp_path / "Z.npy")!r}), rtol=1e-4, atol=1e-4)
print("ok")
"""
    env = {"CUDA_VISIBLE_DEVICES": ""}
    import os

    result = subprocess.run(
        [sys.executable, "-c", code], env={**os.environ, **env}, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert "ok" in result.stdout


@pytest.mark.parametrize("name", ["DenoisingAE", "AEImputer", "AEOutlierDetector", "VAEGenerator"])
def test_every_estimator_fits_and_infers_on_cuda(blobs, name):
    import sklearn_ae

    estimator = getattr(sklearn_ae, name)(max_iter=3, random_state=0, device="cuda").fit(blobs)
    assert estimator.device_.startswith("cuda")
    if hasattr(estimator, "score_samples"):
        scores = estimator.score_samples(blobs)
        assert isinstance(scores, np.ndarray) and np.isfinite(scores).all()
        np.testing.assert_allclose(scores, estimator.score_samples(blobs), rtol=1e-5)
    if hasattr(estimator, "sample"):
        assert estimator.sample(5, random_state=0).shape == (5, blobs.shape[1])
    if name == "AEImputer":
        holes = blobs.copy()
        holes[::3, 1] = np.nan
        assert not np.isnan(estimator.transform(holes)).any()


def test_safe_format_from_cuda_loads_on_cpu_only_machine(blobs, tmp_path):
    ae = AutoencoderTransformer(max_iter=5, random_state=0, device="cuda").fit(blobs)
    path = tmp_path / "ae.safetensors"
    ae.save(path)
    np.save(tmp_path / "X.npy", blobs)
    np.save(tmp_path / "Z.npy", ae.transform(blobs))
    code = f"""
import numpy as np, sklearn_ae
ae = sklearn_ae.load({str(path)!r})
assert ae.device_ == "cpu", ae.device_
Z = ae.transform(np.load({str(tmp_path / "X.npy")!r}))
np.testing.assert_allclose(Z, np.load({str(tmp_path / "Z.npy")!r}), rtol=1e-4, atol=1e-4)
print("ok")
"""
    import os

    env = {**os.environ, "CUDA_VISIBLE_DEVICES": ""}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "ok" in result.stdout


def test_user_module_trains_on_cuda(blobs):
    from ._instances import TinyModule

    ae = AutoencoderTransformer(module=TinyModule(), max_iter=3, random_state=0, device="cuda")
    ae.fit(blobs)
    assert next(ae.net_.module_.parameters()).is_cuda
    assert ae.transform(blobs).shape == (120, 2)


def test_partial_fit_on_cuda_continues_with_fresh_shuffles(blobs):
    from sklearn_ae import DenoisingAE

    dae = DenoisingAE(dropout=0.1, random_state=0, device="cuda")
    for chunk in np.array_split(blobs, 3):
        dae.partial_fit(chunk)
    assert dae.n_iter_ == 3
    assert dae.transform(blobs).shape == (len(blobs), dae.n_components_)


def test_same_seed_same_model_on_cuda_in_threads(blobs):
    import threading

    from sklearn_ae import DenoisingAE

    def fitted():
        model = DenoisingAE(noise="mixed", dropout=0.1, max_iter=5, random_state=3, device="cuda")
        return model.fit(blobs).transform(blobs)

    expected = fitted()
    results = [None] * 4

    def work(i):
        results[i] = fitted()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for result in results:
        # the draws are the same; float32 kernels on the GPU may differ in the last bits
        np.testing.assert_allclose(result, expected, rtol=1e-5, atol=1e-6)


def test_training_rows_are_resident_on_cuda_and_inference_streams(blobs):
    from sklearn_ae._base import resolve_device

    ae = AutoencoderTransformer(max_iter=2, random_state=0, device="cuda")
    table = ae.fit(blobs)._training_table(blobs, None, resolve_device("cuda"))
    assert table.X.is_cuda  # copied to the device once, batches need no transfer
    memmap_like = np.asarray(blobs, dtype=np.float32)
    np.testing.assert_allclose(ae.transform(memmap_like), ae.transform(blobs), rtol=1e-5, atol=1e-5)
