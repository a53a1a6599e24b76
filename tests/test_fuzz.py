"""The failures found by fuzzing (issue 12): each is a clear error or a correct result.

The command-line cases (paths checked before fitting, ``demo -o`` on a file,
sniffed delimiters, ``-o out.tsv``) are in ``test_cli.py``.
"""

import warnings

import numpy as np
import pytest
import torch
from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import make_pipeline

import sklearn_ae
from sklearn_ae import AEImputer, AutoencoderTransformer, DenoisingAE

FAST = dict(hidden_layer_sizes=(16,), max_iter=20, random_state=0, device="cpu")
AUTOENCODERS = ["AutoencoderTransformer", "DenoisingAE", "AEImputer", "AEOutlierDetector"]


# ------------------------------------------------------------------ divergence
def test_huge_learning_rate_with_huber_stops_while_the_loss_is_finite(blobs):
    # huber keeps the loss finite (0.44 -> 8e24 before the fix): no NaN to catch
    ae = AutoencoderTransformer(learning_rate_init=1e6, **{**FAST, "max_iter": 30})
    assert ae.loss == "huber"
    with pytest.raises(FloatingPointError, match="rose from .* the fit diverged"):
        ae.fit(blobs)


# ------------------------------------------------------------- extreme values
@pytest.mark.parametrize("name", AUTOENCODERS)
def test_a_column_of_1e300_gives_finite_outputs(name, rng):
    X = rng.normal(size=(100, 4))
    X[:, 1] = 1e300 * (1 + 0.1 * rng.normal(size=100))
    estimator = getattr(sklearn_ae, name)(**FAST).fit(X)
    if hasattr(estimator, "reconstruct"):
        rec = estimator.reconstruct(X)
        assert np.isfinite(rec).all()
        # the huge column is reconstructed on its own scale, not as NaN or 0
        assert np.median(np.abs(rec[:, 1] / X[:, 1] - 1)) < 0.5
    if hasattr(estimator, "score_samples"):
        assert np.isfinite(estimator.score_samples(X)).all()


# ------------------------------------------------------------ missing columns
@pytest.mark.parametrize("Est", [DenoisingAE, AEImputer])
def test_an_all_nan_column_warns_and_says_what_happens(Est, rng):
    X = rng.normal(size=(60, 4))
    X[:, 2] = np.nan
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        est = Est(**FAST).fit(X)
    messages = [str(w.message) for w in caught if w.category is UserWarning]
    assert any("features [2] have no observed values" in m for m in messages), messages
    assert not [w for w in caught if w.category is RuntimeWarning]  # no numpy noise
    out = est.transform(X) if Est is AEImputer else est.reconstruct(X)
    assert np.isfinite(out).all()
    assert out.shape[1] == (3 if Est is AEImputer else 4)


@pytest.mark.parametrize("Est", [DenoisingAE, AEImputer])
def test_all_values_missing_is_an_error(Est):
    with pytest.raises(ValueError, match="Every value of X is missing"):
        Est(**FAST).fit(np.full((30, 3), np.nan))


# ------------------------------------------------------------------ warm start
def test_a_rejected_warm_start_refit_leaves_the_model_usable(blobs):
    ae = AutoencoderTransformer(warm_start=True, **{**FAST, "max_iter": 5}).fit(blobs)
    before = ae.transform(blobs)
    with pytest.raises(ValueError, match="warm_start=True .* X has 3 features"):
        ae.fit(blobs[:, :3])
    assert ae.n_features_in_ == blobs.shape[1] and ae.n_iter_ == 5
    np.testing.assert_array_equal(ae.transform(blobs), before)


# ------------------------------------------------------------- random states
def test_random_state_none_draws_from_numpy_global_state_only(blobs):
    # as scikit-learn's estimators: None seeds from np.random, so np.random.seed reproduces
    params = {**FAST, "random_state": None}
    torch.manual_seed(5)
    torch_state = torch.get_rng_state()
    np.random.seed(7)
    untouched = np.random.RandomState(7).randint(1 << 30)
    a = AutoencoderTransformer(**params).fit_transform(blobs)
    assert np.random.randint(1 << 30) != untouched  # the fit drew from np.random
    np.random.seed(7)
    b = AutoencoderTransformer(**params).fit_transform(blobs)
    np.testing.assert_array_equal(a, b)
    assert torch.equal(torch.get_rng_state(), torch_state)


# ------------------------------------------------------- reported attributes
def test_best_loss_is_the_training_loss_of_the_restored_epoch(rng):
    X = rng.normal(size=(200, 20))  # noise: a wide network overfits it quickly
    ae = AutoencoderTransformer(
        n_components=10,
        early_stopping=True,
        n_iter_no_change=3,
        **{**FAST, "hidden_layer_sizes": (128,), "max_iter": 200},
    ).fit(X)
    restored = dict(ae.net_.callbacks_)["stopping"].best_epoch_  # 1-based
    assert restored < ae.n_iter_  # early stopping did restore an earlier epoch
    assert ae.best_loss_ == ae.loss_curve_[restored - 1]
    assert ae.best_loss_ != min(ae.loss_curve_)  # not the lowest training loss
    # the restored epoch holds the best held-out loss (to within tol)
    best_valid = -max(ae.validation_scores_)
    assert -ae.validation_scores_[restored - 1] <= best_valid + ae.tol


def test_convergence_warning_points_at_the_callers_line(blobs):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        AutoencoderTransformer(**{**FAST, "max_iter": 2, "early_stopping": False}).fit(blobs)
        make_pipeline(AutoencoderTransformer(**{**FAST, "max_iter": 2})).fit_transform(blobs)
    found = [w for w in caught if issubclass(w.category, ConvergenceWarning)]
    assert len(found) == 2
    assert all(w.filename == __file__ for w in found), [w.filename for w in found]
