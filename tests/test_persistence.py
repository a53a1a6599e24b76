"""Saving and loading: the pickle-free format, and lean pickles."""

import json
import pickle
import struct

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.exceptions import NotFittedError

import sklearn_ae
from sklearn_ae import AEOutlierDetector, AutoencoderTransformer, VAEGenerator, load
from sklearn_ae._persistence import read_safetensors, write_safetensors

from ._instances import TINY_PARAMS, tiny_instances

ESTIMATORS = list(TINY_PARAMS)


@pytest.fixture
def no_pickle(monkeypatch):
    """Make every way into pickle raise: loading must not need it."""

    def refuse(*args, **kwargs):
        raise AssertionError("pickle was used")

    # torch imports its compiler stack on a process's first optimizer, and
    # that stack subclasses pickle.Unpickler: imported under the patch it is
    # left half-initialized and every later fit in the process fails
    import torch._dynamo  # noqa: F401

    for name in ("load", "loads", "Unpickler"):
        monkeypatch.setattr(pickle, name, refuse)
    monkeypatch.setattr(torch, "load", refuse)


def outputs(estimator, X):
    """Every inference output of a fitted estimator, by method name."""
    out = {}
    for method in ("transform", "inverse_transform", "score_samples", "decision_function"):
        if method == "inverse_transform" and hasattr(estimator, method):
            out[method] = estimator.inverse_transform(estimator.transform(X))
        elif hasattr(estimator, method):
            out[method] = getattr(estimator, method)(X)
    for method in ("predict", "explain", "reconstruct"):
        if hasattr(estimator, method):
            out[method] = getattr(estimator, method)(X)
    if hasattr(estimator, "sample"):
        out["sample"] = estimator.sample(7, random_state=1)
    return out


@pytest.mark.parametrize("name", ESTIMATORS)
def test_round_trip_is_bit_identical_without_pickle(name, blobs, tmp_path, request):
    estimator = getattr(sklearn_ae, name)(**TINY_PARAMS[name]).fit(blobs)
    path = tmp_path / "model.safetensors"
    estimator.save(path)
    request.getfixturevalue("no_pickle")
    loaded = load(path)
    assert type(loaded) is type(estimator)
    assert loaded.get_params() == estimator.get_params()
    expected, got = outputs(estimator, blobs), outputs(loaded, blobs)
    assert expected.keys() == got.keys() and len(expected) >= 2
    for method in expected:
        np.testing.assert_array_equal(got[method], expected[method], err_msg=method)
    assert loaded.n_iter_ == estimator.n_iter_
    assert loaded.loss_curve_ == estimator.loss_curve_
    assert len(loaded.net_.history) == estimator.n_iter_


def test_mixed_frame_conditional_vae_round_trip(tmp_path, no_pickle, rng):
    n = 150
    frame = pd.DataFrame(
        {
            "age": rng.randint(18, 80, n),
            "income": rng.lognormal(10, 1, n),
            "group": pd.Categorical(rng.choice(["a", "b", "c"], n)),
            "flag": rng.rand(n) < 0.3,
            "city": rng.choice(["x", "y"], n).astype(object),
            "stars": pd.array(np.where(rng.rand(n) < 0.1, None, rng.randint(1, 5, n)), "Int64"),
            "weight": np.where(rng.rand(n) < 0.1, np.nan, rng.randn(n)),
        }
    )
    y = rng.choice(["low", "high"], n)
    vae = VAEGenerator(max_iter=3, random_state=0).fit(frame, y)
    vae.set_output(transform="pandas")
    vae.save(tmp_path / "vae.safetensors")
    loaded = load(tmp_path / "vae.safetensors")
    labels = ["high"] * 9
    pd.testing.assert_frame_equal(
        loaded.sample(9, random_state=2, y=labels), vae.sample(9, random_state=2, y=labels)
    )
    pd.testing.assert_frame_equal(loaded.transform(frame), vae.transform(frame))
    np.testing.assert_array_equal(loaded.score_samples(frame, y), vae.score_samples(frame, y))
    np.testing.assert_array_equal(loaded.classes_, vae.classes_)
    np.testing.assert_array_equal(loaded.feature_names_in_, vae.feature_names_in_)
    # under 200 rows the privacy filter holds rows to each training row's spacing
    assert vae.privacy_spacing_ is not None
    np.testing.assert_array_equal(loaded.privacy_spacing_, vae.privacy_spacing_)


