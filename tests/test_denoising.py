"""Behaviour of DenoisingAE and AEImputer."""

import pickle

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.experimental import enable_iterative_imputer  # noqa: F401
from sklearn.impute import SimpleImputer
from sklearn.pipeline import make_pipeline

from sklearn_ae import AEImputer, DenoisingAE
from sklearn_ae._net import Corruption

FAST = dict(hidden_layer_sizes=(16,), max_iter=20, random_state=0, device="cpu")


@pytest.fixture
def with_nans(blobs, rng):
    X = blobs.copy()
    X[rng.uniform(size=X.shape) < 0.2] = np.nan
    return X


@pytest.mark.parametrize(
    "noise, level", [("gaussian", 0.3), ("masking", 0.3), ("salt_and_pepper", 0.2)]
)
def test_each_noise_type_trains_and_inference_is_deterministic(blobs, noise, level):
    dae = DenoisingAE(noise=noise, noise_level=level, **FAST).fit(blobs)
    assert dae.loss_curve_[-1] < dae.loss_curve_[0]
    np.testing.assert_array_equal(dae.transform(blobs), dae.transform(blobs))
    np.testing.assert_array_equal(dae.reconstruct(blobs), dae.reconstruct(blobs))
    assert dae.net_.corruption.kind == noise


def test_noise_only_in_training(blobs):
    dae = DenoisingAE(noise="gaussian", noise_level=5.0, **FAST).fit(blobs)
    # the same module without corruption gives exactly transform's output
    module = dae._inference_module()
    x = torch.tensor(dae.scaler_.transform(blobs))
    with torch.no_grad():
        direct = module.encode(x).numpy()
    np.testing.assert_allclose(dae.transform(blobs), direct)


@pytest.mark.parametrize("kind", ["gaussian", "masking", "salt_and_pepper", "mixed"])
def test_corruption_is_seeded_and_fresh_per_batch(kind):
    X = torch.full((50, 4), 0.5)
    low, high = -np.ones(4, np.float32), np.ones(4, np.float32)
    a, b = Corruption(kind, 0.5, 0, low, high), Corruption(kind, 0.5, 0, low, high)
    first_a, first_b = a(X, None), b(X, None)
    torch.testing.assert_close(first_a[0], first_b[0])
    assert not torch.equal(first_a[0], a(X, None)[0])  # fresh noise next batch
    assert torch.equal(X, torch.full((50, 4), 0.5))  # input untouched
    if kind == "masking":
        assert 0.3 < 1 - first_a[1].mean().item() < 0.7


def test_mixed_corruption_gives_each_row_one_kind_at_its_own_strength():
    X = torch.zeros(3000, 40)
    low, high = -np.full(40, 5.0, np.float32), np.full(40, 5.0, np.float32)
    out, mask = Corruption("mixed", 1.0, 0, low, high)(X, None)
    gaussian = ((out != 0) & (out.abs() != 5)).any(1)
    salt = (out.abs() == 5).any(1)
    masked = (mask == 0).any(1)
    assert not (gaussian & salt).any() and not (gaussian & masked).any()
    assert not (salt & masked).any()
    # each kind on about a third of rows (a lightly hit row can show no salt
    # or mask at all among 40 entries, so those two count a little less)
    assert 0.3 < gaussian.float().mean().item() < 0.37
    for kind in (salt, masked):
        assert 0.2 < kind.float().mean().item() < 0.37
    stds = out[gaussian].std(dim=1)  # strengths spread over (0, noise_level)
    assert stds.min() < 0.2 and stds.max() > 0.8
    # most rows lightly: a median strength of 0.5 ** 2.5 = 0.18, not 0.5
    assert 0.13 < stds.median().item() < 0.23


def test_validation_corruption_is_replayed_each_epoch():
    X = torch.zeros(64, 5)
    corruption = Corruption("gaussian", 1.0, 0)
    corruption.start_validation()
    first = corruption(X, None, training=False)[0]
    corruption(X, None, training=True)  # training draws do not disturb it
    corruption.start_validation()
    torch.testing.assert_close(corruption(X, None, training=False)[0], first)


