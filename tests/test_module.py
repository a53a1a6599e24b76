"""Bring your own network: the ``module``, ``callbacks`` and ``optimizer_params`` parameters."""

import pickle

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV
from sklearn.utils._param_validation import InvalidParameterError
from skorch.callbacks import Callback, Checkpoint, GradientNormClipping, LRScheduler
from torch import nn

import sklearn_ae
from sklearn_ae import AEOutlierDetector, AutoencoderTransformer, DenoisingAE, load
from sklearn_ae.modules import ConvAutoencoder

from ._instances import MODULE_ESTIMATORS, TinyModule

FAST = dict(max_iter=3, random_state=0, device="cpu")


class PlainMLP(nn.Module):
    """A user's module with no scikit-learn parameters, for 64 features."""

    def __init__(self, n_features=64, n_components=5):
        super().__init__()
        self.enc = nn.Sequential(nn.Linear(n_features, 32), nn.ReLU(), nn.Linear(32, n_components))
        self.dec = nn.Sequential(nn.Linear(n_components, 32), nn.ReLU(), nn.Linear(32, n_features))

    def encode(self, x):
        return self.enc(x)

    def decode(self, z):
        return self.dec(z)


class MaskReader(PlainMLP):
    """Records the masks it is given."""

    seen = []

    def encode(self, x, mask=None):
        MaskReader.seen.append(None if mask is None else mask.detach().clone())
        assert not torch.isnan(x).any()
        return self.enc(x)


@pytest.fixture(scope="module")
def digits():
    return load_digits().data[:300]


def outputs(estimator, X):
    if hasattr(estimator, "transform"):
        return estimator.transform(X)
    return estimator.score_samples(X)


@pytest.mark.parametrize("name", MODULE_ESTIMATORS)
@pytest.mark.parametrize("make", [PlainMLP, lambda: ConvAutoencoder((1, 8, 8), n_components=6)])
def test_fit_infer_clone_pickle_with_a_user_module(name, make, digits):
    module = make()
    before = {k: v.clone() for k, v in module.state_dict().items()}
    est = getattr(sklearn_ae, name)(module=module, **FAST).fit(digits)
    k = 5 if isinstance(module, PlainMLP) else 6
    assert est.n_components_ == k
    out = outputs(est, digits)
    if name in ("AutoencoderTransformer", "DenoisingAE"):
        assert out.shape == (300, k)
        assert est.inverse_transform(out).shape == digits.shape
    # the instance passed is a specification: never trained
    for key, value in module.state_dict().items():
        assert torch.equal(value, before[key]), key
    assert est.net_.module_.inner is not module if name != "AEOutlierDetector" else True
    # reproducible, clonable, picklable
    again = getattr(sklearn_ae, name)(module=module, **FAST).fit(digits)
    np.testing.assert_array_equal(outputs(again, digits), out)
    twin = clone(est).fit(digits)
    np.testing.assert_array_equal(outputs(twin, digits), out)
    assert twin.module is not est.module
    restored = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(outputs(restored, digits), out)


def test_outlier_members_are_independent_copies(digits):
    od = AEOutlierDetector(module=PlainMLP(), n_estimators=3, **FAST).fit(digits)
    members = od.net_.module_.members
    assert len(members) == 3
    w = [m.inner.enc[0].weight for m in members]
    assert not torch.equal(w[0], w[1]) and not torch.equal(w[1], w[2])
    assert od.explain(digits[:5]).shape == (5, 64)
    assert set(od.predict(digits)) <= {-1, 1}


def test_gridsearch_over_module_arguments_in_parallel(digits):
    search = GridSearchCV(
        AutoencoderTransformer(module=ConvAutoencoder(), max_iter=2, random_state=0),
        {"module__n_components": [4, 8], "module__channels": [(8,), (8, 16)]},
        cv=2,
        n_jobs=2,
    ).fit(digits)
    assert search.best_params_["module__n_components"] in (4, 8)
    best = search.best_estimator_
    assert best.n_components_ == best.module.n_components
    assert set(search.cv_results_["param_module__channels"]) == {(8,), (8, 16)}


def test_gridsearch_over_user_module_instances_in_parallel(digits):
    search = GridSearchCV(
        AutoencoderTransformer(module=PlainMLP(), max_iter=2, random_state=0),
        {"module": [PlainMLP(n_components=3), PlainMLP(n_components=6)]},
        cv=2,
        n_jobs=2,
    ).fit(digits)
    assert search.best_estimator_.n_components_ in (3, 6)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()


def test_width_follows_the_data_when_n_features_is_none(rng):
    X = rng.normal(size=(40, 7))
    ae = AutoencoderTransformer(module=TinyModule(n_components=3), **FAST).fit(X)
    assert ae.net_.module_.inner.n_features == 7 and ae.module.n_features is None
    assert ae.transform(X).shape == (40, 3)