def test_file_is_standard_safetensors(blobs, tmp_path):
    safetensors = pytest.importorskip("safetensors.numpy")
    ae = AutoencoderTransformer(**TINY_PARAMS["AutoencoderTransformer"]).fit(blobs)
    ae.save(tmp_path / "ae.safetensors")
    tensors = safetensors.load_file(tmp_path / "ae.safetensors")
    weight = ae.net_.module_.state_dict()["encoder.0.weight"].numpy()
    np.testing.assert_array_equal(tensors["net_.module_.encoder.0.weight"], weight)
    np.testing.assert_array_equal(tensors["fitted.scaler_.scale_"], ae.scaler_.scale_)


def test_unfitted_and_foreign_estimators_are_refused(tmp_path, blobs):
    with pytest.raises(NotFittedError):
        AutoencoderTransformer().save(tmp_path / "x")

    class Custom(AutoencoderTransformer):
        pass

    custom = Custom(**TINY_PARAMS["AutoencoderTransformer"]).fit(blobs)
    with pytest.raises(TypeError, match="not one of sklearn_ae's estimators"):
        custom.save(tmp_path / "x")


def _rewrite(path, edit):
    """Apply ``edit(metadata)`` to a saved model file."""
    arrays, metadata = read_safetensors(path)
    edit(metadata)
    write_safetensors(path, arrays, metadata)


@pytest.fixture
def saved(blobs, tmp_path):
    path = tmp_path / "ae.safetensors"
    AutoencoderTransformer(**TINY_PARAMS["AutoencoderTransformer"]).fit(blobs).save(path)
    return path


def test_newer_format_is_refused_with_versions(saved):
    _rewrite(saved, lambda meta: meta.update(format_version="99", sklearn_ae_version="9.0"))
    with pytest.raises(ValueError, match=r"sklearn_ae 9\.0 in model format '99'.*reads format 1"):
        load(saved)


def test_unknown_parameter_is_refused(saved):
    def add_param(meta):
        params = json.loads(meta["params"])
        params["__dict__"].append(["new_knob", 1])
        meta["params"] = json.dumps(params)

    _rewrite(saved, add_param)
    with pytest.raises(ValueError, match=r"parameters \['new_knob'\]"):
        load(saved)


def test_untrusted_type_is_refused(saved):
    def smuggle(meta):
        fitted = json.loads(meta["fitted"])
        fitted["__dict__"].append(["evil_", {"__object__": "os.system", "state": {}}])
        meta["fitted"] = json.dumps(fitted)

    _rewrite(saved, smuggle)
    with pytest.raises(ValueError, match="'os.system', which sklearn_ae does not trust"):
        load(saved)


@pytest.mark.parametrize(
    "content, message",
    [
        (b"abc", "too short"),
        (struct.pack("<Q", 10_000) + b"{}", "truncated"),
        (struct.pack("<Q", 4) + b"nope", "not JSON"),
        (struct.pack("<Q", 2) + b"{}", "not a sklearn_ae model"),
    ],
)
def test_not_a_model_file(tmp_path, content, message):
    path = tmp_path / "bad"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=message):
        load(path)


def test_tensor_outside_its_data_is_refused(saved):
    raw = bytearray(saved.read_bytes())
    saved.write_bytes(bytes(raw[:-8]))  # cut the last weights short
    with pytest.raises(ValueError, match="does not fit its data"):
        load(saved)


def test_cuda_model_loads_on_the_cpu(blobs, tmp_path, monkeypatch):
    ae = AutoencoderTransformer(**TINY_PARAMS["AutoencoderTransformer"]).fit(blobs)
    expected = ae.transform(blobs)
    ae.device_ = "cuda:0"  # as written on a GPU machine
    ae.save(tmp_path / "ae.safetensors")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    loaded = load(tmp_path / "ae.safetensors")
    assert loaded.device_ == "cpu"
    np.testing.assert_array_equal(loaded.transform(blobs), expected)


def test_optimizer_state_is_saved_only_for_warm_start(blobs, tmp_path):
    params = dict(TINY_PARAMS["AutoencoderTransformer"])
    AutoencoderTransformer(**params).fit(blobs).save(tmp_path / "cold")
    warm = AutoencoderTransformer(**params, warm_start=True).fit(blobs)
    warm.save(tmp_path / "warm")
    cold_names = read_safetensors(tmp_path / "cold")[0]
    warm_names = read_safetensors(tmp_path / "warm")[0]
    assert not any(name.startswith("net_.optimizer_") for name in cold_names)
    assert any(name.startswith("net_.optimizer_") for name in warm_names)
    # a loaded warm model continues exactly where the live one does
    loaded = load(tmp_path / "warm")
    warm.fit(blobs)
    loaded.fit(blobs)
    assert loaded.n_iter_ == warm.n_iter_ == 6
    np.testing.assert_array_equal(loaded.transform(blobs), warm.transform(blobs))


