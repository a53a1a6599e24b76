"""Autoencoders as first-class scikit-learn estimators.

The estimators are imported on first use (PEP 562), so ``import sklearn_ae``
and the ``sklearn-ae`` command line's ``--help`` do not wait for torch.
"""

import importlib

try:
    from ._version import __version__
except ImportError:  # pragma: no cover - running from a source tree without metadata
    __version__ = "0.0.0.dev0"

#: Public name -> the private module that defines it.
_LAZY = {
    "AutoencoderTransformer": "._autoencoder",
    "DenoisingAE": "._denoising",
    "AEImputer": "._imputer",
    "AEOutlierDetector": "._outlier",
    "VAEGenerator": "._vae",
    "load": "._persistence",
}

__all__ = [
    "AEImputer",
    "AEOutlierDetector",
    "AutoencoderTransformer",
    "DenoisingAE",
    "VAEGenerator",
    "__version__",
    "load",
]


def __getattr__(name):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
