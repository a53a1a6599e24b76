"""The ``sklearn-ae`` command line, run as a subprocess as users run it."""

import subprocess
import sys
from importlib.metadata import entry_points

import numpy as np
import pandas as pd
import pytest

FAST = ["--max-iter", "3"]


def cli(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "sklearn_ae", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
    )


@pytest.fixture
def table(tmp_path, rng):
    """A CSV with a text ID column, numeric columns and a few NaNs."""
    n = 80
    latent = rng.normal(size=n)
    df = pd.DataFrame(
        {
            "id": [f"row{i}" for i in range(n)],
            "a": latent + 0.1 * rng.normal(size=n),
            "b": 10 * latent + rng.normal(size=n),
            "c": rng.normal(size=n),
        }
    )
    path = tmp_path / "data.csv"
    df.to_csv(path, index=False)
    return path, df


def test_console_script_is_declared():
    scripts = {ep.name: ep.value for ep in entry_points(group="console_scripts")}
    assert scripts.get("sklearn-ae") == "sklearn_ae._cli:run_main"


def test_reduce_writes_codes_with_ids_and_reuses_a_saved_model(table, tmp_path):
    path, df = table
    out, model = tmp_path / "emb.csv", tmp_path / "model.safetensors"
    args = ["reduce", path, "-k", "2", "-o", out, "--id-column", "id", "--save-model", model]
    result = cli(*args, *FAST)
    assert result.returncode == 0, result.stderr
    emb = pd.read_csv(out)
    assert list(emb.columns) == ["id", "ae0", "ae1"]
    assert list(emb["id"]) == list(df["id"])
    again = cli("reduce", path, "--id-column", "id", "--model", model)
    assert again.returncode == 0, again.stderr
    np.testing.assert_allclose(
        pd.read_csv(pd.io.common.StringIO(again.stdout)).iloc[:, 1:], emb.iloc[:, 1:]
    )


@pytest.mark.parametrize("distance", ["neighbors", "latent", "latent+neighbors"])
def test_outliers_scores_flags_and_explains(table, tmp_path, distance):
    path, df = table
    out, model = tmp_path / "scores.csv", tmp_path / "model.safetensors"
    result = cli(
        "outliers",
        path,
        "-o",
        out,
        "--id-column",
        "id",
        "--contamination",
        "0.1",
        "--distance",
        distance,
        "--explain",
        "--save-model",
        model,
        *FAST,
    )
    assert result.returncode == 0, result.stderr
    scores = pd.read_csv(out)
    assert list(scores.columns[:3]) == ["id", "outlier_score", "is_outlier"]
    assert {"share_a", "share_b", "share_c"} <= set(scores.columns)
    assert "share_latent" not in scores.columns  # the latent part is on the features
    assert scores["is_outlier"].mean() == pytest.approx(0.1, abs=1 / len(df))
    shares = scores.filter(like="share_")
    np.testing.assert_allclose(shares.sum(axis=1), 1.0)
    # the highest scores are the rows flagged
    flagged = scores.loc[scores["is_outlier"], "outlier_score"]
    assert flagged.min() >= scores.loc[~scores["is_outlier"], "outlier_score"].max()
    from sklearn_ae import load

    assert load(model).distance == distance


def test_parquet_in_and_out(table, tmp_path):
    pytest.importorskip("pyarrow")
    path, df = table
    src, out = tmp_path / "data.parquet", tmp_path / "scores.parquet"
    df.to_parquet(src, index=False)
    result = cli("outliers", src, "-o", out, "--id-column", "id", *FAST)
    assert result.returncode == 0, result.stderr
    scores = pd.read_parquet(out)
    assert list(scores.columns) == ["id", "outlier_score", "is_outlier"]
    assert scores["is_outlier"].dtype == bool


