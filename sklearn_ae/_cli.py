"""``sklearn-ae``: the estimators on a CSV or Parquet table, without a Python session.

Examples::

    sklearn-ae reduce data.csv -k 2 -o embedding.csv
    sklearn-ae outliers data.csv -o scores.csv --contamination 0.05 --explain
    sklearn-ae generate data.csv -n 1000 -o synthetic.csv --seed 0
    sklearn-ae impute data.csv -o filled.csv
    sklearn-ae demo

Every command reads the table with pandas (``.csv``, ``.tsv``, ``.parquet``,
also gzip/bz2/xz/zip compressed; the delimiter of a text table is sniffed
among comma, semicolon, tab and bar), keeps the ``--id-column`` columns out
of the model (and copies them to the output), fits the estimator (or loads
one saved with ``--save-model``, in sklearn_ae's pickle-free format, with
``--model``), and writes the result as CSV, TSV or Parquet from the output's
suffix (stdout without ``-o``). Output paths are checked before any fitting.
Errors are one line on stderr and a non-zero exit status.
"""

from __future__ import annotations

import argparse
import bz2
import contextlib
import csv
import gzip
import lzma
import os
import re
import sys
import warnings
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pandas and torch load only when a command runs: --help is instant
    import pandas as pd

PARQUET = {".parquet", ".pq"}

#: Rows x columns above which the epoch log is shown by default (on a terminal):
#: about the size that takes more than a few seconds to fit on a laptop CPU.
LONG_FIT = 20_000


class CLIError(Exception):
    """An input problem reported as one line, with exit status 1."""


# ---------------------------------------------------------------- table I/O
#: Compression suffixes pandas understands, and how to peek into each.
COMPRESSED = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open, ".zip": None}

#: Delimiters a text table may use.
DELIMITERS = ",;\t|"

#: A number written with a decimal comma ("3,14"), as in semicolon-separated files.
DECIMAL_COMMA = re.compile(r"^\s*[-+]?\d+(\.\d{3})*(,\d+)?([eE][-+]?\d+)?\s*$")


def _kind(file: Path) -> str:
    """The table's suffix without a compression suffix (``data.tsv.gz`` -> ``.tsv``)."""
    suffixes = [s.lower() for s in file.suffixes]
    if suffixes and suffixes[-1] in COMPRESSED:
        suffixes = suffixes[:-1]
    return suffixes[-1] if suffixes else ""


def _peek(file: Path, size: int = 65536) -> str:
    """The first characters of a (possibly compressed) text file."""
    suffix = file.suffix.lower()
    if suffix == ".zip":
        with zipfile.ZipFile(file) as archive:
            names = archive.namelist()
            raw = archive.open(names[0]).read(size) if names else b""
    else:
        with COMPRESSED.get(suffix, open)(file, "rb") as fh:
            raw = fh.read(size)
    return raw.decode("utf-8", errors="replace")


def sniff_delimiter(file: Path) -> str:
    """The delimiter of a text table: sniffed, else tab for ``.tsv``, else comma."""
    default = "\t" if _kind(file) == ".tsv" else ","
    sample = _peek(file)
    lines = sample.splitlines()[:50]
    if len(sample) == 65536 and len(lines) > 1:
        lines = lines[:-1]  # the last line may be cut
    if not lines:
        return default
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters=DELIMITERS).delimiter
    except csv.Error:
        return default


def _is_text(col) -> bool:
    """Whether a column holds text: dtype "object" in pandas 2, "str" in pandas 3."""
    import pandas as pd

    return pd.api.types.is_object_dtype(col) or pd.api.types.is_string_dtype(col)


def _decimal_commas(table: pd.DataFrame) -> pd.DataFrame:
    """Text columns that are all decimal-comma numbers become floats."""
    import pandas as pd

    for name in table.columns:
        col = table[name]
        if _is_text(col):
            values = col.dropna().astype(str)
            if (
                len(values)
                and values.str.match(DECIMAL_COMMA).all()
                and values.str.contains(",").any()
            ):
                table[name] = pd.to_numeric(
                    col.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
                )
    return table


