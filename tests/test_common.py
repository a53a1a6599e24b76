"""scikit-learn's estimator checks over every public estimator."""

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

import sklearn_ae

from ._instances import TINY_PARAMS, expected_failed_checks, module_instances, tiny_instances


@parametrize_with_checks(
    tiny_instances() + module_instances(),
    expected_failed_checks=expected_failed_checks,
    xfail_strict=True,
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


def test_instances_cover_public_api():
    public = {name for name in sklearn_ae.__all__ if name[0].isupper()}
    assert public == set(TINY_PARAMS)


@pytest.mark.parametrize(
    "estimator", tiny_instances() + module_instances(), ids=lambda e: type(e).__name__
)
def test_no_work_in_init(estimator):
    # only the constructor arguments are set: nothing fitted, nothing resolved
    assert set(vars(estimator)) == set(estimator.get_params(deep=False))
