"""Behaviour of AEOutlierDetector: the outlier contract, scores and explanations."""

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_ae import AEOutlierDetector
from sklearn_ae._net import ReconstructionLoss

FAST = dict(hidden_layer_sizes=(16,), max_iter=15, random_state=0, device="cpu")
RULES = ["neighbors", "latent", "latent+neighbors"]


def manifold(rng, n, noise=0.05):
    """Rows on a curved 1-D manifold in 6-D, columns of mixed scale."""
    t = rng.uniform(-2, 2, size=n)
    X = np.column_stack([t, t**2, np.sin(2 * t), np.cos(t), t**3 / 4, 2 * t])
    X += noise * rng.normal(size=X.shape)
    return X * np.array([1, 10, 1, 100, 1, 0.1])


@pytest.fixture
def labelled(rng):
    """400 inliers on a manifold and 20 outliers off it; y = 1 for outliers."""
    inliers = manifold(rng, 400)
    lo, hi = inliers.min(axis=0), inliers.max(axis=0)
    outliers = rng.uniform(lo, hi, size=(20, 6))
    X = np.vstack([inliers, outliers])
    y = np.r_[np.zeros(400, int), np.ones(20, int)]
    return X, y


def auc(detector, X, y):
    return roc_auc_score(y, -detector.score_samples(X))


def test_outliers_score_lower_and_roc_auc_floor(labelled):
    X, y = labelled
    detector = AEOutlierDetector(random_state=0, device="cpu").fit(X)
    assert auc(detector, X, y) > 0.9


def test_contract_sign_offset_and_labels(labelled):
    X, _ = labelled
    detector = AEOutlierDetector(contamination=0.05, **FAST).fit(X)
    scores = detector.score_samples(X)
    np.testing.assert_allclose(detector.decision_function(X), scores - detector.offset_)
    labels = detector.predict(X)
    assert labels.dtype.kind == "i"
    assert set(np.unique(labels)) == {-1, 1}
    np.testing.assert_array_equal(labels == -1, detector.decision_function(X) < 0)
    np.testing.assert_array_equal(detector.fit_predict(X), labels)


@pytest.mark.parametrize("distance", RULES)
@pytest.mark.parametrize("contamination", [0.01, 0.1, 0.25, 0.5])
def test_float_contamination_flags_that_share_of_training_rows(labelled, contamination, distance):
    X, _ = labelled
    detector = AEOutlierDetector(contamination=contamination, distance=distance, **FAST).fit(X)
    share = np.mean(detector.predict(X) == -1)
    assert abs(share - contamination) <= 1.0 / len(X)
    expected = np.percentile(detector.score_samples(X), 100 * contamination)
    assert detector.offset_ == pytest.approx(expected, rel=1e-9, abs=1e-9)


def test_auto_contamination_flags_clear_outliers_only(rng):
    X = rng.normal(size=(300, 4))
    X_out = np.vstack([X, [[10, -10, 10, -10], [-9, 9, 9, -9]]])
    detector = AEOutlierDetector(**FAST).fit(X_out)
    labels = detector.predict(X_out)
    assert (labels[-2:] == -1).all()
    assert np.mean(labels[:-2] == -1) < 0.05


def test_scores_are_deterministic_and_seeded(labelled):
    X, _ = labelled
    a = AEOutlierDetector(**FAST).fit(X)
    b = AEOutlierDetector(**FAST).fit(X)
    np.testing.assert_array_equal(a.score_samples(X), a.score_samples(X))
    np.testing.assert_array_equal(a.score_samples(X), b.score_samples(X))
    c = AEOutlierDetector(**{**FAST, "random_state": 1}).fit(X)
    assert not np.array_equal(a.score_samples(X), c.score_samples(X))


def test_novelty_use_fit_on_clean_score_new(rng):
    clean = manifold(rng, 400)
    new_inliers = manifold(rng, 100)
    new_outliers = manifold(rng, 10) + np.array([3, 30, 3, 300, 3, 0.3])
    detector = AEOutlierDetector(random_state=0, device="cpu").fit(clean)
    X_new = np.vstack([new_inliers, new_outliers])
    y_new = np.r_[np.zeros(100), np.ones(10)]
    assert auc(detector, X_new, y_new) > 0.95
    assert np.mean(detector.predict(new_outliers) == -1) >= 0.9


