"""Autoencoders as first-class scikit-learn estimators."""

from ._autoencoder import AutoencoderTransformer
from ._denoising import DenoisingAE
from ._imputer import AEImputer
from ._outlier import AEOutlierDetector
from ._persistence import load
from ._vae import VAEGenerator

try:
    from ._version import __version__
except ImportError:  # pragma: no cover - running from a source tree without metadata
    __version__ = "0.0.0.dev0"

__all__ = [
    "AEImputer",
    "AEOutlierDetector",
    "AutoencoderTransformer",
    "DenoisingAE",
    "VAEGenerator",
    "__version__",
    "load",
]