def test_impute_fills_only_missing_values(table, tmp_path):
    path, df = table
    holes = df.copy()
    holes.loc[::5, "b"] = np.nan
    src = tmp_path / "holes.csv"
    holes.to_csv(src, index=False)
    result = cli("impute", src, "--id-column", "id", *FAST)
    assert result.returncode == 0, result.stderr
    filled = pd.read_csv(pd.io.common.StringIO(result.stdout))
    assert list(filled.columns) == list(df.columns)
    assert filled.notna().all().all()
    observed = holes["b"].notna()
    np.testing.assert_allclose(filled.loc[observed, "b"], holes.loc[observed, "b"])


def test_impute_keeps_an_empty_column_and_says_so(table, tmp_path):
    path, df = table
    holes = df.copy()
    holes["empty"] = np.nan
    holes.loc[::4, "a"] = np.nan
    src = tmp_path / "holes.csv"
    holes.to_csv(src, index=False)
    result = cli("impute", src, "--id-column", "id", *FAST)
    assert result.returncode == 0, result.stderr
    filled = pd.read_csv(pd.io.common.StringIO(result.stdout))
    assert list(filled.columns) == list(holes.columns)
    assert filled["empty"].isna().all() and filled["a"].notna().all()
    assert "column 'empty' has no values; left empty" in result.stderr


def test_generate_mixed_table_is_seeded(tmp_path, rng):
    df = pd.DataFrame(
        {
            "x": rng.normal(size=60),
            "colour": rng.choice(["red", "blue"], 60),
            "n": rng.poisson(2, 60),
        }
    )
    src = tmp_path / "mixed.csv"
    df.to_csv(src, index=False)
    first = cli("generate", src, "-n", "25", "--seed", "1", *FAST)
    second = cli("generate", src, "-n", "25", "--seed", "1", *FAST)
    assert first.returncode == 0, first.stderr
    synthetic = pd.read_csv(pd.io.common.StringIO(first.stdout))
    assert synthetic.shape == (25, 3)
    assert list(synthetic.columns) == ["x", "colour", "n"]
    assert set(synthetic["colour"]) <= {"red", "blue"}
    assert first.stdout == second.stdout


@pytest.mark.parametrize(
    "make_args, message",
    [
        (lambda p, d: ["reduce", d / "missing.csv"], "file not found"),
        (lambda p, d: ["reduce", p], "column 'id' is not numeric.*--id-column"),
        (lambda p, d: ["reduce", p, "--id-column", "nope"], "unknown column 'nope'"),
        (lambda p, d: ["outliers", d / "empty.csv"], "empty"),
        (lambda p, d: ["outliers", d / "header.csv"], "no data rows"),
        (
            lambda p, d: ["impute", p, "--id-column", "id", "--model", d / "none.safetensors"],
            "model file",
        ),
    ],
    ids=["missing-file", "non-numeric", "unknown-column", "empty-file", "empty-table", "no-model"],
)
def test_bad_input_is_one_line_and_non_zero(table, tmp_path, make_args, message):
    path, _ = table
    (tmp_path / "empty.csv").write_text("")
    (tmp_path / "header.csv").write_text("a,b\n")
    result = cli(*make_args(path, tmp_path))
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("sklearn-ae: error:")
    assert pd.Series(lines).str.contains(message).any(), lines[0]
    assert "Traceback" not in result.stderr


def test_wrong_model_kind_is_refused(table, tmp_path):
    path, _ = table
    model = tmp_path / "reduce.safetensors"
    assert cli("reduce", path, "--id-column", "id", "--save-model", model, *FAST).returncode == 0
    result = cli("outliers", path, "--id-column", "id", "--model", model)
    assert result.returncode == 1
    assert "needs AEOutlierDetector" in result.stderr


def test_progress_goes_to_stderr(table):
    path, _ = table
    result = cli("reduce", path, "--id-column", "id", "--progress", *FAST)
    assert result.returncode == 0, result.stderr
    assert "epoch" in result.stderr
    assert pd.read_csv(pd.io.common.StringIO(result.stdout)).shape == (80, 3)