def test_constant_feature_does_not_blow_up_scores(labelled):
    X, y = labelled
    noise = np.random.RandomState(1).normal(size=len(X))
    with_constant = np.column_stack([X, 3.7 + 1e-9 * noise])  # constant up to rounding
    detector = AEOutlierDetector(**FAST).fit(with_constant)
    scores = detector.score_samples(with_constant)
    assert np.isfinite(scores).all()
    # a typical row scores about 0; PyOD's standardization gives ~1e6 here
    assert np.median(scores) > -10
    assert scores.min() > -1e4
    # the ranking is the one the detector finds without the column
    without = auc(AEOutlierDetector(**FAST).fit(X), X, y)
    assert without > 0.75
    # (the scaler without its guards makes the column unit noise: 0.760 vs 0.790)
    assert auc(detector, with_constant, y) > without - 0.015


@pytest.mark.parametrize("n_features, size", [(1, 1), (2, 1), (6, 5), (21, 10), (100, 20)])
def test_default_code_is_twice_the_square_root_below_the_feature_count(rng, n_features, size):
    # chosen on the tuning halves (benchmarks/tune_outliers.py, code_double);
    # the other estimators keep their own defaults
    X = rng.normal(size=(40, n_features))
    assert AEOutlierDetector(max_iter=1, random_state=0).fit(X).n_components_ == size
    fixed = AEOutlierDetector(n_components=1, max_iter=1, random_state=0).fit(X)
    assert fixed.n_components_ == 1


def test_no_convergence_warning_at_the_epoch_budget(labelled):
    X, _ = labelled
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        AEOutlierDetector(**{**FAST, "max_iter": 2}).fit(X)


@pytest.mark.parametrize("distance", RULES)
@pytest.mark.parametrize("n_samples, n_features", [(1, 1), (2, 3), (5, 1), (7, 12)])
def test_tiny_data(rng, n_samples, n_features, distance):
    X = rng.normal(size=(n_samples, n_features))
    detector = AEOutlierDetector(distance=distance, **FAST).fit(X)
    scores = detector.score_samples(X)
    assert scores.shape == (n_samples,)
    assert np.isfinite(scores).all()
    assert set(detector.predict(X)) <= {-1, 1}


def test_pickle_round_trip_keeps_scores(labelled):
    X, _ = labelled
    detector = AEOutlierDetector(**FAST).fit(X)
    loaded = pickle.loads(pickle.dumps(detector))
    np.testing.assert_array_equal(loaded.score_samples(X), detector.score_samples(X))
    np.testing.assert_array_equal(loaded.predict(X), detector.predict(X))


@pytest.mark.parametrize("distance", RULES)
def test_explain_shares_sum_to_one_and_name_the_culprit(labelled, distance):
    X, _ = labelled
    columns = ["a", "b", "c", "d", "e", "f"]
    df = pd.DataFrame(X, columns=columns, index=np.arange(len(X)) + 100)
    detector = AEOutlierDetector(distance=distance, **FAST).fit(df)
    row = df.iloc[:5].copy()
    row["d"] += 10 * df["d"].std()  # push one feature far off the manifold
    shares = detector.explain(row)
    assert isinstance(shares, pd.DataFrame)
    assert list(shares.columns) == columns
    assert list(shares.index) == list(row.index)
    np.testing.assert_allclose(shares.sum(axis=1), 1.0)
    assert (shares >= 0).all().all()
    others = [c for c in columns if c != "d"]
    assert (shares["d"] > 3 * shares[others].max(axis=1)).all()


def test_explain_without_column_names_returns_an_array(labelled):
    X, _ = labelled
    detector = AEOutlierDetector(**FAST).fit(X)
    shares = detector.explain(X[:4])
    assert isinstance(shares, np.ndarray)
    assert shares.shape == (4, X.shape[1])