def read_table(path: str) -> pd.DataFrame:
    import pandas as pd

    file = Path(path)
    if not file.exists():
        raise CLIError(f"file not found: {path}")
    if file.is_dir():
        raise CLIError(f"{path} is a directory, not a table")
    try:
        if _kind(file) in PARQUET:
            table = pd.read_parquet(file)
        else:
            sep = sniff_delimiter(file)
            table = pd.read_csv(file, sep=sep)
            if sep == ";":
                table = _decimal_commas(table)
    except ImportError as exc:
        raise CLIError(f"reading Parquet needs pyarrow or fastparquet ({exc})") from None
    except pd.errors.EmptyDataError:
        raise CLIError(f"{path} is empty") from None
    except (pd.errors.ParserError, UnicodeDecodeError, OSError, zipfile.BadZipFile) as exc:
        raise CLIError(f"could not read {path}: {str(exc).splitlines()[0]}") from None
    if table.shape[0] == 0 or table.shape[1] == 0:
        raise CLIError(f"{path} has no data rows (shape {table.shape[0]} x {table.shape[1]})")
    return table


def check_output(path: str | None, what: str) -> None:
    """Refuse, before any fitting, an output path that cannot be written."""
    if path is None:
        return
    file = Path(path)
    if file.is_dir():
        raise CLIError(f"{what} {path} is a directory; give a file name")
    if not file.parent.is_dir():
        raise CLIError(f"{what} folder does not exist: {file.parent}")
    if not os.access(file.parent, os.W_OK):
        raise CLIError(f"{what} folder is not writable: {file.parent}")


def write_table(table: pd.DataFrame, path: str | None) -> None:
    if path is None:
        table.to_csv(sys.stdout, index=False)
        return
    file = Path(path)
    check_output(path, "output")
    if _kind(file) in PARQUET:
        try:
            table.to_parquet(file, index=False)
        except ImportError as exc:
            raise CLIError(f"writing Parquet needs pyarrow or fastparquet ({exc})") from None
    else:  # compression follows the suffix (pandas infers it)
        table.to_csv(file, index=False, sep="\t" if _kind(file) == ".tsv" else ",")
    print(f"wrote {len(table)} rows to {path}", file=sys.stderr)


def split_ids(table: pd.DataFrame, id_columns: list[str], *, numeric: bool):
    """(id columns, model columns); model columns must be numeric when asked."""
    import pandas as pd

    unknown = [c for c in id_columns if c not in table.columns]
    if unknown:
        known = ", ".join(map(str, table.columns))
        raise CLIError(f"unknown column {unknown[0]!r} in --id-column (columns: {known})")
    ids = table[id_columns]
    data = table.drop(columns=id_columns)
    if data.shape[1] == 0:
        raise CLIError("no columns left for the model once the --id-column columns are out")
    if numeric:
        for name in data.columns:
            col = data[name]
            if pd.api.types.is_bool_dtype(col):
                data[name] = col.astype(float)
            elif not pd.api.types.is_numeric_dtype(col):
                raise CLIError(
                    f"column {name!r} is not numeric (e.g. {col.dropna().iloc[0]!r}); "
                    f"pass --id-column {name!r} to keep it out of the model"
                )
    return ids, data


def with_ids(ids: pd.DataFrame, result: pd.DataFrame) -> pd.DataFrame:
    import pandas as pd

    return pd.concat([ids.reset_index(drop=True), result.reset_index(drop=True)], axis=1)