@pytest.mark.parametrize(
    "module, message",
    [
        (nn.Linear(64, 2), "has no encode or decode method"),
        (ConvAutoencoder((1, 7, 7)), r"encode failed on a batch of shape \(2, 64\).*49 values"),
        (PlainMLP(n_features=63), r"encode failed on a batch of shape \(2, 64\)"),
    ],
)
def test_a_module_that_breaks_the_protocol_is_named_at_fit(module, message, digits):
    with pytest.raises(ValueError, match=message):
        AutoencoderTransformer(module=module, **FAST).fit(digits)


def test_wrong_output_shapes_are_named(digits):
    class TupleCode(PlainMLP):
        def encode(self, x):
            return self.enc(x), None

    class ShortDecode(PlainMLP):
        def decode(self, z):
            return self.dec(z)[:, :10]

    with pytest.raises(ValueError, match=r"encode must return a tensor of shape"):
        AutoencoderTransformer(module=TupleCode(), **FAST).fit(digits)
    with pytest.raises(ValueError, match=r"decode must return .*\(2, 64\).*returned \(2, 10\)"):
        AutoencoderTransformer(module=ShortDecode(), **FAST).fit(digits)
    with pytest.raises(InvalidParameterError, match="module"):
        AutoencoderTransformer(module=ConvAutoencoder, **FAST).fit(digits)


def test_missing_values_reach_a_mask_aware_module_as_a_mask(digits):
    X = digits.copy()
    X[::3, 5] = np.nan
    MaskReader.seen.clear()
    dae = DenoisingAE(module=MaskReader(), **FAST).fit(X)
    assert dae.net_.module_.takes_mask
    masks = [m for m in MaskReader.seen if m is not None]
    assert masks and any((m == 0).any() for m in masks)
    assert np.isfinite(dae.reconstruct(X)).all()
    # a module without a mask argument gets the missing entries as zeros
    plain = DenoisingAE(module=PlainMLP(), **FAST).fit(X)
    assert not plain.net_.module_.takes_mask
    assert np.isfinite(plain.reconstruct(X)).all()


def test_bce_loss_squashes_a_user_module(digits):
    ae = AutoencoderTransformer(module=PlainMLP(), loss="bce", **FAST).fit(digits)
    rec = ae.scaler_.transform(ae.reconstruct(digits))
    assert rec.min() >= 0 and rec.max() <= 1


# ------------------------------------------------------------------ callbacks
class CountGradients(Callback):
    def __init__(self):
        self.calls = 0

    def on_grad_computed(self, net, named_parameters, **kwargs):
        self.calls += 1
        assert all(p.grad is not None for _, p in named_parameters)


def test_skorch_callbacks_are_passed_through_and_not_mutated(digits, tmp_path):
    counter = CountGradients()
    checkpoint = Checkpoint(monitor="train_loss_best", dirname=str(tmp_path / "ckpt"))
    ae = AutoencoderTransformer(
        callbacks=[
            ("lr", LRScheduler(policy="StepLR", step_size=1, gamma=0.5)),
            GradientNormClipping(gradient_clip_value=1.0),
            counter,
            checkpoint,
        ],
        early_stopping=False,
        **FAST,
    ).fit(digits)
    callbacks = dict(ae.net_.callbacks_)
    assert ae.net_.optimizer_.param_groups[0]["lr"] == pytest.approx(1e-3 * 0.5**3)
    assert callbacks["CountGradients"].calls == ae.n_iter_ * 2  # 300 rows, batches of 200
    assert counter.calls == 0  # the parameter's own instance is untouched
    assert (tmp_path / "ckpt" / "params.pt").exists()
    assert "GradientNormClipping" in callbacks


def test_bad_callbacks_and_optimizer_params_are_named(digits):
    with pytest.raises(ValueError, match=r"callbacks\[0\] must be a skorch callback"):
        AutoencoderTransformer(callbacks=["not a callback"], **FAST).fit(digits)
    with pytest.raises(ValueError, match="'nesterov', which Adam does not take"):
        AutoencoderTransformer(optimizer_params={"nesterov": True}, **FAST).fit(digits)
    with pytest.raises(ValueError, match="use the estimator's learning_rate_init"):
        AutoencoderTransformer(optimizer_params={"lr": 0.1}, **FAST).fit(digits)


def test_optimizer_params_reach_the_optimizer(digits):
    ae = AutoencoderTransformer(optimizer_params={"betas": (0.5, 0.9)}, **FAST).fit(digits)
    assert ae.net_.optimizer_.param_groups[0]["betas"] == (0.5, 0.9)
    sgd = AutoencoderTransformer(optimizer="sgd", optimizer_params={"momentum": 0.5}, **FAST)
    assert sgd.fit(digits).net_.optimizer_.param_groups[0]["momentum"] == 0.5


