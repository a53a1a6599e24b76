"""Randomness owned by the fit: same seed, same model in threads, processes and in turn."""

import threading

import numpy as np
import pytest
import torch
from joblib import Parallel, delayed
from sklearn.datasets import load_wine
from sklearn.preprocessing import StandardScaler

from sklearn_ae import AEOutlierDetector, AutoencoderTransformer, DenoisingAE, VAEGenerator

X = StandardScaler().fit_transform(load_wine().data).astype(np.float32)

# every source of randomness switched on: initial weights, shuffling, dropout,
# corruption, the contractive penalty's probes, the VAE's sampled codes (on the
# CPU, where results are bit-exact; tests/test_gpu.py covers CUDA)
CPU = dict(max_iter=8, random_state=3, device="cpu")
MODELS = {
    "autoencoder": lambda: AutoencoderTransformer(dropout=0.2, contractive=0.1, **CPU),
    "denoising": lambda: DenoisingAE(noise="mixed", dropout=0.1, **CPU),
    "outliers": lambda: AEOutlierDetector(n_estimators=2, **CPU),
    "vae": lambda: VAEGenerator(dropout=0.1, **CPU),
}


def fitted_output(name):
    model = MODELS[name]().fit(X)
    if name == "outliers":
        return model.score_samples(X)
    return model.transform(X)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_same_seed_same_model_in_four_threads(name):
    expected = fitted_output(name)
    results, errors = [None] * 4, []
    stop = threading.Event()

    def reseed_global_generator():
        # another thread that keeps reseeding torch's global generator: a fit
        # that draws from it would see these seeds in the middle of training
        seed = 0
        while not stop.is_set():
            torch.manual_seed(seed)
            torch.rand(1000)
            seed += 1

    def work(i):
        try:
            results[i] = fitted_output(name)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    noise = threading.Thread(target=reseed_global_generator)
    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    noise.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stop.set()
    noise.join()
    assert not errors, errors
    for result in results:
        np.testing.assert_array_equal(result, expected)


def test_same_seed_same_model_in_processes():
    expected = [fitted_output(name) for name in ("denoising", "vae")]
    got = Parallel(n_jobs=2, backend="loky")(
        delayed(fitted_output)(name) for name in ("denoising", "vae")
    )
    for a, b in zip(expected, got, strict=True):
        np.testing.assert_array_equal(a, b)


def test_fit_leaves_the_global_generator_alone():
    torch.manual_seed(123)
    before = torch.rand(3)
    torch.manual_seed(123)
    MODELS["vae"]().fit(X)
    MODELS["autoencoder"]().fit(X)
    np.testing.assert_array_equal(torch.rand(3), before)


def test_global_seed_does_not_change_a_seeded_fit():
    torch.manual_seed(0)
    a = fitted_output("denoising")
    torch.manual_seed(1)
    b = fitted_output("denoising")
    np.testing.assert_array_equal(a, b)
