"""Epochs on large tables (``max_rows_per_epoch``) and the stopping rule there."""

import numpy as np
import pytest
from skorch.callbacks import Callback

from sklearn_ae import AutoencoderTransformer, DenoisingAE


class RowsSeen(Callback):
    """Column 0 of every batch, per epoch, split by training and validation."""

    def initialize(self):
        self.train, self.valid = [], []
        return self

    def on_epoch_begin(self, net, **kwargs):
        self.train.append([])
        self.valid.append([])

    def on_batch_begin(self, net, batch=None, training=False, **kwargs):
        rows = batch[0][:, 0].cpu().numpy().copy()
        (self.train if training else self.valid)[-1].append(rows)


def _seen(est, which):
    return [np.concatenate(epoch) for epoch in getattr(dict(est.net_.callbacks_)["rows"], which)]


def _ids(n):
    # column 0 is a row id (unique, so it survives scaling one-to-one)
    rng = np.random.default_rng(0)
    return np.column_stack([np.arange(n, dtype=float), rng.normal(size=(n, 3))])


def _watched_fit(n_rows, **params):
    """AutoencoderTransformer fitted on ``_ids(n_rows)`` with a RowsSeen callback."""
    est = AutoencoderTransformer(random_state=0, callbacks=[("rows", RowsSeen())], **params)
    return est.fit(_ids(n_rows))


def test_an_epoch_is_max_rows_continuing_through_one_order():
    est = _watched_fit(
        500, max_rows_per_epoch=100, early_stopping=False, batch_size=25, max_iter=6, tol=0.0
    )
    epochs = _seen(est, "train")
    assert [len(e) for e in epochs] == [100] * 6
    # epochs 1-5 together are one pass: every row once before any twice
    assert len(np.unique(np.concatenate(epochs[:5]))) == 500
    assert not np.array_equal(np.sort(epochs[0]), np.sort(epochs[5]))


def test_without_the_cap_every_epoch_is_a_full_pass():
    est = _watched_fit(500, max_rows_per_epoch=None, early_stopping=False, max_iter=2)
    assert [len(np.unique(e)) for e in _seen(est, "train")] == [500, 500]


def test_the_held_out_rows_are_capped_at_a_fifth_of_an_epoch():
    est = _watched_fit(1000, max_rows_per_epoch=100, validation_fraction=0.5, max_iter=3)
    valid = _seen(est, "valid")
    assert [len(v) for v in valid] == [20] * 3
    # the same rows every epoch, never trained on
    assert all(np.array_equal(valid[0], v) for v in valid)
    assert not set(valid[0]) & set(np.concatenate(_seen(est, "train")))


@pytest.mark.parametrize("Est", [AutoencoderTransformer, DenoisingAE])
def test_a_plateau_on_a_capped_table_first_drops_the_learning_rate(Est):
    # tol=10 never counts as progress: the first epoch sets the best loss,
    # every later one is a miss, so each drop and the stop come after 2 misses
    params = dict(
        max_rows_per_epoch=64,
        n_iter_no_change=2,
        tol=10.0,
        learning_rate_init=1e-3,
        max_iter=50,
        random_state=0,
    )
    capped = Est(**params).fit(_ids(400))
    lr = capped.net_.optimizer_.param_groups[0]["lr"]
    assert capped.n_iter_ == 7  # best at 1, drops at 3 and 5, stop at 7
    assert lr == pytest.approx(1e-3 * 0.2**2)
    # a table within the cap stops at the first plateau, as before
    small = Est(**params).fit(_ids(60))
    assert small.n_iter_ == 3
    assert small.net_.optimizer_.param_groups[0]["lr"] == pytest.approx(1e-3)


def test_a_drop_restores_the_best_weights():
    class Weights(Callback):
        def initialize(self):
            self.after = []
            return self

        def on_epoch_end(self, net, **kwargs):
            # runs after the stopper (callbacks run in order): weights as left
            self.after.append(net.module_.state_dict()["encoder.0.weight"].clone())

    est = AutoencoderTransformer(
        max_rows_per_epoch=64,
        n_iter_no_change=2,
        tol=10.0,
        max_iter=50,
        random_state=0,
        callbacks=[("weights", Weights())],
    ).fit(_ids(400))
    after = dict(est.net_.callbacks_)["weights"].after
    # epoch 1 is the best; the drop at epoch 3 puts its weights back
    assert np.array_equal(after[2].numpy(), after[0].numpy())
    assert not np.array_equal(after[1].numpy(), after[0].numpy())


def test_a_warm_start_fit_starts_from_the_learning_rate_before_the_drops():
    params = dict(max_rows_per_epoch=64, n_iter_no_change=2, tol=10.0, learning_rate_init=1e-3)
    est = AutoencoderTransformer(warm_start=True, random_state=0, **params).fit(_ids(400))
    assert est.net_.optimizer_.param_groups[0]["lr"] == pytest.approx(1e-3 * 0.2**2)
    est.fit(_ids(400))  # drops twice again, from 1e-3, not from 4e-5
    assert est.n_iter_ == 14
    assert est.net_.optimizer_.param_groups[0]["lr"] == pytest.approx(1e-3 * 0.2**2)


def test_verbose_says_when_the_learning_rate_drops(capsys):
    AutoencoderTransformer(
        max_rows_per_epoch=64, n_iter_no_change=2, tol=10.0, verbose=1, random_state=0
    ).fit(_ids(400))
    out = capsys.readouterr().out
    assert out.count("learning rate x0.2") == 2


@pytest.mark.parametrize(
    "n_rows, params, budget",
    [
        (400, {}, (400, 20)),  # capped, held-out loss watched: twice the defaults
        (60, {}, (200, 10)),  # within the cap
        (400, {"early_stopping": False}, (200, 10)),  # capped, but no drops
        (400, {"max_iter": 7, "n_iter_no_change": 3}, (7, 3)),  # set values are kept
    ],
)
def test_auto_budget_doubles_on_capped_tables_only(n_rows, params, budget):
    est = AutoencoderTransformer(max_rows_per_epoch=64, random_state=0, **params)
    est._early_stopping = est._resolve_early_stopping(n_rows)
    assert est._stopping_budget(n_rows)[:2] == budget
    if "max_iter" in params:
        est.fit(_ids(n_rows))
        assert est.net_.max_epochs == 7
        assert dict(est.net_.callbacks_)["stopping"].patience == 3


def test_auto_budget_reaches_the_network():
    from sklearn_ae import VAEGenerator

    est = VAEGenerator(max_rows_per_epoch=64, random_state=0)
    est.set_params(max_iter="auto", n_iter_no_change="auto", tol=1e9)
    est.fit(_ids(400))
    assert est.net_.max_epochs == 600  # the VAE's own 300, doubled
    assert dict(est.net_.callbacks_)["stopping"].patience == 20
