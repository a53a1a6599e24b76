"""How often a small half of tables would put VAEGenerator behind an anchor.

Reads the per-table block that ``bench_generation.py`` prints (one or more
saved outputs, e.g. the two processes of a run split with ``--tables``) and,
for one metric, takes every half of ``k`` of those tables: the share of
halves whose mean puts VAEGenerator behind the anchor, and behind by at
least ``--gap``. The own confirming half has three tables; a lead on many
tuning tables that is small beside the table-to-table spread still leaves
such a half behind now and then. It explains a reported figure and chooses
nothing.

Usage::

    python benchmarks/bench_generation.py --family pool --half tuning \\
        --rows 178 --seeds 10 11 12 --no-fit-time > pool.txt
    python benchmarks/check_halves.py pool.txt --metric dcr --anchor TVAE --k 3 --gap 0.029
"""

from __future__ import annotations

import argparse
import itertools
import re

import numpy as np

GENERATORS = ("VAEGenerator", "independent", "TVAE", "GaussianCopula")
_ROW = re.compile(r"^(\S+)?\s+(" + "|".join(GENERATORS) + r")\s+(.*)$")


def per_table(text: str) -> dict[str, dict[str, dict[str, float]]]:
    """generator -> table -> metric -> value, from a printed per-table block."""
    block = text.split("mean over tables")[0].splitlines()
    header = next((line.split() for line in block if line.split()[:1] == ["quality"]), None)
    if header is None:
        raise ValueError("no per-table block of bench_generation.py in this output")
    out: dict[str, dict[str, dict[str, float]]] = {}
    table = None
    for line in block:
        match = _ROW.match(line)
        if match is None:  # a progress line, a header
            continue
        table = match.group(1) or table
        values = [float(v) for v in match.group(3).split()]
        out.setdefault(match.group(2), {})[table] = dict(zip(header, values, strict=True))
    return out


def halves_behind(ours: dict, anchor: dict, metric: str, k: int, gap: float):
    """Per-table differences and the shares of k-table halves behind, behind by ``gap``."""
    tables = sorted(set(ours) & set(anchor))
    if len(tables) < k:
        raise ValueError(f"{len(tables)} tables in common, fewer than k={k}")
    diff = {t: ours[t][metric] - anchor[t][metric] for t in tables}
    means = np.array([np.mean([diff[t] for t in c]) for c in itertools.combinations(tables, k)])
    return diff, float((means < 0).mean()), float((means <= -gap).mean())


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("outputs", nargs="+", help="saved bench_generation.py outputs")
    parser.add_argument("--metric", default="dcr")
    parser.add_argument("--anchor", default="TVAE", choices=GENERATORS[1:])
    parser.add_argument("--k", type=int, default=3, help="tables in a half")
    parser.add_argument("--gap", type=float, default=0.0, help="also count halves this far behind")
    args = parser.parse_args(argv)
    rows: dict[str, dict] = {}
    for path in args.outputs:
        with open(path) as f:
            for generator, tables in per_table(f.read()).items():
                rows.setdefault(generator, {}).update(tables)
    diff, behind, far = halves_behind(
        rows["VAEGenerator"], rows[args.anchor], args.metric, args.k, args.gap
    )
    print(f"VAEGenerator minus {args.anchor}, {args.metric}, per table:")
    for table, d in sorted(diff.items(), key=lambda item: item[1]):
        print(f"  {table:28s} {d:+.3f}")
    print(f"mean over {len(diff)} tables {np.mean(list(diff.values())):+.3f}")
    line = f"halves of {args.k} tables behind: {behind:.2f}"
    print(line + (f"; behind by {args.gap} or more: {far:.2f}" if args.gap > 0 else ""))


if __name__ == "__main__":
    main()