# ------------------------------------------------------------------ models
def load_model(path: str, expected: type):
    """A model saved with ``--save-model``: the safe format, never a pickle."""
    from ._persistence import load

    file = Path(path)
    if not file.exists():
        raise CLIError(f"model file not found: {path}")
    if file.is_dir():
        raise CLIError(f"{path} is a directory, not a model file")
    try:
        model = load(file)
    except ValueError as exc:
        hint = ""
        if file.read_bytes()[:1] == b"\x80":
            hint = (
                " (it looks like a pickle, which the command line does not load because "
                "loading a pickle can run any code: save the model with est.save(path))"
            )
        raise CLIError(f"could not load a model from {path}: {exc}{hint}") from None
    if not isinstance(model, expected):
        raise CLIError(
            f"{path} holds a {type(model).__name__}; this command needs {expected.__name__}"
        )
    return model


#: ANSI colour codes, stripped from the epoch log when stderr is not a terminal.
ANSI = re.compile(r"\x1b\[[0-9;]*m")


class _PlainText:
    """A text stream that drops ANSI colour codes (for logs written to files)."""

    def __init__(self, stream) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        return self.stream.write(ANSI.sub("", text))

    def flush(self) -> None:
        self.stream.flush()


def fit_or_load(args, make, data, y=None):
    """The estimator from --model, or a new one fitted on data (saved with --save-model)."""
    estimator = make()
    if args.model:
        model = load_model(args.model, type(estimator))
        missing = [c for c in getattr(model, "feature_names_in_", []) if c not in data.columns]
        if missing:
            raise CLIError(f"the model expects column {missing[0]!r}, which the table lacks")
        return model
    terminal = sys.stderr.isatty()
    progress = args.progress
    if progress is None:
        progress = terminal and data.size > LONG_FIT
    # a bar on a terminal; plain epoch lines in a file or a pipe
    estimator.set_params(verbose=(2 if terminal else 1) if progress else 0)
    log = sys.stderr if terminal else _PlainText(sys.stderr)
    with warnings.catch_warnings(), contextlib.redirect_stdout(log):
        warnings.simplefilter("ignore")
        estimator.fit(data) if y is None else estimator.fit(data, y)
    if args.save_model:
        estimator.save(args.save_model)
        print(f"saved the fitted model to {args.save_model}", file=sys.stderr)
    return estimator


def hidden_sizes(value: str) -> tuple:
    """``--hidden 64,32`` -> (64, 32); ``--hidden ""`` or ``0`` -> () (linear)."""
    if value.strip() in ("", "0"):
        return ()
    try:
        sizes = tuple(int(v) for v in value.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"a comma-separated list of layer widths such as 64,32; got {value!r}"
        ) from None
    if min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"layer widths must be positive; got {value!r}")
    return sizes


def common_params(args) -> dict:
    params = {"random_state": args.seed, "device": args.device}
    if args.max_iter is not None:
        params["max_iter"] = args.max_iter
    if args.hidden is not None:
        params["hidden_layer_sizes"] = args.hidden
    return params


def require_complete(data: pd.DataFrame) -> None:
    """Name the columns with missing values, and the command that fills them."""
    holes = data.isna().sum()
    holes = holes[holes > 0]
    if len(holes):
        named = ", ".join(f"{name!r} ({n})" for name, n in holes.items())
        raise CLIError(
            f"missing values in column(s) {named}; fill them first, e.g. "
            "sklearn-ae impute in.csv -o filled.csv"
        )


def identifier_columns(table: pd.DataFrame, exclude) -> list:
    """Text columns holding a different value on every row: identifiers, not data."""

    found = []
    for name in table.columns:
        col = table[name]
        if name in exclude or len(col) < 2:
            continue
        if _is_text(col) and col.notna().all() and col.nunique() == len(col):
            found.append(name)
    return found


# ---------------------------------------------------------------- commands
def cmd_reduce(args):
    import pandas as pd

    from ._autoencoder import AutoencoderTransformer

    ids, data = split_ids(read_table(args.input), args.id_column, numeric=True)
    require_complete(data)
    model = fit_or_load(
        args,
        lambda: AutoencoderTransformer(n_components=args.n_components, **common_params(args)),
        data,
    )
    codes = model.transform(data)
    names = [f"ae{i}" for i in range(codes.shape[1])]
    return with_ids(ids, pd.DataFrame(codes, columns=names))


