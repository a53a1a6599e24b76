"""Behaviour of VAEGenerator: mixed types, sampling, conditioning and likelihood bounds."""

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV

from sklearn_ae import VAEGenerator, _privacy
from sklearn_ae._tabular import pruned_knots

FAST = dict(hidden_layer_sizes=(32,), max_iter=40, random_state=0, device="cpu")


@pytest.fixture
def mixed(rng):
    """A small table with every supported column type and some missing values."""
    n = 300
    latent = rng.normal(size=n)
    df = pd.DataFrame(
        {
            "height": 170 + 10 * latent + rng.normal(size=n),
            "weight": 70 + 8 * latent + 2 * rng.normal(size=n),
            "children": rng.poisson(1.5, size=n).astype(np.int64),
            "smoker": latent + rng.normal(size=n) > 0.5,
            "city": rng.choice(["paris", "lyon", "nice"], size=n, p=[0.5, 0.3, 0.2]),
            "size": pd.Categorical(
                np.where(latent > 0, "large", "small"), categories=["small", "large", "huge"]
            ),
            "visits": pd.array(rng.poisson(3, size=n), dtype="Int64"),
        }
    )
    df.loc[rng.uniform(size=n) < 0.2, "weight"] = np.nan
    df.loc[rng.uniform(size=n) < 0.1, "visits"] = pd.NA
    return df


def test_sample_keeps_columns_dtypes_categories_and_ranges(mixed):
    vae = VAEGenerator(**{**FAST, "max_iter": 100}).fit(mixed)
    synthetic = vae.sample(500, random_state=0)
    assert isinstance(synthetic, pd.DataFrame)
    assert list(synthetic.columns) == list(mixed.columns)
    assert synthetic.dtypes.equals(mixed.dtypes)
    assert set(synthetic["city"]) <= set(mixed["city"])
    assert list(synthetic["size"].cat.categories) == ["small", "large", "huge"]
    for col in ["height", "weight", "children"]:
        assert synthetic[col].min() >= mixed[col].min()
        assert synthetic[col].max() <= mixed[col].max()
    assert (synthetic["children"] == np.round(synthetic["children"])).all()
    # missingness is modelled, not crashed on: the rates are reproduced
    assert abs(synthetic["weight"].isna().mean() - mixed["weight"].isna().mean()) < 0.08
    assert abs(synthetic["visits"].isna().mean() - mixed["visits"].isna().mean()) < 0.08
    assert synthetic["height"].notna().all()


def test_sample_reproduces_dependence(mixed):
    vae = VAEGenerator(**{**FAST, "max_iter": 150}).fit(mixed)
    synthetic = vae.sample(1000, random_state=0)
    real_corr = mixed["height"].corr(mixed["weight"])
    assert real_corr > 0.9
    assert synthetic["height"].corr(synthetic["weight"]) > 0.6


def test_seeded_sampling_is_reproducible(mixed):
    vae = VAEGenerator(**FAST).fit(mixed)
    pd.testing.assert_frame_equal(vae.sample(50, random_state=3), vae.sample(50, random_state=3))
    assert not vae.sample(50, random_state=3).equals(vae.sample(50, random_state=4))
    again = VAEGenerator(**FAST).fit(mixed)
    pd.testing.assert_frame_equal(vae.sample(50, random_state=3), again.sample(50, random_state=3))


def test_numeric_array_in_array_out(blobs):
    vae = VAEGenerator(**FAST).fit(blobs)
    synthetic = vae.sample(20, random_state=0)
    assert isinstance(synthetic, np.ndarray)
    assert synthetic.shape == (20, blobs.shape[1])
    assert synthetic.dtype == np.float64
    codes = vae.transform(blobs)
    assert codes.shape == (len(blobs), vae.n_components_)
    np.testing.assert_array_equal(codes, vae.transform(blobs))
    assert vae.inverse_transform(codes).shape == blobs.shape
    assert vae.reconstruct(blobs).shape == blobs.shape


def test_conditional_sampling_gives_the_requested_classes(rng):
    n = 300
    y = rng.choice(["a", "b", "c"], size=n)
    centres = {"a": [0, 0, 0, 0], "b": [4, 4, 0, 0], "c": [0, 0, 4, -4]}
    X = np.array([centres[label] for label in y]) + rng.normal(size=(n, 4))
    X = pd.DataFrame(X, columns=["w", "x", "y", "z"])
    judge = LogisticRegression().fit(X, y)
    vae = VAEGenerator(**{**FAST, "max_iter": 100}).fit(X, y)
    np.testing.assert_array_equal(vae.classes_, ["a", "b", "c"])
    for label in ["a", "b", "c"]:
        rows = vae.sample(100, y=label, random_state=0)
        assert np.mean(judge.predict(rows) == label) > 0.8
    labels = np.array(["a", "c"] * 50)
    rows = vae.sample(100, y=labels, random_state=1)
    assert np.mean(judge.predict(rows) == labels) > 0.8
    # without y, classes follow the training frequencies
    rows = vae.sample(600, random_state=2)
    shares = pd.Series(judge.predict(rows)).value_counts(normalize=True)
    assert all(abs(shares[c] - np.mean(y == c)) < 0.1 for c in "abc")
    # scores marginalize the class when it is not given, and accept it when it is
    assert np.isfinite(vae.score_samples(X)).all()
    assert np.mean(vae.score_samples(X, y)) > np.mean(vae.score_samples(X, np.roll(y, 1)))