def test_default_dae_denoises_gaussian_and_salt_and_pepper_blind(rng):
    # trained without knowing the test noise (defaults: blind "mixed" noise)
    latent = rng.normal(size=(700, 3))
    clean = np.tanh(latent @ rng.normal(size=(3, 12)))
    train, test = clean[:600], clean[600:]
    dae = DenoisingAE(max_iter=60, random_state=0).fit(train)
    gauss = test + rng.normal(scale=0.3, size=test.shape)
    hit = rng.uniform(size=test.shape) < 0.2
    pepper = np.where(hit, np.where(rng.uniform(size=test.shape) < 0.5, -1.0, 1.0), test)
    for noisy in (gauss, pepper):
        mse_noisy = np.mean((noisy - test) ** 2)
        assert np.mean((dae.reconstruct(noisy) - test) ** 2) < 0.5 * mse_noisy


def test_default_dae_keeps_detail_under_light_noise():
    # digits: under light noise the model must not blur more than the noise
    # costs (a hidden-layer bottleneck alone gave 1.7x the noisy input's MSE)
    from sklearn.datasets import load_digits

    X = load_digits().data / 16
    train, test = X[:1200], X[1200:]
    dae = DenoisingAE(random_state=0).fit(train)
    noisy = test + np.random.RandomState(0).normal(scale=0.1, size=test.shape)
    mse_noisy = np.mean((noisy - test) ** 2)
    assert np.mean((dae.reconstruct(noisy) - test) ** 2) < 0.8 * mse_noisy


def test_dae_network_has_a_linear_path_around_its_hidden_layers(blobs):
    from sklearn_ae import AutoencoderTransformer

    dae = DenoisingAE(**FAST).fit(blobs)
    module = dae.net_.module_
    assert module.encoder_shortcut is not None and module.decoder_shortcut is not None
    # codes still hold everything: decoding them is reconstructing
    np.testing.assert_allclose(
        dae.inverse_transform(dae.transform(blobs)), dae.reconstruct(blobs), atol=1e-6
    )
    plain = AutoencoderTransformer(**FAST).fit(blobs).net_.module_
    assert plain.encoder_shortcut is None


def test_dae_drops_the_learning_rate_on_every_table(blobs):
    dae = DenoisingAE(early_stopping=True, random_state=0)
    dae._early_stopping = True
    assert dae._stopping_budget(len(blobs)) == (400, 20, True)
    dae._early_stopping = False
    assert dae._stopping_budget(len(blobs)) == (200, 10, False)


def test_dae_accepts_nan_in_fit_and_transform(with_nans):
    dae = DenoisingAE(noise="masking", noise_level=0.2, **FAST).fit(with_nans)
    assert np.isfinite(dae.transform(with_nans)).all()
    rec = dae.reconstruct(with_nans)
    assert rec.shape == with_nans.shape and np.isfinite(rec).all()
    assert np.isfinite(dae.score_samples(with_nans)).all()


def test_missing_entries_are_left_out_of_the_loss(blobs, rng):
    # corrupting the values under NaN must not change training at all
    X = blobs.copy()
    holes = rng.uniform(size=X.shape) < 0.2
    X[holes] = np.nan
    a = DenoisingAE(**FAST).fit(X)
    loss = a.net_.criterion_
    out = (torch.zeros(3, 2), None)
    target = torch.tensor([[0.0, 1.0], [0.0, 1.0], [0.0, 1.0]])
    mask = torch.tensor([[1.0, 0.0]] * 3)
    assert loss(out, target, mask).item() == pytest.approx(0.0)
    assert loss(out, target, None).item() > 0


def test_denoising_beats_plain_reconstruction_on_noisy_input(rng):
    latent = rng.normal(size=(600, 2))
    clean = np.tanh(latent @ rng.normal(size=(2, 10)))
    train, test = clean[:500], clean[500:]
    noisy = test + rng.normal(scale=0.3, size=test.shape)
    dae = DenoisingAE(n_components=2, noise_level=0.5, max_iter=150, random_state=0).fit(train)
    mse_noisy = np.mean((noisy - test) ** 2)
    mse_denoised = np.mean((dae.reconstruct(noisy) - test) ** 2)
    assert mse_denoised < 0.5 * mse_noisy