def cmd_outliers(args):
    import pandas as pd

    from ._outlier import AEOutlierDetector

    table = read_table(args.input)
    ids, data = split_ids(table, args.id_column, numeric=True)
    require_complete(data)

    def make():
        return AEOutlierDetector(
            contamination=args.contamination, distance=args.distance, **common_params(args)
        )

    model = fit_or_load(args, make, data)
    scores = model.score_samples(data)  # one pass; predict is scores - offset_ < 0
    result = pd.DataFrame({"outlier_score": -scores, "is_outlier": scores - model.offset_ < 0})
    if args.explain:
        if sys.stderr.isatty():  # integrated gradients: seconds per 1,000 rows
            print(f"explaining {len(data)} rows ...", file=sys.stderr, flush=True)
        shares = pd.DataFrame(model.explain(data)).add_prefix("share_")
        result = pd.concat([result, shares.reset_index(drop=True)], axis=1)
    if args.keep_columns:
        result = pd.concat([table.drop(columns=args.id_column), result], axis=1)
    if not args.id_column:  # something to join the scores back on
        result.insert(0, "row", range(len(result)))
    return with_ids(ids, result)


def cmd_impute(args):
    import numpy as np
    import pandas as pd

    from ._imputer import AEImputer
    from ._tabular import decimals

    table = read_table(args.input)
    _, rest = split_ids(table, args.id_column, numeric=False)  # id columns stay as they are
    numeric = [
        c
        for c in rest.columns
        if pd.api.types.is_numeric_dtype(rest[c]) or pd.api.types.is_bool_dtype(rest[c])
    ]
    text = [c for c in rest.columns if c not in numeric]
    keys = identifier_columns(rest[text], ())
    if not numeric:
        raise CLIError("no numeric columns to impute")
    data = rest[numeric].astype(float)
    model = fit_or_load(args, lambda: AEImputer(**common_params(args)), data)
    filled = model.set_output(transform="pandas").transform(data)
    result = table.copy()
    for name in numeric:
        col = table[name]
        if name not in filled.columns:  # no value to learn from: kept as it came
            print(f"sklearn-ae: note: column {name!r} has no values; left empty", file=sys.stderr)
            continue
        if not col.isna().any():
            continue  # untouched, dtype and all
        values = filled[name].to_numpy()
        observed = col.dropna().to_numpy(dtype=float)
        if pd.api.types.is_bool_dtype(col) or np.array_equal(observed, np.round(observed)):
            # an integer column (read as float because of its holes): whole numbers
            low, high = observed.min(), observed.max()
            result[name] = pd.array(np.clip(np.round(values), low, high), dtype="Int64")
        else:
            places = decimals(col)
            result[name] = values if places is None else np.round(values, places)
    for name in text:
        col = table[name]
        if not col.isna().any():
            continue
        if name in keys or col.notna().sum() == 0:
            print(
                f"sklearn-ae: note: column {name!r} is not numeric and has no repeated "
                "values; left as it came",
                file=sys.stderr,
            )
            continue
        result[name] = col.fillna(col.mode(dropna=True).iloc[0])  # the most frequent value
    return result