def test_elbo_improves_with_training_and_iwae_is_tighter(blobs):
    short = VAEGenerator(**{**FAST, "max_iter": 1}).fit(blobs)
    long = VAEGenerator(**{**FAST, "max_iter": 100}).fit(blobs)
    assert long.score(blobs) > short.score(blobs) + 1.0
    iwae = VAEGenerator(**{**FAST, "max_iter": 100, "n_importance": 64}).fit(blobs)
    assert iwae.score(blobs) >= long.score(blobs) - 1e-6
    np.testing.assert_array_equal(long.score_samples(blobs), long.score_samples(blobs))


def test_kl_is_on_and_warms_up(blobs):
    vae = VAEGenerator(**{**FAST, "kl_warmup": 10, "max_iter": 12, "beta": 0.7}).fit(blobs)
    assert vae.net_.criterion_.kl_weight == pytest.approx(0.7)
    codes = vae.transform(blobs)
    # the KL term pulls codes towards the prior: means near 0, spread near 1
    assert np.abs(codes.mean(axis=0)).max() < 1.0
    assert codes.std(axis=0).max() < 3.0


def test_a_plateau_drops_the_learning_rate_twice_before_the_fit_stops(blobs):
    # blobs is far below max_rows_per_epoch: the drops are the VAE's own rule
    # tol=1e6 never counts as progress: without a KL warm-up epoch 1 is the
    # best, each later one a miss, so with a patience of 2 the drops come at 3
    # and 5, the stop at 7
    params = dict(early_stopping=True, n_iter_no_change=2, tol=1e6, learning_rate_init=1e-3)
    vae = VAEGenerator(**{**FAST, **params, "kl_warmup": 0}).fit(blobs)
    assert vae.n_iter_ == 7
    assert vae.net_.optimizer_.param_groups[0]["lr"] == pytest.approx(1e-3 * 0.2**2)
    # "auto" budget: twice the 300 epochs and patience 10 when the held-out
    # loss is watched, the defaults themselves when it is not
    auto = VAEGenerator(random_state=0)
    auto._early_stopping = True
    assert auto._stopping_budget(len(blobs)) == (600, 20, True)
    auto._early_stopping = False
    assert auto._stopping_budget(len(blobs)) == (300, 10, False)


def test_early_stopping_ignores_the_kl_warmup(blobs):
    # as above, with a warm-up of 5 epochs: none of them can be the best (whose
    # weights are kept) or a miss, so epoch 6, the first at the full KL weight,
    # is the best, the drops come at 8 and 10 and the stop at 12 (before this
    # rule: best 1, stop at 7, a model trained at a fifth of beta kept)
    params = dict(early_stopping=True, n_iter_no_change=2, tol=1e6, kl_warmup=5)
    vae = VAEGenerator(**{**FAST, **params, "warm_start": True}).fit(blobs)
    stopper = dict(vae.net_.callbacks_)["stopping"]
    assert stopper.best_epoch_ == 6
    assert vae.n_iter_ == 12
    # the warm-up is counted over the net's history, as the KL schedule counts
    # it: a warm-start refit has none left, so its first epoch is its best
    vae.fit(blobs)
    assert stopper.best_epoch_ == 13
    assert vae.n_iter_ == 19


def test_a_stopper_saved_before_the_warmup_rule_judges_every_epoch(blobs):
    params = dict(early_stopping=True, n_iter_no_change=2, tol=1e6, kl_warmup=5)
    vae = VAEGenerator(**{**FAST, **params, "warm_start": True}).fit(blobs)
    stopper = dict(vae.net_.callbacks_)["stopping"]
    del stopper.start  # as unpickled from before the rule
    vae.fit(blobs)
    assert stopper.best_epoch_ == 13
    assert vae.n_iter_ == 19


def test_grid_search_selects_without_labels(blobs):
    search = GridSearchCV(VAEGenerator(**FAST), {"n_components": [1, 3]}, cv=3).fit(blobs)
    assert search.best_params_["n_components"] in (1, 3)


def test_pickle_round_trip(mixed):
    vae = VAEGenerator(**FAST).fit(mixed)
    loaded = pickle.loads(pickle.dumps(vae))
    pd.testing.assert_frame_equal(loaded.sample(30, random_state=0), vae.sample(30, random_state=0))
    np.testing.assert_array_equal(loaded.score_samples(mixed), vae.score_samples(mixed))


def test_uncalibrated_marginals_are_narrower(blobs):
    plain = VAEGenerator(**{**FAST, "calibrate_marginals": False}).fit(blobs)
    calibrated = VAEGenerator(**FAST).fit(blobs)
    assert plain.marginal_quantiles_ is None
    spread = blobs.std(axis=0)
    ratio_plain = np.mean(plain.sample(2000, random_state=0).std(axis=0) / spread)
    ratio_calibrated = np.mean(calibrated.sample(2000, random_state=0).std(axis=0) / spread)
    assert abs(ratio_calibrated - 1) < abs(ratio_plain - 1) + 1e-9
    assert abs(ratio_calibrated - 1) < 0.15


