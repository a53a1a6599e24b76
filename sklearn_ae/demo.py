"""``python -m sklearn_ae.demo``: the README's demo (see :mod:`sklearn_ae._demo`)."""

from ._demo import main

if __name__ == "__main__":
    raise SystemExit(main())
