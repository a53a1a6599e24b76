"""partial_fit: one epoch per call, running scaling statistics, no replayed shuffles."""

import numpy as np
import pytest
from sklearn.datasets import load_digits
from skorch.callbacks import Callback

from sklearn_ae import (
    AEImputer,
    AEOutlierDetector,
    AutoencoderTransformer,
    DenoisingAE,
    VAEGenerator,
)

X = load_digits().data[:600]
CHUNKS = np.array_split(X, 4)
INCREMENTAL = [AutoencoderTransformer, DenoisingAE, AEImputer, AEOutlierDetector]


class FirstRows(Callback):
    """Records the first row of the first batch of each epoch (the shuffle's start)."""

    def __init__(self):
        self.seen = []

    def on_epoch_begin(self, net, **kwargs):
        self._first = True

    def on_batch_begin(self, net, batch=None, training=False, **kwargs):
        if training and self._first:
            self.seen.append(batch[0][0].cpu().numpy().copy())
            self._first = False


@pytest.mark.parametrize("Est", INCREMENTAL)
def test_each_call_is_one_epoch_and_later_calls_keep_learning(Est):
    est = Est(random_state=0)
    losses = []
    for _ in range(6):
        est.partial_fit(X)
        losses.append(est.loss_curve_[-1])
    assert est.n_iter_ == 6
    assert len(est.loss_curve_) == 6
    assert losses[-1] < 0.95 * losses[0]  # the optimizer state carries on
    assert est.validation_scores_ is None  # nothing is held out


@pytest.mark.parametrize("Est", INCREMENTAL)
def test_calls_do_not_replay_the_same_shuffle(Est):
    est = Est(random_state=0, callbacks=[("rows", FirstRows())])
    for _ in range(3):
        est.partial_fit(X)
    seen = dict(est.net_.callbacks_)["rows"].seen
    assert len(seen) == 3
    assert not np.array_equal(seen[0], seen[1])
    assert not np.array_equal(seen[1], seen[2])


def test_partial_fit_is_reproducible():
    def run():
        est = DenoisingAE(random_state=3)
        for chunk in CHUNKS:
            est.partial_fit(chunk)
        return est.transform(X)

    np.testing.assert_array_equal(run(), run())


def test_scaling_statistics_are_running_statistics():
    rng = np.random.default_rng(0)
    data = rng.normal(5.0, 3.0, size=(900, 4)) * [1, 10, 0.1, 1000]
    est = AutoencoderTransformer(random_state=0)
    for chunk in np.array_split(data, 3):
        est.partial_fit(chunk)
    np.testing.assert_allclose(est.scaler_.mean_, data.mean(axis=0), rtol=1e-10)
    np.testing.assert_allclose(est.scaler_.std_, data.std(axis=0), rtol=1e-10)
    whole = AutoencoderTransformer(random_state=0).fit(data)
    np.testing.assert_allclose(est.scaler_.scale_, whole.scaler_.scale_, rtol=1e-10)


def test_partial_fit_continues_a_fit_and_checks_features():
    est = AutoencoderTransformer(max_iter=3, random_state=0).fit(X)
    assert est.validation_scores_ is not None  # early stopping held rows out in fit
    est.partial_fit(X)
    assert est.n_iter_ == 4
    with pytest.raises(ValueError, match="partial_fit continues the fitted network.*64"):
        est.partial_fit(X[:, :10])
    assert est.transform(X).shape == (len(X), est.n_components_)  # still usable


def test_outlier_detector_threshold_follows_partial_fit():
    rng = np.random.default_rng(0)
    inliers = rng.normal(size=(400, 5))
    est = AEOutlierDetector(contamination=0.1, random_state=0)
    for chunk in np.array_split(inliers, 2):
        est.partial_fit(chunk)
    predicted = est.predict(inliers[200:])
    assert abs((predicted == -1).mean() - 0.1) < 0.02
    assert (est.predict(inliers[:5] + 25) == -1).all()


def test_vae_has_no_partial_fit():
    # its table codec (quantile tables, categories) is fitted once, on all rows
    assert not hasattr(VAEGenerator(), "partial_fit")


def test_dask_ml_incremental_on_a_dask_array():
    da = pytest.importorskip("dask.array")
    wrappers = pytest.importorskip("dask_ml.wrappers")
    dX = da.from_array(X, chunks=(150, X.shape[1]))
    model = wrappers.Incremental(
        AutoencoderTransformer(n_components=8, random_state=0), shuffle_blocks=False
    )
    model.fit(dX)
    assert model.estimator_.n_iter_ == dX.numblocks[0]  # one epoch per block
    codes = model.transform(dX)
    assert isinstance(codes, da.Array)
    local = codes.compute()
    assert local.shape == (len(X), 8)
    np.testing.assert_allclose(local, model.estimator_.transform(X), rtol=1e-6, atol=1e-6)
    # the same blocks fed by hand give the same model
    by_hand = AutoencoderTransformer(n_components=8, random_state=0)
    for block in np.array_split(X, dX.numblocks[0]):
        by_hand.partial_fit(block)
    np.testing.assert_allclose(local, by_hand.transform(X), rtol=1e-6, atol=1e-6)


def test_partial_fit_continues_a_model_pickled_before_max_rows_per_epoch():
    est = AutoencoderTransformer(max_iter=2, random_state=0).fit(X)
    del est.net_.iterator_train__max_rows  # nets pickled before the parameter lack it
    est.partial_fit(X)
    assert est.n_iter_ == 3