def cmd_generate(args):
    from ._vae import VAEGenerator

    if args.input is None:
        if not args.model:
            raise CLIError("give an input table to fit on, or --model to sample from a saved one")
        if args.n_samples is None:
            raise CLIError("give -n/--n-samples: without an input table there is no row count")
        model = load_model(args.model, VAEGenerator)
        return model.sample(args.n_samples, random_state=args.seed)
    table = read_table(args.input)
    keys = identifier_columns(table, args.id_column)
    for name in keys:
        print(
            f"sklearn-ae: note: column {name!r} has a different value on every row (an "
            "identifier?): left out of the synthetic table; --id-column "
            f"{name!r} says so explicitly",
            file=sys.stderr,
        )
    _, data = split_ids(table, [*args.id_column, *keys], numeric=False)
    params = {
        **common_params(args),
        "privacy_filter": not args.no_privacy_filter,
        "spike_share": args.spike_share,
    }
    model = fit_or_load(args, lambda: VAEGenerator(**params), data)
    if args.save_model and model.privacy_rows_ is not None:
        print(
            f"sklearn-ae: note: {args.save_model} keeps {len(model.privacy_rows_)} training "
            "rows for the privacy filter; share the synthetic table, not the model "
            "(--no-privacy-filter fits a model that keeps none)",
            file=sys.stderr,
        )
    n_samples = args.n_samples if args.n_samples is not None else len(data)
    # float columns come back in the input's precision (VAEGenerator learns it)
    return model.sample(n_samples, random_state=args.seed)


