"""Behaviour of AutoencoderTransformer and of the shared base."""

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.utils._param_validation import InvalidParameterError

from sklearn_ae import AutoencoderTransformer

FAST = dict(hidden_layer_sizes=(16,), max_iter=20, random_state=0, device="cpu")


def test_shapes_and_dtypes(blobs):
    ae = AutoencoderTransformer(n_components=3, **FAST).fit(blobs)
    Z = ae.transform(blobs)
    assert Z.shape == (120, 3) and Z.dtype == np.float64
    assert ae.inverse_transform(Z).shape == blobs.shape
    assert ae.reconstruct(blobs).shape == blobs.shape
    Z32 = ae.transform(blobs.astype(np.float32))
    assert Z32.dtype == np.float32
    assert ae.inverse_transform(Z32).dtype == np.float32
    assert ae.n_components_ == 3 and ae.n_features_in_ == 6
    assert ae.device_ == "cpu"
    assert len(ae.loss_curve_) == ae.n_iter_ <= 20
    assert ae.validation_scores_ is None


def test_loss_decreases_and_reconstruction_is_in_original_units(blobs):
    ae = AutoencoderTransformer(n_components=2, max_iter=150, random_state=0).fit(blobs)
    assert ae.loss_curve_[-1] < 0.5 * ae.loss_curve_[0]
    rec = ae.reconstruct(blobs)
    # per-column error is small relative to each column's own scale
    rel = np.sqrt(((rec - blobs) ** 2).mean(0)) / blobs.std(0)
    assert np.all(rel < 0.5), rel


def test_digits_reconstruction_beats_pca():
    X, _ = load_digits(return_X_y=True)
    X_train, X_test = train_test_split(X, random_state=0)
    pca = PCA(n_components=8).fit(X_train)
    pca_mse = np.mean((pca.inverse_transform(pca.transform(X_test)) - X_test) ** 2)
    ae = AutoencoderTransformer(n_components=8, random_state=0).fit(X_train)
    ae_mse = np.mean((ae.inverse_transform(ae.transform(X_test)) - X_test) ** 2)
    assert ae_mse < pca_mse, (ae_mse, pca_mse)


def test_score_is_negative_mean_error(blobs):
    ae = AutoencoderTransformer(**FAST).fit(blobs)
    s = ae.score_samples(blobs)
    assert s.shape == (120,) and np.all(s <= 0)
    assert ae.score(blobs) == pytest.approx(s.mean())


def test_reproducible_with_seed_and_global_rng_untouched(blobs):
    torch.manual_seed(123)
    np.random.seed(123)
    torch_state, np_state = torch.get_rng_state(), np.random.get_state()
    a = AutoencoderTransformer(**FAST).fit_transform(blobs)
    b = AutoencoderTransformer(**FAST).fit_transform(blobs)
    np.testing.assert_array_equal(a, b)
    assert torch.equal(torch.get_rng_state(), torch_state)
    assert np.array_equal(np.random.get_state()[1], np_state[1])
    c = AutoencoderTransformer(**{**FAST, "random_state": 1}).fit_transform(blobs)
    assert not np.allclose(a, c)


def test_fewer_rows_than_batch_size(rng):
    X = rng.normal(size=(5, 4))
    ae = AutoencoderTransformer(batch_size=64, **FAST).fit(X)
    assert ae.transform(X).shape == (5, 2)
    assert ae.net_.history[-1, "train_batch_count"] == 1


def test_pipeline_gridsearch_over_n_components(blobs):
    pipe = Pipeline([("ae", AutoencoderTransformer(**FAST))])
    search = GridSearchCV(pipe, {"ae__n_components": [1, 2, 4]}, cv=3, n_jobs=2)
    search.fit(blobs)
    assert search.best_params_["ae__n_components"] in (1, 2, 4)
    assert np.isfinite(search.best_score_)


def test_downstream_classifier_in_pipeline():
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    pipe = make_pipeline(
        AutoencoderTransformer(n_components=8, max_iter=60, random_state=0),
        LogisticRegression(max_iter=2000),
    )
    assert pipe.fit(X_train, y_train).score(X_test, y_test) > 0.85