def test_loaded_model_refits(saved, blobs):
    loaded = load(saved)
    before = loaded.transform(blobs)
    loaded.set_params(max_iter=4, random_state=1).fit(blobs)
    assert loaded.n_iter_ == 4
    assert not np.array_equal(loaded.transform(blobs), before)


# ---------------------------------------------------------------- lean pickles
def weight_bytes(estimator) -> int:
    module = estimator.net_.module_
    tensors = [*module.parameters(), *module.buffers()]
    return sum(t.numel() * t.element_size() for t in tensors)


def privacy_bytes(vae) -> int:
    """VAEGenerator's kept training rows and their distances (``privacy_filter``)."""
    spacing = vae.privacy_spacing_
    extra = 0 if spacing is None else spacing.nbytes
    return vae.privacy_rows_.nbytes + vae.privacy_distances_.nbytes + extra


@pytest.mark.parametrize(
    "name", ["AutoencoderTransformer", "DenoisingAE", "AEImputer", "AEOutlierDetector"]
)
def test_default_pickle_is_little_more_than_the_weights(name):
    from sklearn.datasets import load_digits

    X = load_digits().data[:400]
    estimator = getattr(sklearn_ae, name)(max_iter=5, random_state=0).fit(X)
    # the outlier detector's kept training rows are a documented fitted array
    kept = getattr(estimator, "neighbor_rows_", np.empty(0)).nbytes
    assert len(pickle.dumps(estimator)) <= 1.5 * weight_bytes(estimator) + kept


def test_vae_pickle_stores_repeated_quantiles_once():
    # digits' pixels take 17 values: the quantile tables (3 x 1000 x 64
    # float64, 7x the weights when stored whole) shrink to their runs
    from sklearn.datasets import load_digits

    X = load_digits().data
    vae = VAEGenerator(max_iter=2, random_state=0).fit(X)
    assert len(pickle.dumps(vae)) <= 1.5 * weight_bytes(vae) + privacy_bytes(vae)


def test_vae_pickle_is_weights_plus_fitted_tables():
    # continuous columns repeat nothing: the file is the weights plus the tables
    from sklearn.datasets import load_breast_cancer

    X = load_breast_cancer().data
    vae = VAEGenerator(max_iter=2, random_state=0).fit(X)
    tables = vae.scaler_.quantiles_.quantiles_.nbytes + sum(
        g.nbytes + o.nbytes for g, o in vae.marginal_quantiles_
    )
    assert len(pickle.dumps(vae)) <= 1.1 * (weight_bytes(vae) + tables + privacy_bytes(vae))
    # without the privacy filter the model keeps no training rows
    bare = VAEGenerator(max_iter=2, random_state=0, privacy_filter=False).fit(X)
    assert bare.privacy_rows_ is None
    assert len(pickle.dumps(bare)) <= 1.1 * (weight_bytes(bare) + tables)


@pytest.mark.parametrize("how", ["pickle", "safe"])
def test_compact_vae_tables_restore_exactly(how, tmp_path):
    rng = np.random.RandomState(0)
    X = pd.DataFrame(
        {
            "count": rng.poisson(2, 600),  # runs of repeated quantiles
            "amount": rng.lognormal(size=600),  # none
            "kind": rng.choice(["a", "b"], 600),
        }
    )
    vae = VAEGenerator(max_iter=2, random_state=0).fit(X)
    assert vae.net_.module_.category_head is not None  # 600 rows: "kind" reads the numbers
    if how == "pickle":
        copy = pickle.loads(pickle.dumps(vae))
    else:
        vae.save(tmp_path / "vae.safetensors")
        copy = sklearn_ae.load(tmp_path / "vae.safetensors")
    np.testing.assert_array_equal(
        copy.scaler_.quantiles_.quantiles_, vae.scaler_.quantiles_.quantiles_
    )
    pd.testing.assert_frame_equal(copy.sample(300, random_state=1), vae.sample(300, random_state=1))
    np.testing.assert_array_equal(copy.transform(X), vae.transform(X))