def test_members_are_different_networks(labelled):
    X, _ = labelled
    detector = AEOutlierDetector(n_estimators=4, distance="latent", **FAST).fit(X)
    module = detector.net_.module_
    weights = module.encoder[0].weight.detach()
    assert weights.shape[0] == 4
    assert not torch.equal(weights[0], weights[1])
    assert detector.residual_scale_.shape == (4, X.shape[1])
    assert detector.code_precision_.shape == (4, detector.n_components_, detector.n_components_)
    assert detector.reconstruct(X).shape == X.shape


def test_trimmed_loss_leaves_out_the_worst_rows():
    criterion = ReconstructionLoss("mse", trim=0.25)
    target = torch.zeros(4, 2)
    raw = torch.tensor([[1.0, 1.0], [2.0, 2.0], [3.0, 3.0], [100.0, 100.0]])
    outputs = (raw, torch.zeros(4, 1))
    full = criterion(outputs, target, training=True)
    assert full.item() == pytest.approx((1 + 4 + 9 + 10000) / 4)
    criterion.trimming = True
    assert criterion(outputs, target, training=True).item() == pytest.approx((1 + 4 + 9) / 3)
    # never at inference or validation
    assert criterion(outputs, target, training=False).item() == pytest.approx(full.item())


def test_trimming_switches_on_after_warmup(labelled):
    X, _ = labelled
    on = AEOutlierDetector(**FAST).fit(X)
    assert on.net_.criterion_.trimming
    off = AEOutlierDetector(trim_fraction=0.0, **FAST).fit(X)
    assert not off.net_.criterion_.trimming


def label_auc(estimator, X, y):
    """A scorer for detectors: ROC-AUC of the outlier score against labels."""
    return roc_auc_score(y, -estimator.score_samples(X))


def test_pipeline_grid_search_and_cross_validate_with_labels(labelled):
    X, y = labelled
    pipe = make_pipeline(StandardScaler(), AEOutlierDetector(**FAST))
    pipe.fit(X)
    assert set(pipe.predict(X)) <= {-1, 1}
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    search = GridSearchCV(
        pipe, {"aeoutlierdetector__n_components": [1, 3]}, scoring=label_auc, cv=cv
    )
    search.fit(X, y)
    assert search.best_params_["aeoutlierdetector__n_components"] in (1, 3)
    scores = cross_validate(AEOutlierDetector(**FAST), X, y, scoring=label_auc, cv=cv)
    assert scores["test_score"].mean() > 0.7


@pytest.mark.parametrize(
    "params, match",
    [
        (dict(contamination=0.7), "contamination"),
        (dict(contamination="high"), "contamination"),
        (dict(trim_fraction=0.5), "trim_fraction"),
        (dict(n_estimators=0), "n_estimators"),
    ],
)
def test_bad_parameters_are_named(labelled, params, match):
    with pytest.raises(ValueError, match=match):
        AEOutlierDetector(**params).fit(labelled[0])


def test_bad_input_is_named(labelled):
    X, _ = labelled
    detector = AEOutlierDetector(**FAST)
    with pytest.raises(ValueError, match="NaN"):
        detector.fit(np.where(X > 0, np.nan, X))
    with pytest.raises(Exception, match="not fitted"):
        detector.predict(X)
    detector.fit(X)
    with pytest.raises(ValueError, match="features"):
        detector.score_samples(X[:, :3])
    frame = pd.DataFrame({"a": ["x"] * 3, **{str(i): [1.0] * 3 for i in range(5)}})
    # fitted on an array: sklearn's own warning about the names comes first
    with pytest.warns(UserWarning, match="fitted without feature names"):
        with pytest.raises(ValueError, match="could not convert|numeric"):
            detector.predict(frame)


def test_explain_names_a_pushed_feature_on_real_data():
    from sklearn.datasets import load_breast_cancer

    data = load_breast_cancer(as_frame=True)
    X = data.data[data.target == 1]  # benign rows
    detector = AEOutlierDetector(**{**FAST, "max_iter": 30}).fit(X)
    rows = X.iloc[:8].copy()
    columns = ["mean texture", "worst smoothness", "mean area", "symmetry error"]
    for i, column in enumerate(columns):
        rows.iloc[2 * i : 2 * i + 2, rows.columns.get_loc(column)] += 8 * X[column].std()
    shares = detector.explain(rows)
    np.testing.assert_array_equal(shares.idxmax(axis=1).to_numpy(), np.repeat(columns, 2))


