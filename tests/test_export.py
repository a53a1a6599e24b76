"""ONNX export: onnxruntime reproduces each exported method."""

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

import sklearn_ae
from sklearn_ae import AEImputer, AutoencoderTransformer, VAEGenerator

pytest.importorskip("onnxscript")
ort = pytest.importorskip("onnxruntime")

CASES = [
    ("AutoencoderTransformer", "transform", False),
    ("AutoencoderTransformer", "inverse_transform", False),
    ("DenoisingAE", "transform", True),
    ("AEImputer", "transform", True),
    ("AEOutlierDetector", "score_samples", False),
    ("AEOutlierDetector", "decision_function", False),
    ("AEOutlierDetector latent", "score_samples", False),
    ("AEOutlierDetector latent", "decision_function", False),
    ("AEOutlierDetector latent+neighbors", "score_samples", False),
    ("AEOutlierDetector latent+neighbors", "decision_function", False),
]


def run(model, X):
    session = ort.InferenceSession(model.SerializeToString())
    return session.run(None, {"X": np.asarray(X, dtype=np.float32)})[0]


@pytest.mark.parametrize("name, method, with_nan", CASES)
def test_onnxruntime_matches_the_estimator(name, method, with_nan, blobs, tmp_path):
    X = blobs.copy()
    if with_nan:
        X[::4, 1] = np.nan
        X[::7, 4] = np.nan
    name, _, distance = name.partition(" ")  # the outlier detector's rules
    params = {"distance": distance or "neighbors"} if name == "AEOutlierDetector" else {}
    estimator = getattr(sklearn_ae, name)(max_iter=5, random_state=0, **params).fit(X)
    path = tmp_path / "model.onnx"
    model = estimator.to_onnx(path, method=method)
    assert path.stat().st_size > 0
    inputs = estimator.transform(X) if method == "inverse_transform" else X
    expected = getattr(estimator, method)(inputs)
    got = run(model, inputs)
    assert got.shape == expected.shape
    # float32 graph against the float64 estimator: 1e-5 relative to the output's size
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5 * np.abs(expected).max())
    assert not np.allclose(got, 0)


def test_imputer_graph_drops_empty_features_and_fills(rng):
    X = rng.normal(size=(80, 4)) * [1, 100, 1, 0.01]
    X[:, 2] = np.nan  # empty in fit: dropped
    X[::3, 0] = np.nan
    with pytest.warns(UserWarning, match="no observed values"):
        imputer = AEImputer(max_iter=5, random_state=0).fit(X)
    got = run(imputer.to_onnx(), X)
    assert got.shape == (80, 3) and not np.isnan(got).any()
    np.testing.assert_allclose(got, imputer.transform(X), rtol=1e-5, atol=1e-4)


def test_default_method_and_bad_requests(blobs):
    ae = AutoencoderTransformer(max_iter=2, random_state=0).fit(blobs)
    model = ae.to_onnx()
    assert [o.name for o in model.graph.output] == ["transform"]
    with pytest.raises(ValueError, match="method='predict' cannot be exported"):
        ae.to_onnx(method="predict")
    vae = VAEGenerator(max_iter=2, random_state=0).fit(blobs)
    with pytest.raises(NotImplementedError, match="quantile transform"):
        vae.to_onnx()
    with pytest.raises(NotFittedError):
        AutoencoderTransformer().to_onnx()


def test_missing_extra_is_named(blobs, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_onnx(name, *args, **kwargs):
        if name == "onnxscript":
            raise ImportError("No module named 'onnxscript'", name="onnxscript")
        return real_import(name, *args, **kwargs)

    ae = AutoencoderTransformer(max_iter=2, random_state=0).fit(blobs)
    monkeypatch.setattr(builtins, "__import__", no_onnx)
    with pytest.raises(
        ImportError, match=r"onnxscript is missing\): pip install 'sklearn-ae\[onnx\]'"
    ):
        ae.to_onnx()