def test_a_loaded_warm_model_refits_from_the_learning_rate_before_the_drops(tmp_path):
    # capped epochs, a patience of 2 and a tol no epoch meets: two drops a fit
    X = np.random.default_rng(0).normal(size=(400, 4))
    params = dict(max_rows_per_epoch=64, n_iter_no_change=2, tol=10.0, hidden_layer_sizes=(8,))
    live = AutoencoderTransformer(warm_start=True, random_state=0, **params).fit(X)
    live.save(tmp_path / "warm")
    assert live.net_.optimizer_.param_groups[0]["lr"] == pytest.approx(1e-3 * 0.2**2)
    loaded = load(tmp_path / "warm")
    assert loaded.net_.optimizer_.param_groups[0]["lr"] == pytest.approx(1e-3)
    copy = pickle.loads(pickle.dumps(live))
    for est in (live, loaded, copy):
        est.fit(X)  # drops twice again, from 1e-3
        assert est.net_.optimizer_.param_groups[0]["lr"] == pytest.approx(1e-3 * 0.2**2)


def test_pickle_keeps_the_live_net_and_warm_start_state(blobs):
    params = dict(TINY_PARAMS["AutoencoderTransformer"])
    ae = AutoencoderTransformer(**params, warm_start=True).fit(blobs)
    batches = len(ae.net_.history[-1, "batches"])
    copy = pickle.loads(pickle.dumps(ae))
    # the live estimator keeps its per-batch records; the copy drops them
    assert len(ae.net_.history[-1, "batches"]) == batches > 0
    assert copy.net_.history[-1, "batches"] == []
    ae.fit(blobs)
    copy.fit(blobs)
    np.testing.assert_array_equal(copy.transform(blobs), ae.transform(blobs))


def test_tiny_instances_pickle_and_save(blobs, tmp_path):
    for estimator in tiny_instances():
        estimator.fit(blobs)
        again = pickle.loads(pickle.dumps(estimator))
        np.testing.assert_array_equal(
            outputs(again, blobs).popitem()[1], outputs(estimator, blobs).popitem()[1]
        )


def test_set_output_and_feature_names_survive(blobs, tmp_path):
    frame = pd.DataFrame(blobs, columns=[f"c{i}" for i in range(blobs.shape[1])])
    ae = AutoencoderTransformer(**TINY_PARAMS["AutoencoderTransformer"]).fit(frame)
    ae.set_output(transform="pandas")
    ae.save(tmp_path / "ae.safetensors")
    loaded = load(tmp_path / "ae.safetensors")
    pd.testing.assert_frame_equal(loaded.transform(frame), ae.transform(frame))
    with pytest.raises(ValueError, match="feature names"):
        loaded.transform(frame.rename(columns={"c0": "other"}))


def test_random_state_instance_is_saved(blobs, tmp_path):
    rng = np.random.RandomState(3)
    od = AEOutlierDetector(hidden_layer_sizes=(8,), max_iter=3, random_state=rng).fit(blobs)
    od.save(tmp_path / "od")
    loaded = load(tmp_path / "od")
    assert isinstance(loaded.random_state, np.random.RandomState)
    assert loaded.random_state.randint(1000) == od.random_state.randint(1000)


# ----------------------------------------------------------------------- skops
#: What skops.io must be told to trust to load our estimators (documented in
#: docs/persistence.rst: it includes functools.partial and builtins.print).
SKOPS_TRUSTED = {
    "builtins.print",
    "functools.partial",
    "numpy.dtype",
    "skorch.callbacks.logging.EpochTimer",
    "skorch.callbacks.logging.PrintLog",
    "skorch.callbacks.scoring.PassthroughScoring",
    "skorch.callbacks.training.EarlyStopping",
    "skorch.history.History",
    "skorch.setter.optimizer_setter",
    "skorch.utils.noop",
    "torch.optim.adam.Adam",
}


@pytest.mark.parametrize("name", ESTIMATORS)
def test_skops_round_trip_needs_the_documented_types(name, blobs):
    sio = pytest.importorskip("skops.io")
    estimator = getattr(sklearn_ae, name)(**TINY_PARAMS[name]).fit(blobs)
    data = sio.dumps(estimator)
    untrusted = set(sio.get_untrusted_types(data=data))
    outside = {t for t in untrusted if not t.startswith("sklearn_ae.")}
    assert outside <= SKOPS_TRUSTED, outside - SKOPS_TRUSTED
    loaded = sio.loads(data, trusted=sorted(untrusted))
    expected, got = outputs(estimator, blobs), outputs(loaded, blobs)
    for method in expected:
        np.testing.assert_array_equal(got[method], expected[method], err_msg=method)