def test_explain_blames_the_pushed_feature_not_the_ones_the_network_moves(rng):
    # a table like statsmodels' "fair" (columns share a unit by the range
    # rule): children rise with age and years married, so the network
    # reconstructs a row with many children by moving those two, whose
    # residuals (in years) then dwarf the children's. Crediting the parts by
    # their rise along the path from the mean blames the children.
    n = 2000
    t = rng.normal(size=n)
    X = np.column_stack(
        [
            rng.randint(1, 6, n).astype(float),  # a rating, 1-5
            np.clip(29 + 4 * t + 1.5 * rng.normal(size=n), 17.5, 42),  # age
            np.clip(9 + 5 * t + 1.5 * rng.normal(size=n), 0.5, 23),  # years married
            np.clip(np.round(1.4 + 1.1 * t + 0.5 * rng.normal(size=n)), 0, None),  # children
            rng.randint(1, 5, n).astype(float),
            rng.randint(9, 21, n).astype(float),
            np.clip(8 * rng.exponential(size=n) * (rng.uniform(size=n) < 0.3), 0, 30),
        ]
    )
    detector = AEOutlierDetector(random_state=0).fit(X)
    assert (detector.distance_, detector.distance_units_) == ("neighbors", "input")
    rows = X[:50].copy()
    rows[:, 3] += 8 * X[:, 3].std()
    # crediting each feature its own residual and neighbour differences
    # named the children in 0% of these rows
    assert np.mean(detector.explain(rows).argmax(axis=1) == 3) >= 0.9


def test_explain_credits_the_latent_part_to_the_feature_that_moves_the_code(labelled):
    X, _ = labelled
    detector = AEOutlierDetector(distance="latent", **FAST).fit(X)
    X_scaled = detector._scale(X[:6])
    # (rows, members, features); more steps than explain's 32, so the
    # midpoint rule's error across ReLU kinks stays small whatever the net
    # (5 code units from 6 features: 2.7% off at 256 steps, 0.7% at 1,024)
    credit = detector._latent_attribution(X_scaled, steps=1024)
    residuals, codes = detector._member_outputs(X[:6])
    _, latent = detector._raw_distances(residuals, codes, per_feature=True)
    _, at_mean = detector._raw_distances(
        *detector._member_outputs(
            detector.scaler_.inverse_transform(detector._explain_baseline[None, :])
        ),
        per_feature=True,
    )
    # integrated gradients are complete: credits add up to the rise in distance
    np.testing.assert_allclose(credit.sum(axis=2), latent - at_mean, rtol=0.02, atol=0.02)


# ------------------------------------------------------- the neighbours' part
def neighbor_parts(detector, X_train, X):
    """Reconstruction error and mean 5-NN distance, computed independently."""
    from sklearn.neighbors import NearestNeighbors

    weight = detector.column_weight_
    recon = ((detector.reconstruct(X) - X) / detector.scaler_.scale_ * weight) ** 2
    u_train, u = detector._scale(X_train) * weight, detector._scale(X) * weight
    dist, _ = NearestNeighbors(n_neighbors=5).fit(u_train).kneighbors(u)
    return recon.mean(axis=1), dist.mean(axis=1)


def test_neighbors_score_is_the_sum_of_the_two_standardized_parts(labelled):
    X, _ = labelled
    X_train, X_new = X[::2], X[1::2]
    detector = AEOutlierDetector(distance="neighbors", **FAST).fit(X_train)
    assert detector.distance_ == "neighbors" and detector.n_neighbors_ == 5
    # one member: its reconstruction is the ensemble's (the error is per member)
    single = AEOutlierDetector(n_estimators=1, distance="neighbors", **FAST).fit(X_train)
    recon, near = neighbor_parts(single, X_train, X_new)
    parts = np.column_stack([recon, near])
    expected = -((parts - single.distance_center_) / single.distance_scale_).sum(axis=1)
    np.testing.assert_allclose(single.score_samples(X_new), expected, rtol=1e-6, atol=1e-8)
    # the training statistics leave each row out of its own neighbours
    from sklearn.neighbors import NearestNeighbors

    u = single._scale(X_train) * single.column_weight_
    dist, _ = NearestNeighbors(n_neighbors=6).fit(u).kneighbors(u)
    assert np.allclose(dist[:, 0], 0)
    np.testing.assert_allclose(single.distance_center_[1], np.median(dist[:, 1:].mean(axis=1)))


