"""The shared scaling rule: no column can dominate a loss or a score."""

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.preprocessing import StandardScaler

from sklearn_ae import AEImputer, AEOutlierDetector, AutoencoderTransformer, DenoisingAE
from sklearn_ae._scaling import StableScaler

FAST = dict(hidden_layer_sizes=(16,), max_iter=5, random_state=0, device="cpu")


def test_constant_plus_tiny_noise_is_treated_as_constant(rng):
    X = np.column_stack([rng.normal(size=500), 3.0 + 1e-9 * rng.normal(size=500)])
    scaler = StableScaler().fit(X)
    assert scaler.scale_[1] == 1.0  # numerically constant: unit scale
    assert StandardScaler().fit(X).scale_[1] < 1e-8  # what it replaces
    moved = X[:3].copy()
    moved[:, 1] += 0.01
    out = scaler.transform(moved)
    np.testing.assert_allclose(out[:, 1] - scaler.transform(X[:3])[:, 1], 0.01)


def test_digits_border_pixels_are_not_blown_up():
    X = load_digits().data
    scaled = StableScaler().fit_transform(X)
    standard = StandardScaler().fit_transform(X)
    assert np.abs(standard).max() > 30  # a rare non-zero border pixel
    # a departure is at most 1 / departure_floor typical departures
    assert np.abs(scaled).max() <= 4 / StableScaler().departure_floor
    # pixels with no dominant value keep StandardScaler's scale exactly
    busy = (X == np.median(X, axis=0)).mean(axis=0) < 0.25
    assert busy.sum() > 20
    np.testing.assert_allclose(scaled[:, busy], standard[:, busy])


def test_binary_sparse_column_is_floored_and_continuous_columns_untouched(rng):
    n = 2000
    flag = (rng.uniform(size=n) < 0.01).astype(float)
    X = np.column_stack([rng.normal(5, 2, size=n), rng.exponential(size=n), flag])
    scaler = StableScaler().fit(X)
    np.testing.assert_allclose(scaler.scale_[:2], X[:, :2].std(axis=0))
    assert flag.std() < 0.15
    floor = scaler.departure_floor
    assert scaler.scale_[2] == pytest.approx(floor)  # departures of size 1
    assert scaler.transform(X)[:, 2].max() <= 1 / floor + 1e-9


def test_huge_values_do_not_overflow_and_round_trip(rng):
    X = rng.normal(size=(50, 2))
    X[:, 1] *= 1e300
    scaler = StableScaler().fit(X)
    out = scaler.transform(X)
    assert np.isfinite(out).all()
    np.testing.assert_allclose(scaler.inverse_transform(out), X, rtol=1e-10)


def test_nan_is_ignored_in_fit_and_kept(rng):
    X = rng.normal(size=(100, 3))
    X[::5, 1] = np.nan
    scaler = StableScaler().fit(X)
    np.testing.assert_allclose(scaler.mean_[1], np.nanmean(X[:, 1]))
    out = scaler.transform(X)
    assert np.isnan(out[::5, 1]).all() and not np.isnan(out[1::5]).any()


def test_float32_is_preserved(rng):
    X = rng.normal(size=(20, 3)).astype(np.float32)
    scaler = StableScaler().fit(X)
    assert scaler.transform(X).dtype == np.float32
    assert scaler.inverse_transform(scaler.transform(X)).dtype == np.float32


@pytest.mark.parametrize("Est", [AutoencoderTransformer, DenoisingAE, AEImputer, AEOutlierDetector])
def test_every_autoencoder_uses_the_shared_rule(Est, rng):
    X = rng.normal(size=(60, 4))
    assert isinstance(Est(**FAST).fit(X).scaler_, StableScaler)


def test_a_near_constant_column_cannot_dominate_outlier_scores(rng):
    X = np.column_stack([rng.normal(size=(400, 4)), 3.0 + 1e-9 * rng.normal(size=400)])
    detector = AEOutlierDetector(**{**FAST, "max_iter": 10}).fit(X)
    rows = X[:20].copy()
    moved = rows.copy()
    moved[:, 4] += 1e-3  # invisible next to the other columns' unit spread
    before, after = detector.score_samples(rows), detector.score_samples(moved)
    # with StandardScaler the move is 1e6 standard deviations: scores explode
    np.testing.assert_allclose(after, before, rtol=0.05, atol=0.05)