def test_bad_input_is_named(mixed, rng):
    vae = VAEGenerator(**FAST)
    with pytest.raises(Exception, match="not fitted"):
        vae.sample(3)
    vae.fit(mixed)
    unseen = mixed.head(3).copy()
    unseen["city"] = "tokyo"
    with pytest.raises(ValueError, match="city.*tokyo|tokyo.*city"):
        vae.transform(unseen)
    wrong = mixed.head(3).copy()
    wrong["height"] = "tall"
    with pytest.raises(ValueError, match="height"):
        vae.transform(wrong)
    with pytest.raises(ValueError, match="feature"):
        vae.transform(mixed.iloc[:, :3])
    with pytest.raises(ValueError, match="n_samples"):
        vae.sample(0)
    with pytest.raises(ValueError, match="without y"):
        vae.sample(3, y="a")
    with pytest.raises(TypeError, match="date"):
        VAEGenerator(**FAST).fit(pd.DataFrame({"when": pd.date_range("2020", periods=5)}))
    with pytest.raises(TypeError, match="date and time"):
        VAEGenerator(**FAST).fit(pd.DataFrame({"wait": pd.to_timedelta(np.arange(5), unit="D")}))
    conditional = VAEGenerator(**FAST).fit(mixed[["height", "children"]], mixed["city"])
    with pytest.raises(ValueError, match="fitted classes"):
        conditional.sample(3, y="tokyo")
    with pytest.raises(ValueError, match="conditional"):
        conditional.inverse_transform(np.zeros((2, conditional.n_components_)))
    with pytest.raises(ValueError, match="continuous"):
        VAEGenerator(**FAST).fit(mixed[["height"]], rng.normal(size=len(mixed)))
    # fitted on a numeric array, text is named, with the way to model it
    numeric = VAEGenerator(**FAST).fit(rng.normal(size=(20, 2)))
    with pytest.raises(ValueError, match="not numeric: 1 .*fit it on one"):
        numeric.transform(np.array([["1.0", "tall"]]))


def test_pruned_calibration_knots_change_no_value():
    from sklearn_ae._tabular import pruned_knots

    rng = np.random.RandomState(0)
    generated = np.sort(rng.normal(size=400))
    observed = np.sort(np.round(rng.normal(size=400)))  # runs of repeated values
    x, y = pruned_knots(generated, observed)
    assert len(x) < 40  # two knots per run, not the grid
    queries = np.r_[rng.normal(scale=3, size=5000), generated]
    np.testing.assert_array_equal(np.interp(queries, x, y), np.interp(queries, generated, observed))


def test_run_starts_round_trip():
    from sklearn_ae._tabular import from_run_starts, run_starts

    rng = np.random.RandomState(0)
    table = np.column_stack([np.sort(rng.randint(0, 5, 300)), np.sort(rng.normal(size=300))])
    runs = run_starts(table.astype(float))
    assert runs[0][0] is not None and len(runs[0][1]) == 5
    assert runs[1][0] is None  # no repeats: kept whole
    np.testing.assert_array_equal(from_run_starts(runs, 300), table)


def test_a_model_saved_with_whole_calibration_grids_still_samples():
    # models saved before the grids were pruned hold two (n_grid, n_numeric) arrays
    from sklearn.datasets import load_wine

    X = load_wine().data[:, :4]
    vae = VAEGenerator(max_iter=2, random_state=0).fit(X)
    grid = np.linspace(-3, 3, 50)
    whole = (np.column_stack([grid] * 4), np.column_stack([np.round(grid)] * 4))
    vae.marginal_quantiles_ = whole
    legacy = vae.sample(200, random_state=0)
    vae.marginal_quantiles_ = [
        pruned_knots(g, o) for g, o in zip(whole[0].T, whole[1].T, strict=True)
    ]
    np.testing.assert_array_equal(vae.sample(200, random_state=0), legacy)


def test_sample_draws_codes_from_the_gaussian_of_the_training_codes(mixed):
    vae = VAEGenerator(**FAST).fit(mixed)
    standard = VAEGenerator(**FAST, latent_prior="standard").fit(mixed)
    # training is the same either way; only the sampler differs
    np.testing.assert_array_equal(vae.transform(mixed), standard.transform(mixed))
    assert standard.latent_mean_ is None and standard.latent_chol_ is None
    # the moments of the training rows' posteriors: the mean and spread of
    # their means, plus their average (diagonal) variance
    codes = vae.transform(mixed)
    np.testing.assert_allclose(vae.latent_mean_, codes.mean(axis=0), atol=1e-5)
    extra = vae.latent_chol_ @ vae.latent_chol_.T - np.cov(codes.T)
    np.testing.assert_allclose(extra, np.diag(np.diag(extra)), atol=1e-4)
    assert (np.diag(extra) > 1e-3).all()
    assert not vae.sample(50, random_state=0).equals(standard.sample(50, random_state=0))
    # sample draws from those moments: moving them moves the rows
    before = vae.sample(200, random_state=0)
    vae.latent_mean_ = vae.latent_mean_ + 3.0
    assert (vae.sample(200, random_state=0)["height"] != before["height"]).mean() > 0.9
    # and with no fitted gaussian (a model saved before it existed) the prior is used
    standard_rows = standard.sample(50, random_state=0)
    vae.latent_mean_ = vae.latent_chol_ = None
    vae.marginal_quantiles_, vae.category_offsets_ = (
        standard.marginal_quantiles_,
        standard.category_offsets_,
    )
    pd.testing.assert_frame_equal(vae.sample(50, random_state=0), standard_rows)