def test_neighbors_catch_a_far_row_that_reconstructs_well(rng):
    # rows on a plane in 5-D: a row far out on the plane reconstructs as well
    # as any, only its distance to the training rows gives it away
    basis = rng.normal(size=(2, 5))
    X = rng.normal(size=(600, 2)) @ basis + 0.01 * rng.normal(size=(600, 5))
    far = np.array([[6.0, 0.0]]) @ basis
    # linear members (no hidden layer) reconstruct the whole plane, however far
    linear = {**FAST, "hidden_layer_sizes": (), "max_iter": 200}
    detector = AEOutlierDetector(contamination=0.01, **linear).fit(X)
    assert detector.distance_ == "neighbors"  # columns on one scale
    recon, near = neighbor_parts(detector, X, far)
    typical_recon, _ = neighbor_parts(detector, X, X[:100])
    assert recon[0] < np.percentile(typical_recon, 99)  # reconstruction alone misses it
    assert detector.predict(far)[0] == -1
    assert detector.score_samples(far)[0] < detector.score_samples(X).min()


def test_distance_units_follow_the_columns(rng):
    # embedding-like: nonnegative activations on one scale, active on 2% to
    # 60% of the rows, so the columns' spreads differ but not their ranges
    active = rng.uniform(size=(300, 40)) < np.geomspace(0.02, 0.6, 40)
    embeddings = active * rng.exponential(size=(300, 40))
    detector = AEOutlierDetector(**FAST).fit(embeddings)
    assert detector.scaler_.scale_.max() > 3 * detector.scaler_.scale_.min()
    assert (detector.distance_, detector.distance_units_) == ("neighbors", "input")
    np.testing.assert_allclose(detector.column_weight_, detector.scaler_.scale_)
    # mixed units: a column in millions must not hide the others, under
    # either rule
    mixed = rng.normal(size=(400, 4)) * np.array([1.0, 1.0, 1.0, 1e6])
    row = np.array([[8.0, 0.0, 0.0, 0.0]])  # far out in a small-unit column
    for distance in ("latent", "neighbors"):
        detector = AEOutlierDetector(contamination=0.01, distance=distance, **FAST).fit(mixed)
        assert detector.distance_units_ == "scaled"
        assert detector.predict(row)[0] == -1
        assert detector.explain(row)[0].argmax() == 0
    np.testing.assert_array_equal(detector.column_weight_, np.ones(4))
    # the default adds a neighbour distance in the caller's units, where the
    # large column's own tails compete with the row: still flagged (by the
    # default threshold) and blamed on its column, among the top 2.5% of
    # the training rows rather than above them all
    detector = AEOutlierDetector(**FAST).fit(mixed)
    assert (detector.distance_, detector.distance_units_) == ("latent+neighbors", "both")
    assert detector.predict(row)[0] == -1
    assert detector.explain(row)[0].argmax() == 0
    assert np.mean(detector.score_samples(mixed) < detector.score_samples(row)[0]) < 0.025
    # a refit under another rule drops the first rule's arrays
    detector.set_params(distance="latent").fit(mixed)
    assert hasattr(detector, "code_precision_")
    assert not hasattr(detector, "neighbor_rows_") and not hasattr(detector, "n_neighbors_")
    detector.set_params(distance="neighbors").fit(mixed)
    assert not hasattr(detector, "code_precision_") and not hasattr(detector, "neighbor_scale_")