def test_bad_noise_level(blobs):
    with pytest.raises(ValueError, match="noise_level is a probability"):
        DenoisingAE(noise="masking", noise_level=1.0).fit(blobs)
    with pytest.raises(ValueError, match="noise"):
        DenoisingAE(noise="speckle").fit(blobs)


# ------------------------------------------------------------------- imputer
def test_imputer_keeps_observed_values_and_fills_all(with_nans):
    imp = AEImputer(**FAST)
    filled = imp.fit_transform(with_nans)
    observed = ~np.isnan(with_nans)
    np.testing.assert_array_equal(filled[observed], with_nans[observed])
    assert np.isfinite(filled).all()


def test_imputer_beats_mean_on_correlated_table(blobs, rng):
    X = blobs.copy()
    holes = rng.uniform(size=X.shape) < 0.2
    X[holes] = np.nan
    scale = blobs.std(0)
    ae = AEImputer(random_state=0).fit_transform(X)
    mean = SimpleImputer().fit_transform(X)

    def rmse(F):
        return np.sqrt(np.mean((((F - blobs) / scale)[holes]) ** 2))

    assert rmse(ae) < 0.6 * rmse(mean)


def test_imputer_empty_features_and_rows(rng):
    X = rng.normal(size=(40, 4))
    X[:, 1] = np.nan
    X[3] = np.nan
    with pytest.warns(UserWarning, match=r"features \[1\] have no observed values"):
        imp = AEImputer(**FAST).fit(X)
    out = imp.transform(X)
    assert out.shape == (40, 3) and np.isfinite(out).all()
    assert list(imp.get_feature_names_out()) == ["x0", "x2", "x3"]
    with pytest.warns(UserWarning, match="fills them with 0"):
        kept = AEImputer(keep_empty_features=True, **FAST).fit(X)
    out = kept.transform(X)
    assert out.shape == (40, 4)
    np.testing.assert_array_equal(out[:, 1], 0)


def test_imputer_pandas_output_and_pipeline(with_nans):
    df = pd.DataFrame(with_nans, columns=list("abcdef"))
    imp = AEImputer(**FAST).set_output(transform="pandas")
    out = imp.fit_transform(df)
    assert isinstance(out, pd.DataFrame) and list(out.columns) == list("abcdef")
    pipe = make_pipeline(AEImputer(**FAST), DenoisingAE(n_components=2, **FAST))
    assert pipe.fit_transform(with_nans).shape == (120, 2)


def test_imputer_refinement_and_pickle(with_nans):
    imp = AEImputer(max_impute_iter=2, **FAST).fit(with_nans)
    loaded = pickle.loads(pickle.dumps(imp))
    np.testing.assert_allclose(loaded.transform(with_nans), imp.transform(with_nans))


def test_imputer_feature_mismatch(with_nans):
    imp = AEImputer(**FAST).fit(with_nans)
    with pytest.raises(ValueError, match="X has 5 features, but AEImputer"):
        imp.transform(with_nans[:, :5])


def test_a_dae_saved_before_the_shortcut_existed_loads_as_trained(blobs, tmp_path):
    import sklearn_ae
    from sklearn_ae._base import _overriding

    with _overriding((DenoisingAE, "_fits_shortcut", False)):
        old = DenoisingAE(**FAST).fit(blobs)
    del old._shortcut  # what a version without the shortcut recorded
    expected = old.transform(blobs)
    path = tmp_path / "old.safetensors"
    old.save(path)
    loaded = sklearn_ae.load(path)
    assert loaded.net_.module_.encoder_shortcut is None
    np.testing.assert_array_equal(loaded.transform(blobs), expected)
    # a pickled module of that version has no shortcut attributes at all
    module = old.net_.module_
    del module.__dict__["encoder_shortcut"], module.__dict__["decoder_shortcut"]
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(old)).transform(blobs), expected)