def test_aggregate_prior_is_closer_to_the_training_codes_than_the_standard_prior(rng):
    # two informative directions: the posteriors' means spread less than the
    # prior, so N(0, I) draws reach codes no training row maps to
    X = rng.normal(size=(400, 2)) @ rng.normal(size=(2, 6)) + 0.05 * rng.normal(size=(400, 6))
    vae = VAEGenerator(**{**FAST, "max_iter": 100, "n_components": 4}).fit(X)
    codes = vae.transform(X)
    fitted = vae.latent_chol_ @ vae.latent_chol_.T
    assert np.linalg.norm(fitted - np.cov(codes.T)) < np.linalg.norm(np.eye(4) - np.cov(codes.T))


def test_float_columns_come_back_in_their_training_precision(rng):
    n = 300
    table = pd.DataFrame(
        {
            "rating": rng.randint(2, 11, n) / 2.0,  # 1.0, 1.5, ..., 5.0
            "price": np.round(rng.lognormal(3, 0.5, n), 2),  # cents
            "flag": rng.randint(0, 2, n).astype(float),  # 0.0 / 1.0
            "measure": rng.normal(size=n),  # full float precision: left alone
        }
    )
    model = VAEGenerator(**FAST).fit(table)
    assert [s.decimals for s in model.scaler_.columns_] == [1, 2, 0, None]
    synthetic = model.sample(500, random_state=0)
    assert set(synthetic["flag"]) <= {0.0, 1.0}
    np.testing.assert_array_equal(synthetic["price"], np.round(synthetic["price"], 2))
    np.testing.assert_array_equal(synthetic["rating"], np.round(synthetic["rating"], 1))
    assert synthetic["price"].nunique() > 100  # rounded, not collapsed onto a few values
    assert not np.array_equal(synthetic["measure"], np.round(synthetic["measure"], 6))
    for column in ("rating", "price", "flag", "measure"):
        assert synthetic[column].dtype == np.float64


def _agreeing_flags(rng, n=400):
    """Six correlated numeric columns and two binary columns that agree on 92% of rows."""
    numeric = rng.normal(size=(n, 2)) @ rng.normal(size=(2, 6)) + 0.1 * rng.normal(size=(n, 6))
    table = pd.DataFrame(numeric, columns=[f"x{i}" for i in range(6)])
    first = rng.uniform(size=n) < 0.3
    second = np.where(rng.uniform(size=n) < 0.92, first, ~first)
    table["before"] = np.where(first, "yes", "no")
    table["after"] = np.where(second, "yes", "no")
    return table


def test_sample_keeps_the_dependence_between_categories_beside_numeric_columns(rng):
    # the numeric columns' gaussian terms (learned scales ~0.1) pull on the
    # network ~70 times as hard as a cross-entropy: unweighted, the code
    # carried nothing of the flags and they came out independent (agreement
    # 0.3**2 + 0.7**2 = 0.58)
    table = _agreeing_flags(rng)
    params = dict(hidden_layer_sizes=(64,), batch_size=50, max_iter=100, early_stopping=False)
    vae = VAEGenerator(**{**FAST, **params}).fit(table)
    synthetic = vae.sample(2000, random_state=0)
    assert (table["before"] == table["after"]).mean() > 0.9
    assert (synthetic["before"] == synthetic["after"]).mean() > 0.8
    assert abs((synthetic["before"] == "yes").mean() - 0.3) < 0.05


def test_categories_are_weighted_in_training_and_held_out_rows_get_the_elbo():
    import torch

    from sklearn_ae._net import ELBOLoss

    torch.manual_seed(0)
    raw = torch.randn(5, 4)
    target = torch.cat([torch.randn(5, 2), torch.eye(2)[[0, 1, 1, 0, 1]]], 1)
    mean, logvar, sigma = torch.randn(5, 3), torch.randn(5, 3), torch.tensor([0.1, 0.2])
    loss = ELBOLoss(2, [(2, 4)], beta=1.0, category_balance=1.0)
    loss.kl_weight = 1.0
    outputs = (raw, mean, logvar, sigma)
    elbo = (loss.log_likelihood(raw, target, None, sigma) - loss.kl(mean, logvar)).mean()
    assert torch.isclose(loss(outputs, target, training=False), -elbo)
    weight = 1 / sigma.square().mean()  # 40
    assert torch.isclose(loss.category_weight(sigma), weight)
    categorical = (torch.log_softmax(raw[:, 2:], 1) * target[:, 2:]).sum(1).mean()
    expected = -elbo - (weight - 1) * categorical
    assert torch.isclose(loss(outputs, target, training=True), expected)
    assert ELBOLoss(2, [(2, 4)], category_balance=0.0).category_weight(sigma) == 1.0
    assert ELBOLoss(0, [(0, 2)], category_balance=1.0).category_weight(sigma[:0]) == 1.0