# ------------------------------------------------------------ net_ as a skorch net
def test_net_works_as_a_skorch_net(digits, tmp_path):
    ae = AutoencoderTransformer(**FAST).fit(digits)
    scaled = ae.scaler_.transform(digits)
    raw = ae.net_.predict(scaled)
    np.testing.assert_allclose(
        ae.scaler_.inverse_transform(raw), ae.reconstruct(digits), rtol=1e-4, atol=1e-3
    )
    reconstruction, codes = ae.net_.forward(scaled)
    np.testing.assert_allclose(codes.numpy(), ae.transform(digits), rtol=1e-4, atol=1e-4)
    assert len(ae.net_.history) == ae.n_iter_
    ae.net_.save_params(f_params=tmp_path / "w.pt")
    assert (tmp_path / "w.pt").stat().st_size > 0


# -------------------------------------------------------- saving user modules
def test_safe_format_rebuilds_modules_with_parameters(digits, tmp_path):
    conv = DenoisingAE(module=ConvAutoencoder(channels=(8,)), **FAST).fit(digits)
    conv.save(tmp_path / "conv")
    loaded = load(tmp_path / "conv")
    assert loaded.module.channels == (8,)
    np.testing.assert_array_equal(loaded.transform(digits), conv.transform(digits))

    tiny = AutoencoderTransformer(module=TinyModule(width=4), **FAST).fit(digits)
    tiny.save(tmp_path / "tiny")
    with pytest.raises(ValueError, match="does not trust"):
        load(tmp_path / "tiny")
    loaded = load(tmp_path / "tiny", trusted=["tests._instances.TinyModule"])
    np.testing.assert_array_equal(loaded.transform(digits), tiny.transform(digits))

    plain = AutoencoderTransformer(module=PlainMLP(), **FAST).fit(digits)
    with pytest.raises(TypeError, match="PlainMLP has no get_params.*ModuleParams"):
        plain.save(tmp_path / "plain")


def test_onnx_export_of_a_user_module_with_missing_values(digits):
    ort = pytest.importorskip("onnxruntime")
    pytest.importorskip("onnxscript")
    X = digits.copy()
    X[::3, 10] = np.nan
    dae = DenoisingAE(module=PlainMLP(), **FAST).fit(X)
    assert not dae.net_.module_.takes_mask  # missing entries reach it as zeros
    session = ort.InferenceSession(dae.to_onnx().SerializeToString())
    codes = session.run(None, {"X": X.astype(np.float32)})[0]
    assert np.isfinite(codes).all()
    np.testing.assert_allclose(codes, dae.transform(X), rtol=1e-5, atol=1e-4)


def test_onnx_export_of_a_convolutional_denoiser(digits):
    ort = pytest.importorskip("onnxruntime")
    pytest.importorskip("onnxscript")
    dae = DenoisingAE(module=ConvAutoencoder(n_components=8), **FAST).fit(digits)
    session = ort.InferenceSession(dae.to_onnx().SerializeToString())
    codes = session.run(None, {"X": digits.astype(np.float32)})[0]
    np.testing.assert_allclose(codes, dae.transform(digits), rtol=1e-5, atol=1e-4)


# -------------------------------------------------------------- VAEGenerator
def test_vae_with_a_user_module(tmp_path, rng):
    import pandas as pd

    from sklearn_ae import VAEGenerator

    from ._instances import TinyVariationalModule

    n = 120
    table = pd.DataFrame(
        {
            "x": rng.normal(size=n),
            "y": rng.normal(size=n),
            "colour": rng.choice(["red", "blue"], n),
        }
    )
    module = TinyVariationalModule(n_components=3, width=16)
    vae = VAEGenerator(module=module, **FAST).fit(table)
    assert vae.n_components_ == 3
    assert vae.net_.module_.inner.n_features == vae.scaler_.n_outputs_ == 4
    assert module.n_features is None  # the instance passed is untouched
    synthetic = vae.sample(20, random_state=0)
    assert list(synthetic.columns) == ["x", "y", "colour"]
    assert set(synthetic["colour"]) <= {"red", "blue"}
    assert vae.transform(table).shape == (n, 3)
    assert np.isfinite(vae.score_samples(table)).all()
    again = VAEGenerator(module=module, **FAST).fit(table)
    pd.testing.assert_frame_equal(again.sample(20, random_state=0), synthetic)
    restored = pickle.loads(pickle.dumps(vae))
    pd.testing.assert_frame_equal(restored.sample(20, random_state=0), synthetic)
    vae.save(tmp_path / "vae")
    loaded = load(tmp_path / "vae", trusted=["tests._instances.TinyVariationalModule"])
    pd.testing.assert_frame_equal(loaded.sample(20, random_state=0), synthetic)


def test_vae_module_protocol_errors(rng):
    from sklearn_ae import VAEGenerator

    from ._instances import TinyModule, TinyVariationalModule

    X = rng.normal(size=(60, 3))
    with pytest.raises(ValueError, match=r"must return a pair \(mean, log_var\)"):
        VAEGenerator(module=TinyModule(), **FAST).fit(X)
    with pytest.raises(ValueError, match="cannot be fitted with y"):
        VAEGenerator(module=TinyVariationalModule(), **FAST).fit(X, rng.choice([0, 1], 60))
