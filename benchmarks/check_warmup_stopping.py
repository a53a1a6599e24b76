"""Whether VAEGenerator's warm-up stopping rule changes any reported fit (it chooses nothing).

``_vae.STOP_AFTER_KL_WARMUP`` makes early stopping ignore the KL warm-up's
epochs. This fits ``VAEGenerator(random_state=seed)`` on every confirming
table and report seed of ``bench_generation.py`` under the rule before
(False) and the rule now (True), and prints each fit's epochs and best epoch
and whether the two models' samples are identical: where they are, the
reported figures of that table stand as they were measured.

Usage::

    python benchmarks/check_warmup_stopping.py [--family own|external]
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import splits  # noqa: E402
from bench_generation import load_tables, split  # noqa: E402

from sklearn_ae import VAEGenerator  # noqa: E402
from sklearn_ae import _vae as vae  # noqa: E402


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--family", choices=["own", "external"], default="own")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    before = vae.STOP_AFTER_KL_WARMUP
    changed = 0
    try:
        for name, (df, target, task) in load_tables("confirming", args.family).items():
            for seed in splits.REPORT_SEEDS:
                train, _ = split(df, target, task, seed, None)
                fits = []
                for rule in (False, True):
                    vae.STOP_AFTER_KL_WARMUP = rule
                    model = VAEGenerator(random_state=seed).fit(train)
                    stopper = dict(model.net_.callbacks_)["stopping"]
                    sample = model.sample(len(train), random_state=seed)
                    fits.append((model.n_iter_, stopper.best_epoch_, sample))
                same = fits[0][2].equals(fits[1][2])
                changed += not same
                print(
                    f"{name:26s} seed {seed} ({len(train)} rows): before {fits[0][0]} epochs "
                    f"(best {fits[0][1]}), now {fits[1][0]} (best {fits[1][1]}): "
                    + ("identical samples" if same else "samples DIFFER"),
                    flush=True,
                )
    finally:
        vae.STOP_AFTER_KL_WARMUP = before
    print(f"{changed} fit(s) changed")


if __name__ == "__main__":
    main()