def test_two_valued_numeric_columns_are_categories_of_their_two_values(rng):
    from sklearn_ae._tabular import TableCodec

    n = 200
    table = pd.DataFrame(
        {
            "price": rng.normal(size=n),
            "shown": rng.randint(0, 2, n).astype(np.int64),  # 0/1
            "rate": np.where(rng.uniform(size=n) < 0.5, 2.5, 7.5),  # two floats
            "visits": pd.array(rng.randint(0, 2, n), dtype="Int64"),
        }
    )
    table.loc[:9, "visits"] = pd.NA
    codec = TableCodec().fit(table)
    assert [s.name for s in codec.numeric_] == ["price"]
    assert [s.levels for s in codec.columns_] == [None, [0.0, 1.0], [2.5, 7.5], [0.0, 1.0]]
    encoded = codec.transform(table)
    assert encoded.shape == (n, 1 + 2 + 2 + 3)  # "visits": 0, 1 and missing
    choices = [encoded[:, start:stop].argmax(1) for _, _, start, stop in codec.blocks_]
    back = codec.decode(encoded[:, :1], choices)
    pd.testing.assert_frame_equal(back.drop(columns="price"), table.drop(columns="price"))
    # a value between the levels goes to the nearer one
    other = table.iloc[:3].copy()
    other["rate"] = [3.0, 6.0, 5.1]
    assert (codec.transform(other)[:, 3:5].argmax(1) == [0, 1, 1]).all()
    # bad input is named, as for any numeric column
    with pytest.raises(ValueError, match="'shown' was numeric in fit"):
        codec.transform(other.assign(shown=["a", "b", "c"]))
    with pytest.raises(ValueError, match="'shown' has missing values, but had none"):
        codec.transform(other.assign(shown=[0.0, np.nan, 1.0]))
    with pytest.raises(ValueError, match="'rate' contains infinity"):
        codec.transform(other.assign(rate=[np.inf, 2.5, 7.5]))


def test_a_point_mass_at_a_columns_end_is_a_category_of_its_own(rng):
    from sklearn_ae._tabular import SPIKE, TableCodec

    n = 200
    table = pd.DataFrame(
        {
            "visits": np.where(rng.uniform(size=n) < 0.4, 0, rng.randint(1, 9, n)),
            "rating": np.where(rng.uniform(size=n) < 0.3, 5.0, rng.choice([1.0, 2.0, 3.0, 4.0], n)),
            # 40% at an inner value, and a tenth at the smallest: no spike
            "score": np.where(rng.uniform(size=n) < 0.4, 3, rng.randint(0, 7, n)),
            "sparse": np.where(np.arange(n) < n * 0.25 - 1, 0.0, rng.uniform(1, 2, n)),
        }
    )
    table.loc[:4, "visits"] = np.nan
    assert all(s.spike is None for s in TableCodec().fit(table).columns_)  # off by default
    codec = TableCodec(spike_share=0.25).fit(table)
    assert [s.spike for s in codec.columns_] == [0.0, 5.0, None, None]
    assert [(s.name, kind) for s, kind, _, _ in codec.blocks_] == [
        ("visits", True),  # missing
        ("visits", SPIKE),
        ("rating", SPIKE),
    ]
    assert codec.spike_blocks_ == {0: 1, 1: 2}
    assert codec.has_missing_numeric_  # the network masks the spike rows
    encoded = codec.transform(table)
    at_spike = (table["visits"] == 0).to_numpy()
    # the spike rows leave the column's gaussian: NaN, as a missing entry
    assert np.isnan(encoded[:, 0]).sum() == at_spike.sum() + 5
    assert not np.isnan(encoded[~at_spike & table["visits"].notna().to_numpy(), 0]).any()
    _, _, start, stop = codec.blocks_[1]
    np.testing.assert_array_equal(encoded[:, start + 1], at_spike)
    np.testing.assert_array_equal(encoded[:, start], ~at_spike & table["visits"].notna())
    # the privacy filter's Gower distance counts the column once, by its number
    embedded = _privacy.embed(codec, table, *_privacy.numeric_range(codec, table))
    assert embedded.shape == encoded.shape
    assert not embedded[:, start:stop].any()
    # decoding the encoded rows gives the table back
    numeric = np.nan_to_num(encoded[:, :4])
    choices = [encoded[:, a:b].argmax(1) for _, _, a, b in codec.blocks_]
    back = codec.decode(numeric, choices)
    pd.testing.assert_frame_equal(back[["visits", "rating"]], table[["visits", "rating"]])
    # and encoding them again in normal space (the sampler's chain) gives the
    # matrix back: NaN at the missing and the spike rows
    np.testing.assert_array_equal(codec.encoded(numeric, choices), encoded)


