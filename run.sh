#!/usr/bin/env bash
# Set up a virtual environment in .venv (idempotent) and run one job:
#   bash run.sh demo   - the digits demo (AutoencoderTransformer vs PCA, PNGs in demo_output/)
#   bash run.sh test   - the test suite (sklearn's estimator checks, behaviour tests, doctests)
#   bash run.sh docs   - the Sphinx site with its example gallery (docs/_build/html; warnings are
#                        errors, and docs/check_gallery.py fails on stray output in the examples)
#   bash run.sh bench  - the benchmarks in benchmarks/ (installs the optional extras)
set -euo pipefail
cd "$(dirname "$0")"
job="${1:-demo}"
shift || true
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
PY=.venv/bin/python
"$PY" -m pip install -q --upgrade pip
# torch first, pinned: on these machines 2.13.0 is a CPU build on local disk
# (a bare `torch` would pull a multi-GB CUDA build). pyproject keeps torch>=2.2.
"$PY" -m pip install -q "torch==2.13.0"
case "$job" in
    demo) extras="demo" ;;
    test) extras="test" ;;
    docs) extras="docs" ;;
    bench) extras="benchmark,test" ;;
    *) echo "usage: bash run.sh [demo|test|docs|bench] [args...]" >&2; exit 2 ;;
esac
"$PY" -m pip install -q -e ".[$extras]"
case "$job" in
    demo) exec "$PY" -m sklearn_ae.demo "$@" ;;
    test) exec "$PY" -m pytest -n 2 "$@" ;;
    docs) PATH="$PWD/.venv/bin:$PATH" make -C docs html "$@"
          exec "$PY" docs/check_gallery.py ;;  # no stray reprs or warning paths in the gallery
    bench) exec "$PY" benchmarks/run_all.py "$@" ;;
esac