def test_demo_runs(tmp_path):
    args = ["-k", "2", "--max-iter", "5", "--hidden", "16", "--device", "cpu"]
    result = cli("demo", "-o", tmp_path / "demo", *args, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "PCA" in result.stdout
    assert (tmp_path / "demo" / "embedding.png").exists()
    assert "--hidden" in cli("demo", "--help").stdout


# ------------------------------------------------- formats, paths, safe models
def test_pickles_are_not_loaded(table, tmp_path):
    import pickle

    from sklearn_ae import AutoencoderTransformer

    path, df = table
    model = AutoencoderTransformer(max_iter=2).fit(df[["a", "b", "c"]])
    pickled = tmp_path / "model.pkl"
    pickled.write_bytes(pickle.dumps(model))
    result = cli("reduce", path, "--id-column", "id", "--model", pickled)
    assert result.returncode == 1
    assert "looks like a pickle" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("flag", ["--save-model", "-o"])
def test_unwritable_paths_fail_before_fitting(table, tmp_path, flag):
    path, _ = table
    target = tmp_path / "no" / "such" / "folder" / "file.csv"
    # a fit of 100,000 epochs would run far past the timeout: the check comes first
    result = cli("reduce", path, "--id-column", "id", flag, target, "--max-iter", "100000")
    assert result.returncode == 1
    assert "folder does not exist" in result.stderr and "Traceback" not in result.stderr


def test_demo_refuses_a_file_as_output_dir(tmp_path):
    existing = tmp_path / "taken.txt"
    existing.write_text("x")
    result = cli("demo", "-o", existing)
    assert result.returncode == 1
    assert "is a file" in result.stderr and "Traceback" not in result.stderr


def test_delimiters_compression_and_output_format(table, tmp_path):
    path, df = table
    semicolon = tmp_path / "data_semicolon.csv"
    semicolon.write_text(df.to_csv(index=False, sep=";", decimal=","))
    tsv_gz = tmp_path / "data.tsv.gz"
    df.to_csv(tsv_gz, index=False, sep="\t")
    out_tsv, out_gz = tmp_path / "codes.tsv", tmp_path / "codes.csv.gz"
    first = cli("reduce", semicolon, "--id-column", "id", "-o", out_tsv, *FAST)
    second = cli("reduce", tsv_gz, "--id-column", "id", "-o", out_gz, *FAST)
    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    assert out_tsv.read_text().splitlines()[0].split("\t")[0] == "id"
    codes_tsv = pd.read_csv(out_tsv, sep="\t")
    codes_gz = pd.read_csv(out_gz)  # pandas infers gzip from the suffix
    assert codes_tsv.shape == codes_gz.shape == (80, 3)
    assert list(codes_tsv["id"]) == list(df["id"])
    # the same numbers whichever way they were written
    np.testing.assert_allclose(codes_tsv.iloc[:, 1:], codes_gz.iloc[:, 1:], rtol=1e-6)


# ------------------------------------------------------ first-time user polish
def test_help_and_version_do_not_import_torch_or_pandas():
    code = (
        "import sys, contextlib, io\n"
        "from sklearn_ae._cli import main\n"
        "for argv in (['--help'], ['outliers', '--help'], ['--version']):\n"
        "    with contextlib.redirect_stdout(io.StringIO()):\n"
        "        try: main(argv)\n"
        "        except SystemExit: pass\n"
        "print('torch' in sys.modules, 'pandas' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.split() == ["False", "False"], result.stderr


def test_help_names_each_commands_defaults():
    from sklearn_ae import AEImputer, AEOutlierDetector, AutoencoderTransformer, VAEGenerator
    from sklearn_ae._cli import DEFAULTS

    classes = {
        c.__name__: c for c in (AEImputer, AEOutlierDetector, AutoencoderTransformer, VAEGenerator)
    }
    for command, (name, epochs, hidden) in DEFAULTS.items():
        params = classes[name]().get_params()
        # "auto": the class's own budget (doubled on capped tables, said in --help)
        assert params["max_iter"] == epochs or classes[name]._auto_max_iter == epochs
        assert ",".join(map(str, params["hidden_layer_sizes"])) == hidden
        text = cli(command, "--help").stdout
        assert f"default {epochs}" in text and f"default {hidden}" in text
    assert "folder for the figures" in cli("demo", "--help").stdout


def test_outliers_names_columns_with_missing_values(table, tmp_path):
    path, df = table
    holes = df.copy()
    holes.loc[::4, "b"] = np.nan
    src = tmp_path / "holes.csv"
    holes.to_csv(src, index=False)
    result = cli("outliers", src, "--id-column", "id", *FAST)
    assert result.returncode == 1
    assert "missing values in column(s) 'b' (20)" in result.stderr
    assert "sklearn-ae impute" in result.stderr


def test_outliers_adds_row_numbers_and_keeps_columns_on_request(table, tmp_path):
    path, df = table
    numeric = tmp_path / "numeric.csv"
    df.drop(columns="id").to_csv(numeric, index=False)
    plain = pd.read_csv(pd.io.common.StringIO(cli("outliers", numeric, *FAST).stdout))
    assert list(plain.columns) == ["row", "outlier_score", "is_outlier"]
    assert list(plain["row"]) == list(range(80))
    kept = cli("outliers", path, "--id-column", "id", "--keep-columns", *FAST)
    kept = pd.read_csv(pd.io.common.StringIO(kept.stdout))
    assert list(kept.columns) == ["id", "a", "b", "c", "outlier_score", "is_outlier"]
    np.testing.assert_allclose(kept["b"], df["b"])


def test_impute_keeps_dtypes_rounds_integers_and_fills_text(tmp_path, rng):
    n = 90
    latent = rng.normal(size=n)
    df = pd.DataFrame(
        {
            "id": [f"r{i}" for i in range(n)],
            "price": np.round(10 + latent + 0.1 * rng.normal(size=n), 2),
            "stars": np.clip(np.round(3 + latent), 1, 5).astype(int),
            "count": rng.poisson(3, n),
            "colour": rng.choice(["red", "blue", "blue"], n),
        }
    )
    holes = df.copy()
    holes.loc[::5, "price"] = np.nan
    holes.loc[::7, "stars"] = np.nan
    holes.loc[::9, "colour"] = np.nan
    src = tmp_path / "holes.csv"
    holes.to_csv(src, index=False)
    result = cli("impute", src, *FAST)  # no --id-column needed for text columns
    assert result.returncode == 0, result.stderr
    text = result.stdout
    filled = pd.read_csv(pd.io.common.StringIO(text))
    assert filled.notna().all().all()
    assert filled["stars"].dtype.kind == "i" and filled["stars"].between(1, 5).all()
    assert filled["count"].dtype.kind == "i"  # untouched column, untouched dtype
    assert list(filled["id"]) == list(df["id"])
    assert set(filled.loc[::9, "colour"]) == {"blue"}  # the most frequent value
    prices = filled["price"].to_numpy()
    np.testing.assert_array_equal(prices, np.round(prices, 2))  # the input's precision


def test_generate_drops_identifiers_keeps_precision_and_samples_from_a_model(table, tmp_path):
    path, df = table
    rounded = df.round({"a": 2, "b": 1})
    src = tmp_path / "rounded.csv"
    rounded.to_csv(src, index=False)
    model = tmp_path / "vae.safetensors"
    first = cli("generate", src, "-n", "30", "--save-model", model, *FAST)
    assert first.returncode == 0, first.stderr
    assert "column 'id' has a different value on every row" in first.stderr
    assert "keeps 80 training rows for the privacy filter" in first.stderr
    synthetic = pd.read_csv(pd.io.common.StringIO(first.stdout))
    assert list(synthetic.columns) == ["a", "b", "c"]
    a, b = synthetic["a"].to_numpy(), synthetic["b"].to_numpy()
    np.testing.assert_array_equal(a, np.round(a, 2))
    np.testing.assert_array_equal(b, np.round(b, 1))
    again = cli("generate", "--model", model, "-n", "4")  # no table needed
    assert again.returncode == 0, again.stderr
    assert pd.read_csv(pd.io.common.StringIO(again.stdout)).shape == (4, 3)
    missing = cli("generate", "--model", model)
    assert missing.returncode == 1 and "-n/--n-samples" in missing.stderr
    bare = tmp_path / "bare.safetensors"
    unfiltered = cli("generate", src, "--no-privacy-filter", "--save-model", bare, *FAST)
    assert unfiltered.returncode == 0, unfiltered.stderr
    assert "privacy filter" not in unfiltered.stderr
    from sklearn_ae import load

    assert load(bare).privacy_rows_ is None and load(model).privacy_rows_.shape[0] == 80


def test_generate_spike_share_gives_a_pile_of_zeros_a_category(tmp_path):
    from sklearn_ae import load

    rng = np.random.RandomState(0)
    visits = np.where(rng.uniform(size=120) < 0.4, 0, rng.randint(1, 9, 120))
    src = tmp_path / "visits.csv"
    pd.DataFrame({"visits": visits, "cost": rng.normal(size=120).round(2)}).to_csv(src, index=False)
    model = tmp_path / "vae.safetensors"
    result = cli("generate", src, "--spike-share", "0.25", "--save-model", model, *FAST)
    assert result.returncode == 0, result.stderr
    loaded = load(model)
    assert loaded.spike_share == 0.25 and loaded.scaler_.spike_blocks_ == {0: 0}
    assert loaded.scaler_.numeric_[0].spike == 0.0
    rows = loaded.sample(50, random_state=0)
    assert rows["visits"].dtype == np.int64 and (rows["visits"] >= 0).all()
    plain = tmp_path / "plain.safetensors"
    assert cli("generate", src, "--save-model", plain, *FAST).returncode == 0
    assert load(plain).scaler_.spike_blocks_ == {}
    bad = cli("generate", src, "--spike-share", "2", *FAST)
    assert bad.returncode != 0 and "spike_share" in bad.stderr


def test_hidden_option_and_plain_progress_in_a_file(table, tmp_path):
    from sklearn_ae import load

    path, _ = table
    model = tmp_path / "ae.safetensors"
    result = cli(
        "reduce",
        path,
        "--id-column",
        "id",
        "--hidden",
        "16,4",
        "--progress",
        "--save-model",
        model,
        *FAST,
    )
    assert result.returncode == 0, result.stderr
    assert load(model).hidden_layer_sizes == (16, 4)
    assert "train_loss" in result.stderr and "\x1b[" not in result.stderr
    bad = cli("reduce", path, "--hidden", "16,x")
    assert bad.returncode == 2 and "comma-separated list of layer widths" in bad.stderr


def run_on_a_terminal(*args):
    """Run the CLI with stderr on a pseudo-terminal; return (status, what the terminal got)."""
    import os
    import pty

    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "sklearn_ae", *map(str, args)],
        stdout=subprocess.DEVNULL,
        stderr=follower,
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 4096)
        except OSError:  # the terminal closed: the process is done
            break
        if not data:
            break
        chunks.append(data)
    os.close(leader)
    return process.wait(timeout=300), b"".join(chunks).decode(errors="replace")


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_progress_shows_by_itself_on_a_terminal_above_the_threshold(tmp_path, rng):
    from sklearn_ae._cli import LONG_FIT

    small, big = tmp_path / "small.csv", tmp_path / "big.csv"
    pd.DataFrame(rng.normal(size=(50, 3)), columns=list("abc")).to_csv(small, index=False)
    rows = LONG_FIT // 3 + 10
    pd.DataFrame(rng.normal(size=(rows, 3)), columns=list("abc")).to_csv(big, index=False)
    status, quiet = run_on_a_terminal(
        "outliers", small, "--max-iter", "2", "-o", tmp_path / "s.csv"
    )
    assert status == 0 and "train_loss" not in quiet
    status, shown = run_on_a_terminal(
        "outliers", big, "--max-iter", "2", "--explain", "-o", tmp_path / "b.csv"
    )
    assert status == 0 and "train_loss" in shown
    assert f"explaining {rows} rows" in shown