def test_sampled_values_off_the_spike_follow_the_training_ones(rng):
    # the marginal calibration matches the rows decoded off the spike to the
    # training rows off it (not every decoded row's number)
    n = 500
    group = rng.choice(["x", "y"], n, p=[0.4, 0.6])
    income = np.where(group == "x", 0.0, np.round(np.exp(rng.normal(3, 0.5, n)), 2))
    X = pd.DataFrame({"a": rng.normal(size=n), "income": income, "group": group})
    vae = VAEGenerator(**FAST, spike_share=0.25).fit(X)
    assert vae.scaler_.spike_blocks_ == {1: 1}
    rows = vae.sample(4000, random_state=0)
    assert abs((rows["income"] == 0).mean() - (income == 0).mean()) < 0.03
    quantiles = [0.1, 0.5, 0.9]
    np.testing.assert_allclose(
        np.quantile(rows["income"][rows["income"] > 0], quantiles),
        np.quantile(income[income > 0], quantiles),
        rtol=0.04,
    )


def test_categories_that_read_the_numbers_follow_them_in_sampling_and_scoring(rng, monkeypatch):
    # categories_read_numbers: a network beside the code adds what the row's
    # numbers say to each categorical logit. Its weights are set by hand here
    # so that "hi" is the category exactly where ``a`` is above its median
    # (normal score above 0)
    import torch

    from sklearn_ae import _vae

    monkeypatch.setattr(_vae, "READ_NUMBERS_HIDDEN", ())  # a linear map
    n = 300
    X = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n)})
    X.loc[:19, "b"] = np.nan  # a missing block, chosen before the head reads
    X["level"] = rng.choice(["hi", "lo"], n)  # independent of a in training
    vae = VAEGenerator(**FAST, categories_read_numbers=True).fit(X)
    module = vae.net_.module_
    assert module.category_stop == 4  # after the numbers a and b: the level's block
    with torch.no_grad():
        (head,) = [m for m in module.category_head if isinstance(m, torch.nn.Linear)]
        head.weight.zero_(), head.bias.zero_()
        head.weight[0, 0], head.weight[1, 0] = 50.0, -50.0
    rows = vae.sample(2000, random_state=0)
    above = rows["a"] > np.median(X["a"])
    assert ((rows["level"] == "hi") == above).mean() > 0.97
    assert rows["b"].isna().any()
    # the likelihood bound reads the numbers too
    agree = X.assign(level=np.where(X["a"] > np.median(X["a"]), "hi", "lo"))
    disagree = agree.assign(level=np.where(agree["level"] == "hi", "lo", "hi"))
    assert (vae.score_samples(agree) > vae.score_samples(disagree) + 5).mean() > 0.9
    # the numeric outputs are the code's alone
    x = torch.as_tensor(vae._scale(X[:5]), dtype=torch.float32)
    raw = module.decode(torch.zeros(5, vae.n_components_))
    read = module.read_numbers(raw, torch.nan_to_num(x))
    torch.testing.assert_close(read[:, :2], raw[:, :2])
    torch.testing.assert_close(read[:, 4:], raw[:, 4:])


@pytest.mark.parametrize(
    "n, setting, columns, reads",
    [
        (199, "auto", "mixed", False),  # "auto": from 200 rows
        (200, "auto", "mixed", True),
        (300, False, "mixed", False),
        (120, True, "mixed", True),
        (300, True, "numbers", False),  # nothing to read them: no category
        (300, True, "categories", False),  # nothing to read
    ],
)
def test_categories_read_the_numbers_from_200_rows_by_default(n, setting, columns, reads, rng):
    X = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n)})
    X["g"] = rng.choice(["x", "y", "z"], n)
    X["h"] = rng.choice(["u", "v"], n)
    X = {"numbers": X[["a", "b"]], "categories": X[["g", "h"]]}.get(columns, X)
    vae = VAEGenerator(**{**FAST, "max_iter": 2}, categories_read_numbers=setting).fit(X)
    head = vae.net_.module_.category_head
    assert (head is not None) == reads
    if reads:  # both categorical blocks, not the numbers
        assert (vae.net_.module_.n_numeric, vae.net_.module_.category_stop) == (2, 7)
    assert len(vae.sample(5, random_state=0)) == 5


def test_categories_read_numbers_is_validated():
    with pytest.raises(ValueError, match="categories_read_numbers"):
        VAEGenerator(categories_read_numbers="yes").fit(np.zeros((10, 2)))


# ----------------------------------------------------------- privacy filter
def _memorizing(rng):
    """A VAE trained to follow its 60 training rows closely (no dropout, light KL)."""
    X = pd.DataFrame(rng.normal(size=(60, 6)), columns=list("abcdef"))
    X["g"] = rng.choice(["x", "y"], 60)
    params = dict(hidden_layer_sizes=(64, 64), dropout=0.0, beta=0.05, max_iter=200)
    return X, VAEGenerator(**params, random_state=0, device="cpu").fit(X)


def _band_shares(vae, rows):
    band = vae._privacy_bands(rows, np.random.RandomState(0))
    return np.bincount(band, minlength=_privacy.BANDS) / len(band)


def test_unseen_real_rows_fall_evenly_into_the_distance_bands(rng):
    # the reference (each training row's distance to its nearest other one)
    # stands for an unseen row's distance to the training rows
    X = pd.DataFrame(rng.normal(size=(1000, 4)), columns=list("abcd"))
    X["g"] = rng.choice(["x", "y", "z"], 1000)
    vae = VAEGenerator(**{**FAST, "max_iter": 5}).fit(X)
    unseen = pd.DataFrame(rng.normal(size=(5000, 4)), columns=list("abcd"))
    unseen["g"] = rng.choice(["x", "y", "z"], 5000)
    shares = _band_shares(vae, unseen)
    np.testing.assert_allclose(shares, 0.1, atol=0.035)
    assert abs(shares[:5].sum() - 0.5) < 0.04
    # training rows themselves are at distance 0: all in the closest band
    assert _band_shares(vae, X)[0] == 1.0