def test_mixed_units_neighbour_part_flags_a_row_between_clusters(rng):
    # two clusters, a million apart in a large-unit column: a row half way
    # between them lies where no training row does, yet its code is near the
    # mean code and the network reconstructs it, so the "latent" rule alone
    # scores it as typical; the neighbour part, in the caller's units, does not
    side = rng.choice([-1.0, 1.0], size=400)
    X = np.column_stack([rng.normal(size=(400, 3)), 1e6 * side + 1e4 * rng.normal(size=400)])
    row = np.zeros((1, 4))
    latent = AEOutlierDetector(contamination=0.01, distance="latent", **FAST).fit(X)
    assert latent.predict(row)[0] == 1  # the premise
    detector = AEOutlierDetector(contamination=0.01, **FAST).fit(X)
    assert (detector.distance_, detector.distance_units_) == ("latent+neighbors", "both")
    assert detector.predict(row)[0] == -1
    assert detector.score_samples(row)[0] < detector.score_samples(X).min()
    # the caller's units, up to one common factor
    scale = detector.scaler_.scale_
    np.testing.assert_allclose(detector.column_weight_, scale / scale.max())
    assert detector.explain(row)[0].argmax() == 3
    # the score is the "latent" one minus the standardized neighbour distance
    X, row = X / scale.max(), row / scale.max()
    near = np.sort(np.linalg.norm(X[None] - X[:, None], axis=2), axis=1)[:, 1:6].mean(axis=1)
    assert detector.neighbor_center_ == pytest.approx(np.median(near), rel=1e-6)
    q1, q3 = np.percentile(near, [25, 75])
    assert detector.neighbor_scale_ == pytest.approx(q3 - q1, rel=1e-6)
    row_near = np.sort(np.linalg.norm(X - row, axis=1))[:5].mean()
    standardized = (row_near - detector.neighbor_center_) / detector.neighbor_scale_
    expected = latent.score_samples(row)[0] - standardized
    assert detector.score_samples(row)[0] == pytest.approx(expected, rel=1e-6)


def test_neighbor_rows_are_a_seeded_subset_of_large_training_sets(monkeypatch, labelled):
    from sklearn_ae import _outlier

    X, _ = labelled
    monkeypatch.setattr(_outlier, "MAX_NEIGHBOR_ROWS", 50)
    first = AEOutlierDetector(distance="neighbors", **FAST).fit(X)
    second = AEOutlierDetector(distance="neighbors", **FAST).fit(X)
    assert first.neighbor_rows_.shape == (50, X.shape[1])
    np.testing.assert_array_equal(first.neighbor_rows_, second.neighbor_rows_)
    kept = first.scaler_.inverse_transform(first.neighbor_rows_)  # scaled units here
    assert all(np.isclose(X, k).all(axis=1).any() for k in kept)
    assert np.isfinite(first.score_samples(X)).all()


def test_explain_is_finite_on_a_row_at_the_training_mean():
    # the mean is also a kept row: the path from it has zero length there
    X = np.array([[-1.0, -1, 0], [1, 1, 0], [0, 0, 0], [0, 0, 1], [0, 0, -1]] * 20)
    detector = AEOutlierDetector(distance="neighbors", **FAST).fit(X)
    shares = detector.explain(X[:5])
    assert np.isfinite(shares).all()
    np.testing.assert_array_equal(shares[2], 0.0)
    np.testing.assert_allclose(shares[[0, 1, 3, 4]].sum(axis=1), 1.0)


def test_neighbors_explain_is_complete(labelled):
    X, _ = labelled
    detector = AEOutlierDetector(distance="neighbors", **FAST).fit(X)
    rows = X[:20] + np.array([0, 0, 0, 300, 0, 0])  # pushed off the data on "d"
    credit = detector._neighbor_attribution(detector._scale(rows))  # (rows, 2, features)
    base = detector.scaler_.inverse_transform(detector._explain_baseline[None, :])

    def parts(Z):
        recon, near = detector._neighbor_outputs(Z, detector.n_neighbors_)
        return np.column_stack([recon, near.mean(axis=1)])

    # integrated gradients are complete: each part's credits add up to its rise
    # from the training mean to the row (up to the midpoint rule across kinks)
    rise = parts(rows) - parts(base)
    np.testing.assert_allclose(credit.sum(axis=2), rise, rtol=0.05)
    # and the pushed feature gets the largest credit in both parts
    assert (credit.argmax(axis=2) == 3).all()