def test_clone_and_nested_params():
    ae = AutoencoderTransformer(n_components=3, alpha=0.1)
    twin = clone(ae)
    assert twin.get_params() == ae.get_params() and twin is not ae
    pipe = make_pipeline(ae)
    pipe.set_params(autoencodertransformer__n_components=5)
    assert ae.n_components == 5


def test_pickle_round_trip(blobs):
    ae = AutoencoderTransformer(**FAST).fit(blobs)
    loaded = pickle.loads(pickle.dumps(ae))
    np.testing.assert_allclose(loaded.transform(blobs), ae.transform(blobs))
    np.testing.assert_allclose(loaded.reconstruct(blobs), ae.reconstruct(blobs))


def test_set_output_pandas(blobs):
    df = pd.DataFrame(blobs, columns=[f"c{i}" for i in range(6)])
    ae = AutoencoderTransformer(n_components=2, **FAST).set_output(transform="pandas")
    out = ae.fit_transform(df)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == ["autoencodertransformer0", "autoencodertransformer1"]
    assert list(out.index) == list(df.index)
    assert list(ae.feature_names_in_) == list(df.columns)


def test_early_stopping_records_validation_scores(blobs):
    ae = AutoencoderTransformer(
        early_stopping=True, n_iter_no_change=3, tol=0.01, **{**FAST, "max_iter": 200}
    ).fit(blobs)
    assert len(ae.validation_scores_) == ae.n_iter_
    assert ae.n_iter_ < 200


def test_convergence_warning_when_max_iter_hit(blobs):
    with pytest.warns(ConvergenceWarning, match="maximum iterations"):
        AutoencoderTransformer(**{**FAST, "max_iter": 2}).fit(blobs)


def test_warm_start_continues(blobs):
    ae = AutoencoderTransformer(warm_start=True, **{**FAST, "max_iter": 5}).fit(blobs)
    first = ae.net_.module_
    ae.fit(blobs)
    assert ae.net_.module_ is first and ae.n_iter_ == 10


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(sparsity=1e-3),
        dict(contractive=1e-2),
        dict(loss="mse"),
        dict(optimizer="sgd"),
        dict(optimizer="adamw"),
        dict(batch_norm=True, dropout=0.1, activation="gelu"),
        dict(hidden_layer_sizes=()),
    ],
)
def test_variants_train(blobs, kwargs):
    ae = AutoencoderTransformer(**{**FAST, **kwargs}).fit(blobs)
    assert np.isfinite(ae.loss_curve_).all()
    assert ae.loss_curve_[-1] < ae.loss_curve_[0]


def test_bce_loss_needs_unit_interval(rng):
    X = rng.uniform(size=(30, 4))
    ae = AutoencoderTransformer(loss="bce", standardize=False, **FAST).fit(X)
    rec = ae.reconstruct(X)
    assert rec.min() >= 0 and rec.max() <= 1
    with pytest.raises(ValueError, match=r"needs X in \[0, 1\]"):
        AutoencoderTransformer(loss="bce", standardize=False, **FAST).fit(X * 5)
    # with standardize=True the data is min-max scaled and comes back in its units
    rec = AutoencoderTransformer(loss="bce", **FAST).fit(X * 5).reconstruct(X * 5)
    assert rec.max() > 1


# ----------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    "X, match",
    [
        (np.array([[1.0, np.nan], [2.0, 3.0]]), "NaN"),
        (np.array([[1.0, np.inf], [2.0, 3.0]]), "infinity"),
        (np.array([["a", "b"], ["c", "d"]]), "could not convert|numeric"),
        (np.empty((0, 3)), "0 sample"),
        (np.ones((3, 2, 2)), "3"),
        (np.ones(4), "2D array"),
    ],
)
def test_bad_input_is_a_clear_error(X, match):
    with pytest.raises(ValueError, match=match):
        AutoencoderTransformer(**FAST).fit(X)