def test_privacy_filter_thins_rows_closer_to_training_rows_than_unseen_ones(rng):
    X, vae = _memorizing(rng)
    unfiltered = clone(vae).set_params(privacy_filter=False).fit(X)
    assert unfiltered.privacy_rows_ is None and unfiltered.privacy_keep_ is None
    before = _band_shares(vae, unfiltered.sample(3000, random_state=1))
    after = _band_shares(vae, vae.sample(3000, random_state=1))
    # unfiltered, the closest fifth of distances holds 39% of the rows (real: 20%)
    assert before[:2].sum() > 0.3
    assert after[:2].sum() < 0.24
    assert (vae.privacy_keep_[:2] < 0.5).all() and (vae.privacy_keep_[5:] == 1).all()
    # the farther half is never thinned: its share only grows
    assert after[5:].sum() > before[5:].sum()


def test_band_keep_rates_cap_each_closer_band_among_the_rows_kept():
    share = np.array([0.3, 0.2, 0.1, 0.05, 0.05, 0.1, 0.1, 0.05, 0.03, 0.02])
    band = np.repeat(np.arange(10), (share * 10_000).astype(int))
    keep, rate = _privacy.keep_probabilities(band)
    kept = share * keep / rate
    assert np.isclose(rate, np.sum(share * keep))
    assert (kept[:5] <= 0.1 + 1e-9).all() and np.isclose(kept[0], 0.1)
    # band 2 holds 10% before thinning, more than its share after
    assert (keep[5:] == 1).all() and (keep[3:5] == 1).all() and keep[2] < 1
    # nothing to thin where the rows are as far as real ones
    keep, rate = _privacy.keep_probabilities(np.repeat(np.arange(10), 100))
    assert (keep == 1).all() and rate == 1
    # every drawn row nearer than the closest tenth of unseen rows: no cap
    # among the rows kept is reachable, so a tenth of the draws is kept
    keep, rate = _privacy.keep_probabilities(np.zeros(1000, dtype=int))
    assert np.isclose(rate, _privacy.MIN_KEPT) and np.isclose(keep[0], _privacy.MIN_KEPT)


def test_a_cut_drops_the_closest_bands_whole_and_caps_the_rest():
    share = np.array([0.3, 0.2, 0.1, 0.05, 0.05, 0.1, 0.1, 0.05, 0.03, 0.02])
    band = np.repeat(np.arange(10), (share * 10_000).astype(int))
    keep, rate = _privacy.keep_probabilities(band, cut=1)
    kept = share * keep / rate
    assert keep[0] == 0 and np.isclose(rate, np.sum(share * keep))
    # among the rows left, band 1 (20% of the draws) is capped at a tenth
    assert np.isclose(kept[1], 0.1) and (kept[1:5] <= 0.1 + 1e-9).all()
    assert (keep[5:] == 1).all()
    # the cap alone keeps some of the closest band
    assert _privacy.keep_probabilities(band)[0][0] > 0
    # where the cut would keep under a tenth of the draws, the cap alone rules
    nearly_all_close = np.r_[np.zeros(950, dtype=int), np.arange(50) % 10]
    np.testing.assert_array_equal(
        _privacy.keep_probabilities(nearly_all_close, cut=1)[0],
        _privacy.keep_probabilities(nearly_all_close)[0],
    )


def test_small_tables_hold_rows_to_their_nearest_training_rows_spacing(rng, monkeypatch):
    X, vae = _memorizing(rng)  # 60 rows: under _privacy.SMALL_TABLE_ROWS
    assert vae.privacy_spacing_.shape == (60,)
    # the closest fifth of ratios is dropped whole, the rest capped
    assert (vae.privacy_keep_[:2] == 0).all()
    assert (_band_shares(vae, vae.sample(2000, random_state=1))[:2] == 0).all()
    # a copy of a training row sits at ratio 0; each row's spacing is its
    # distance to its nearest other training row
    rows = vae._privacy_embed(X)
    spacing = vae.privacy_spacing_
    np.testing.assert_allclose(_privacy.local_ratio(rows, spacing, rows), 0, atol=1e-6)
    nearest_other = _privacy.nearest(rows, rows, k=2)
    np.testing.assert_allclose(nearest_other, spacing)
    # from SMALL_TABLE_ROWS rows on, distances against every row's: the
    # closest band is capped, not dropped
    monkeypatch.setattr(_privacy, "SMALL_TABLE_ROWS", 60)
    larger = clone(vae).fit(X)
    assert larger.privacy_spacing_ is None
    assert 0 < larger.privacy_keep_[0] < 1
    assert _band_shares(larger, larger.sample(2000, random_state=1))[0] > 0.02


