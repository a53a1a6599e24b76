"""The only module that touches private scikit-learn API.

scikit-learn's validation helpers (``_fit_context``, ``validate_data``) are
reached through :mod:`sklearn_compat`, which tracks their moves between
releases; the constraint classes used in ``_parameter_constraints`` live in
``sklearn.utils._param_validation`` and are re-exported from here so that a
future move is a one-line change.
"""

from sklearn.utils._param_validation import (  # noqa: F401
    HasMethods,
    Interval,
    Options,
    StrOptions,
)
from sklearn.utils.validation import _check_feature_names_in  # noqa: E402, F401
from sklearn_compat.base import _fit_context  # noqa: F401
from sklearn_compat.utils.validation import validate_data  # noqa: F401