def cmd_demo(args):
    from ._demo import run

    folder = Path(args.output_dir)
    if folder.exists() and not folder.is_dir():
        raise CLIError(f"--output-dir {folder} is a file; give a folder for the demo's figures")
    if not folder.exists() and not folder.parent.is_dir():
        raise CLIError(f"--output-dir's parent folder does not exist: {folder.parent}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        hidden = (128, 64) if args.hidden is None else args.hidden
        run(args.output_dir, args.n_components, args.seed, args.max_iter, hidden, args.device)


# ------------------------------------------------------------------ parser
def contamination(value: str):
    if value == "auto":
        return value
    try:
        share = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'auto' or a number in (0, 0.5], not {value!r}") from None
    if not 0 < share <= 0.5:
        raise argparse.ArgumentTypeError(f"must be in (0, 0.5]; got {value}")
    return share


#: Each table command: (estimator, its default epochs, its default hidden layers).
DEFAULTS = {
    "reduce": ("AutoencoderTransformer", 200, "128,64"),
    "outliers": ("AEOutlierDetector", 20, "64,32"),
    "generate": ("VAEGenerator", 300, "128,128"),
    "impute": ("AEImputer", 200, "128,64"),
}


def build_parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="sklearn-ae",
        description="Autoencoders for tables: reduce, score outliers, generate, impute.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def table_command(name, help_text, func, *, input_optional=False):
        estimator, epochs, hidden = DEFAULTS[name]
        cmd = sub.add_parser(name, help=help_text, description=help_text)
        cmd.add_argument(
            "input",
            nargs="?" if input_optional else None,
            help="CSV, TSV or Parquet table with a header row (may be .gz/.bz2/.xz/.zip; "
            "the delimiter is sniffed)" + ("; optional with --model" if input_optional else ""),
        )
        cmd.add_argument(
            "-o",
            "--output",
            help="output file (.csv, .tsv or .parquet, optionally .gz); stdout if omitted",
        )
        copied = "left out of the synthetic table" if name == "generate" else "copied to the output"
        cmd.add_argument(
            "--id-column",
            action="append",
            default=[],
            metavar="NAME",
            help=f"column kept out of the model and {copied} (repeatable)",
        )
        cmd.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
        cmd.add_argument(
            "--max-iter",
            type=int,
            metavar="N",
            help=f"training epochs at most (default {epochs}, {estimator}'s"
            + (")" if name == "outliers" else f", {2 * epochs} on tables over 50,000 rows)"),
        )
        cmd.add_argument(
            "--hidden",
            type=hidden_sizes,
            metavar="W1,W2",
            help=f"hidden layer widths of the encoder (default {hidden}; 0 for a linear one)",
        )
        cmd.add_argument("--device", default="auto", help="auto, cpu or cuda (default auto)")
        cmd.add_argument(
            "--save-model",
            metavar="PATH",
            help="save the fitted estimator here (safetensors; no pickle)",
        )
        cmd.add_argument(
            "--model",
            metavar="PATH",
            help="use an estimator saved with --save-model: no fitting",
        )
        cmd.add_argument(
            "--progress",
            action=argparse.BooleanOptionalAction,
            default=None,
            help="epoch log on stderr, with a progress bar on a terminal (default: on a "
            f"terminal when the table has more than {LONG_FIT:,} cells)",
        )
        cmd.set_defaults(func=func)
        return cmd

    reduce = table_command("reduce", "embed rows with AutoencoderTransformer", cmd_reduce)
    reduce.add_argument(
        "-k", "--n-components", type=int, default=2, help="code size (default 2): columns ae0, ..."
    )
    outliers = table_command("outliers", "score rows with AEOutlierDetector", cmd_outliers)
    outliers.add_argument(
        "--contamination",
        type=contamination,
        default="auto",
        help="expected share of outliers, or auto (default)",
    )
    outliers.add_argument(
        "--distance",
        choices=["auto", "neighbors", "latent", "latent+neighbors"],
        default="auto",
        help="what the score adds to the reconstruction error: the mean distance to the 5 "
        "nearest training rows (neighbors), the code's distance from the training codes "
        "(latent), or both (latent+neighbors, the distance in the CSV's own units); auto "
        "(default): neighbors when the columns share a unit, else latent+neighbors",
    )
    outliers.add_argument(
        "--explain", action="store_true", help="add each feature's share of the score"
    )
    outliers.add_argument(
        "--keep-columns",
        action="store_true",
        help="write the input columns beside the scores",
    )
    generate = table_command(
        "generate", "synthesize rows with VAEGenerator", cmd_generate, input_optional=True
    )
    generate.add_argument(
        "-n", "--n-samples", type=int, help="rows to generate (default: as many as the input)"
    )
    generate.add_argument(
        "--no-privacy-filter",
        action="store_true",
        help="keep every drawn row, even those closer to a training row than unseen real "
        "rows are (VAEGenerator's privacy_filter=False; a saved model then keeps no "
        "training rows)",
    )
    generate.add_argument(
        "--spike-share",
        type=float,
        default=0.0,
        metavar="SHARE",
        help="give a numeric column whose smallest or largest value holds at least this "
        "share of its rows (a count's zeros) a category of its own (VAEGenerator's "
        "spike_share; default 0: never)",
    )
    table_command(
        "impute", "fill missing values with AEImputer (text columns: the mode)", cmd_impute
    )
    demo = sub.add_parser(
        "demo",
        help="the README's demo: AutoencoderTransformer vs PCA on digits",
        description="AutoencoderTransformer vs PCA on scikit-learn's digits: reconstruction "
        "error, downstream accuracy and figures.",
    )
    demo.add_argument(
        "-o",
        "--output-dir",
        default="demo_output",
        help="folder for the figures (default demo_output)",
    )
    demo.add_argument(
        "-k", "--n-components", type=int, default=8, help="code size of both methods (default 8)"
    )
    demo.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    demo.add_argument("--max-iter", type=int, default=200, help="autoencoder epochs (default 200)")
    demo.add_argument(
        "--hidden",
        type=hidden_sizes,
        metavar="W1,W2",
        help="the autoencoder's hidden layer widths (default 128,64)",
    )
    demo.add_argument("--device", default="auto", help="auto, cpu or cuda (default auto)")
    demo.set_defaults(func=cmd_demo)
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        check_output(getattr(args, "output", None) if args.command != "demo" else None, "output")
        check_output(getattr(args, "save_model", None), "--save-model")
        result = args.func(args)
        if result is not None:
            write_table(result, args.output)
    except CLIError as exc:
        print(f"sklearn-ae: error: {exc}", file=sys.stderr)
        return 1
    except (ValueError, TypeError) as exc:
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        print(f"sklearn-ae: error: {message}", file=sys.stderr)
        return 1
    return 0


def run_main() -> None:
    """Console-script entry point: exit with :func:`main`'s status."""
    try:
        status = main()
        sys.stdout.flush()
    except BrokenPipeError:  # e.g. `sklearn-ae ... | head`: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        status = 0
    sys.exit(status)
