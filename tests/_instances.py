"""Cheap constructor settings per estimator, and expected check failures.

As scikit-learn's ``instance_generator.py``: one dict of tiny settings per
public estimator, plus every expected ``check_estimator`` failure with a
written reason.
"""

from torch import nn

import sklearn_ae
from sklearn_ae.modules import ModuleParams

TINY = dict(hidden_layer_sizes=(8,), max_iter=3, random_state=0, device="cpu")

TINY_PARAMS = {
    "AutoencoderTransformer": dict(TINY),
    "DenoisingAE": dict(TINY),
    "AEImputer": dict(TINY),
    "AEOutlierDetector": dict(TINY),
    "VAEGenerator": dict(TINY),
}

EXPECTED_FAILED_CHECKS = {
    "AutoencoderTransformer": {},
}


class TinyModule(ModuleParams, nn.Module):
    """A user-style MLP whose width follows the data (``n_features=None``)."""

    def __init__(self, n_features=None, n_components=2, width=8):
        super().__init__()
        self.n_features = n_features
        self.n_components = n_components
        self.width = width
        n = n_features or 1
        self.enc = nn.Sequential(nn.Linear(n, width), nn.ReLU(), nn.Linear(width, n_components))
        self.dec = nn.Sequential(nn.Linear(n_components, width), nn.ReLU(), nn.Linear(width, n))

    def encode(self, x):
        return self.enc(x)

    def decode(self, z):
        return self.dec(z)


class TinyVariationalModule(TinyModule):
    """The same, with ``encode`` returning ``(mean, log_var)`` as VAEGenerator needs."""

    def __init__(self, n_features=None, n_components=2, width=8):
        super().__init__(n_features, 2 * n_components, width)
        self.n_components = n_components
        self.dec[0] = nn.Linear(n_components, width)

    def encode(self, x):
        mean, log_var = self.enc(x).chunk(2, dim=1)
        return mean, log_var


#: The estimators that take ``module``, each with a user module, for the checks.
MODULE_ESTIMATORS = ["AutoencoderTransformer", "DenoisingAE", "AEImputer", "AEOutlierDetector"]


def tiny_instances():
    """One tiny instance of every public estimator."""
    return [getattr(sklearn_ae, name)(**params) for name, params in TINY_PARAMS.items()]


def module_instances():
    """Tiny instances running a user module instead of the built-in MLP."""
    return [
        getattr(sklearn_ae, name)(module=TinyModule(), **TINY_PARAMS[name])
        for name in MODULE_ESTIMATORS
    ]
    # VAEGenerator(module=...) is left out: scikit-learn's checks fit with y, which
    # VAEGenerator reads as class labels (a conditional VAE), and a user module
    # cannot condition; test_module.py tests it directly.


#: Checks that cannot apply to an estimator holding a torch module as a parameter.
MODULE_FAILED_CHECKS = {
    "check_estimators_overwrite_params": (
        "compares joblib.hash of each parameter with the hash of its deepcopy, and a "
        "torch module's hash differs from its deepcopy's even untouched (torch pickles "
        "storages by identity); test_module.py checks fit leaves the module unchanged"
    ),
}


def expected_failed_checks(estimator):
    if getattr(estimator, "module", None) is not None:
        return MODULE_FAILED_CHECKS
    return EXPECTED_FAILED_CHECKS.get(type(estimator).__name__, {})