def test_non_numeric_dataframe_column_is_named():
    df = pd.DataFrame(
        {"a": [1.0, 2.0, 3.0], "city": ["x", "y", "z"], "b": ["1.5", "2", "3"]}
    )  # "b" holds numbers written as text: it converts, so only "city" is named
    with pytest.raises(ValueError, match=r"not numeric: 'city' \(e\.g\. 'x'\)\. Encode"):
        AutoencoderTransformer(**FAST).fit(df)
    model = AutoencoderTransformer(**FAST).fit(df[["a", "b"]])
    with pytest.raises(ValueError, match="not numeric: 'b'"):  # in transform too
        model.transform(df[["a", "city"]].rename(columns={"city": "b"}))
    # a numpy array of text names positions; dates are a TypeError, as numpy's
    with pytest.raises(ValueError, match=r"not numeric: 1 \(e\.g\. 'q'\)"):
        AutoencoderTransformer(**FAST).fit(np.array([["1", "q"], ["2", "r"]]))
    dates = pd.DataFrame({"a": [1.0, 2.0], "when": pd.date_range("2020", periods=2)})
    with pytest.raises(TypeError, match="not numeric: 'when'"):
        AutoencoderTransformer(**FAST).fit(dates)
    # other objects keep numpy's TypeError (scikit-learn's check_dtype_object)
    with pytest.raises(TypeError, match="argument must be a string.* number"):
        AutoencoderTransformer(**FAST).fit(np.array([[1.0, {"a": 1}], [2.0, 3.0]], dtype=object))


def test_not_fitted_and_feature_mismatch(blobs):
    ae = AutoencoderTransformer(**FAST)
    for method in (ae.transform, ae.reconstruct, ae.score_samples, ae.inverse_transform):
        with pytest.raises(NotFittedError):
            method(blobs)
    ae.fit(blobs)
    with pytest.raises(ValueError, match="X has 5 features, but AutoencoderTransformer"):
        ae.transform(blobs[:, :5])
    with pytest.raises(ValueError, match="Z has 3 columns.*n_components_=2"):
        ae.inverse_transform(np.zeros((4, 3)))


@pytest.mark.parametrize(
    "params, match",
    [
        (dict(n_components=0), "n_components"),
        (dict(activation="swish"), "activation"),
        (dict(optimizer="lbfgs"), "optimizer"),
        (dict(loss="l1"), "loss"),
        (dict(dropout=1.0), "dropout"),
        (dict(batch_size=0), "batch_size"),
    ],
)
def test_bad_parameters(blobs, params, match):
    with pytest.raises(InvalidParameterError, match=match):
        AutoencoderTransformer(**params).fit(blobs)


def test_bad_hidden_sizes_and_device(blobs):
    with pytest.raises(ValueError, match="hidden_layer_sizes must hold positive"):
        AutoencoderTransformer(hidden_layer_sizes=(8, 0)).fit(blobs)
    with pytest.raises(ValueError, match="device must be"):
        AutoencoderTransformer(device="tpu").fit(blobs)
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA is not available"):
            AutoencoderTransformer(device="cuda").fit(blobs)


def test_diverging_fit_is_a_clear_error(blobs):
    ae = AutoencoderTransformer(
        learning_rate_init=1e6, optimizer="sgd", loss="mse", **{**FAST, "max_iter": 50}
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(FloatingPointError, match="diverged.*learning_rate_init"):
            ae.fit(blobs)


def test_verbose_prints_epoch_table(blobs, capsys):
    AutoencoderTransformer(**{**FAST, "max_iter": 2}).fit(blobs)
    assert capsys.readouterr().out == ""
    AutoencoderTransformer(verbose=1, **{**FAST, "max_iter": 2}).fit(blobs)
    out = capsys.readouterr().out
    assert "train_loss" in out and "epoch" in out


def test_verbose_two_adds_progress_bar(blobs):
    ae = AutoencoderTransformer(verbose=2, **{**FAST, "max_iter": 2}).fit(blobs)
    assert "progress" in dict(ae.net_.callbacks_)