def test_unseen_rows_fall_evenly_into_a_small_tables_ratio_bands(rng):
    # the training rows' own ratios (a row, its neighbour, the neighbour's
    # neighbour) stand for an unseen row's ratio to its nearest training row
    X = pd.DataFrame(rng.normal(size=(150, 4)), columns=list("abcd"))
    vae = VAEGenerator(**{**FAST, "max_iter": 5}).fit(X)
    unseen = pd.DataFrame(rng.normal(size=(20_000, 4)), columns=list("abcd"))
    shares = _band_shares(vae, unseen)  # bands of 15 reference ratios each
    np.testing.assert_allclose(shares, 0.1, atol=0.06)
    assert abs(shares[:2].sum() - 0.2) < 0.05


def test_two_training_rows_still_sample():
    # every drawn row lies nearer to one of them than they lie to each other
    vae = VAEGenerator(**{**FAST, "max_iter": 5}).fit(np.array([[1.0, 2.0], [3.0, 4.0]]))
    assert vae.privacy_keep_[0] < 1
    assert vae.sample(20, random_state=0).shape == (20, 2)


def test_filtered_sampling_is_reproducible_and_keeps_conditional_classes(rng):
    X, vae = _memorizing(rng)
    a, b = vae.sample(50, random_state=3), vae.sample(50, random_state=3)
    pd.testing.assert_frame_equal(a, b)
    assert len(a) == 50 and list(a.columns) == list(X.columns)
    y = np.where(X["a"] > 0, "up", "down")
    conditional = VAEGenerator(**FAST).fit(X, y)
    assert conditional.privacy_keep_ is not None
    labels = np.array(["up", "down"] * 100)
    rows = conditional.sample(200, y=labels, random_state=0)
    clf = LogisticRegression().fit(X[list("abcdef")], y)
    assert (clf.predict(rows[list("abcdef")]) == labels).mean() >= 0.75


def test_filtered_sampling_draws_in_bounded_rounds_when_few_rows_are_kept(rng, monkeypatch):
    X, vae = _memorizing(rng)
    # a model whose rows are nearly all thinned
    vae.privacy_keep_ = np.full(10, 0.01)
    vae._privacy_rate = 0.001
    monkeypatch.setattr(_privacy, "MAX_DRAWS", 5000)
    sizes = []
    draw_rows = VAEGenerator._draw_rows

    def spy(self, n_samples, y_codes, rng):
        sizes.append(n_samples)
        return draw_rows(self, n_samples, y_codes, rng)

    monkeypatch.setattr(VAEGenerator, "_draw_rows", spy)
    rows = vae.sample(100, random_state=0)
    assert len(rows) == 100 and not rows.isna().any().any()
    assert max(sizes) <= 5000 and len(sizes) > 1


@pytest.mark.parametrize(
    "n, params, probes",
    [
        (120, {}, True),  # too few rows to hold 20 out: a first fit chooses the length
        (49, {}, False),  # under 50 rows: the training loss decides
        (200, {}, False),  # 20 rows held out: early stopping itself
        (120, {"max_iter": 30}, False),  # a budget given
        (120, {"early_stopping": False}, False),
    ],
)
def test_small_tables_train_for_a_length_held_out_rows_chose(n, params, probes, rng, monkeypatch):
    X = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n)})
    X["g"] = np.where(X["a"] + rng.normal(size=n) > 0, "x", "y")
    fits = []
    train = VAEGenerator._fit

    def counted(self, *args, **kwargs):
        fits.append((self.early_stopping, self.validation_fraction, self.max_iter))
        return train(self, *args, **kwargs)

    monkeypatch.setattr(VAEGenerator, "_fit", counted)
    small = {"hidden_layer_sizes": (16,), "random_state": 0, "kl_warmup": 5, **params}
    vae = VAEGenerator(**small).fit(X)
    recorded = list(fits)
    assert len(recorded) == (2 if probes else 1)
    assert vae.get_params()["max_iter"] == small.get("max_iter", "auto")  # params untouched
    if not probes:
        return
    # the first fit holds a fifth out; the model is trained on every row for its best epochs
    probe = VAEGenerator(**small, early_stopping=True, validation_fraction=0.2).fit(X)
    best = dict(probe.net_.callbacks_)["stopping"].best_epoch_
    assert recorded == [(True, 0.2, "auto"), (False, 0.1, best)]
    assert vae.n_iter_ == best < len(probe.net_.history)
    assert vae.validation_scores_ is None and not vae._early_stopping


def test_nullable_float_columns_come_back_nullable(rng):
    # pandas' nullable Float64 (as DataFrame.convert_dtypes gives), with <NA>
    n = 200
    X = pd.DataFrame(
        {
            "a": rng.normal(size=n),
            "b": rng.normal(size=n).astype(np.float32),
            "score": pd.array(
                np.where(rng.uniform(size=n) < 0.15, None, rng.normal(size=n)), "Float64"
            ),
        }
    )
    vae = VAEGenerator(**FAST).fit(X)
    synthetic = vae.sample(400, random_state=0)
    assert synthetic.dtypes.equals(X.dtypes)
    assert synthetic["score"].isna().any() and synthetic["a"].notna().all()
    assert synthetic["score"].isna().mean() == pytest.approx(X["score"].isna().mean(), abs=0.08)
    assert vae.inverse_transform(vae.transform(X)).dtypes.equals(X.dtypes)
