"""``python -m sklearn_ae``: the ``sklearn-ae`` command line (see :mod:`sklearn_ae._cli`)."""

from ._cli import run_main

if __name__ == "__main__":
    run_main()
