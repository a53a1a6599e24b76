"""Networks to pass as the estimators' ``module`` parameter.

Any :class:`torch.nn.Module` with ``encode(X) -> Z`` and ``decode(Z) -> X_hat``
works (see the user guide's "Your own network"); this module ships
:class:`ConvAutoencoder` for images given as flattened rows, and
:class:`ModuleParams`, the mixin that makes a module's constructor arguments
scikit-learn parameters (``get_params``/``set_params``, so ``clone`` and
``GridSearchCV`` reach them as ``module__<name>``).
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence

import torch
from torch import nn

from ._modules import ACTIVATIONS

__all__ = ["ConvAutoencoder", "ModuleParams"]


class ModuleParams:
    """scikit-learn parameters for a torch module, read from its ``__init__``.

    As for an estimator, ``__init__`` must store every argument unchanged as
    an attribute of the same name. ``set_params`` then rebuilds the module
    with the new arguments (its layers depend on them), and ``clone`` makes a
    fresh, untrained copy. Put it first among the bases::

        class MyModule(ModuleParams, torch.nn.Module):
            def __init__(self, n_features=64, width=32):
                super().__init__()
                self.n_features = n_features
                self.width = width
                ...
    """

    @classmethod
    def _get_param_names(cls) -> list[str]:
        init = cls.__init__
        if init is object.__init__:
            return []
        params = inspect.signature(init).parameters.values()
        for p in params:
            if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                raise RuntimeError(
                    f"{cls.__name__}.__init__ takes *args or **kwargs; ModuleParams needs "
                    "every argument named in the signature."
                )
        return sorted(p.name for p in params if p.name != "self")

    def get_params(self, deep: bool = True) -> dict:
        """The constructor arguments, by name.

        Parameters
        ----------
        deep : bool, default=True
            Unused (a module has no nested estimators); kept for scikit-learn.

        Returns
        -------
        params : dict
            Argument names mapped to their values.
        """
        return {name: getattr(self, name) for name in self._get_param_names()}

    def set_params(self, **params):
        """Set constructor arguments and rebuild the module's layers.

        Parameters
        ----------
        **params : dict
            Constructor arguments.

        Returns
        -------
        self : module
            The rebuilt module (untrained).
        """
        valid = self.get_params()
        for name in params:
            if name not in valid:
                raise ValueError(
                    f"Invalid parameter {name!r} for {type(self).__name__}; "
                    f"valid parameters are {sorted(valid)}."
                )
        type(self).__init__(self, **{**valid, **params})
        return self

    def __repr__(self) -> str:
        defaults = {
            p.name: p.default for p in inspect.signature(type(self).__init__).parameters.values()
        }
        changed = [
            f"{name}={value!r}"
            for name, value in self.get_params().items()
            if not (name in defaults and _same(defaults[name], value))
        ]
        return f"{type(self).__name__}({', '.join(changed)})"


def _same(a, b) -> bool:
    try:
        return bool(a == b)
    except Exception:  # noqa: BLE001 - arrays and the like: not equal to a default
        return False


def _conv_size(size: int, kernel: int) -> int:
    """Output size of a stride-2 convolution with ``kernel // 2`` padding."""
    return (size + 2 * (kernel // 2) - kernel) // 2 + 1


class ConvAutoencoder(ModuleParams, nn.Module):
    """Convolutional encoder and decoder for images given as flattened rows.

    Takes rows of ``C * H * W`` values (as scikit-learn's ``load_digits`` and
    ``fetch_openml("mnist_784")`` give them), reshapes them to
    ``image_shape``, and encodes them with stride-2 convolutions (each halves
    the height and width) and a linear map to ``n_components`` codes. The
    decoder mirrors it: a linear map, then per stage an upsampling back to
    the encoder's size and a convolution, so any image size round-trips.

    Pass it as ``module`` to AutoencoderTransformer, DenoisingAE, AEImputer
    or AEOutlierDetector; ``n_components`` here sets the code size (the
    estimator's own ``n_components`` and network parameters are then unused).

    Parameters
    ----------
    image_shape : tuple of int, default=(1, 8, 8)
        ``(channels, height, width)`` of one image; ``(height, width)`` means
        one channel. Rows must hold ``channels * height * width`` values, in
        that (C-contiguous) order.
    n_components : int, default=16
        Size of the code.
    channels : tuple of int, default=(16, 32)
        Output channels of the encoder's convolutions, one stride-2 stage
        each; the decoder mirrors them.
    kernel_size : int, default=3
        Height and width of every convolution kernel.
    activation : {"relu", "tanh", "gelu", "elu", "leaky_relu", "sigmoid"}, \
default="relu"
        Activation after each convolution (but the last) and after the
        decoder's linear map.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_ae import DenoisingAE
    >>> from sklearn_ae.modules import ConvAutoencoder
    >>> X, _ = load_digits(return_X_y=True)
    >>> dae = DenoisingAE(module=ConvAutoencoder((1, 8, 8), n_components=16),
    ...                   max_iter=2, random_state=0)
    >>> dae.fit(X).transform(X).shape
    (1797, 16)
    >>> dae.get_params()["module__channels"]
    (16, 32)
    """

    def __init__(
        self,
        image_shape: Sequence[int] = (1, 8, 8),
        n_components: int = 16,
        channels: Sequence[int] = (16, 32),
        kernel_size: int = 3,
        activation: str = "relu",
    ) -> None:
        super().__init__()
        self.image_shape = image_shape
        self.n_components = n_components
        self.channels = channels
        self.kernel_size = kernel_size
        self.activation = activation
        shape = tuple(int(v) for v in image_shape)
        if len(shape) == 2:
            shape = (1, *shape)
        if len(shape) != 3 or min(shape) < 1:
            raise ValueError(
                f"image_shape must be (channels, height, width) or (height, width); "
                f"got {image_shape!r}."
            )
        if activation not in ACTIVATIONS:
            raise ValueError(
                f"activation must be one of {sorted(ACTIVATIONS)}; got {activation!r}."
            )
        if not channels or min(channels) < 1 or kernel_size < 1 or n_components < 1:
            raise ValueError("channels, kernel_size and n_components must be positive.")
        self._shape = shape
        widths = [shape[0], *channels]
        sizes = [shape[1:]]
        for _ in channels:
            h, w = sizes[-1]
            sizes.append((_conv_size(h, kernel_size), _conv_size(w, kernel_size)))
        self._sizes = sizes
        pad = kernel_size // 2
        act = ACTIVATIONS[activation]
        encoder: list[nn.Module] = []
        for c_in, c_out in zip(widths[:-1], widths[1:], strict=True):
            encoder += [nn.Conv2d(c_in, c_out, kernel_size, stride=2, padding=pad), act()]
        self.encoder = nn.Sequential(*encoder, nn.Flatten())
        flat = widths[-1] * sizes[-1][0] * sizes[-1][1]
        self.to_code = nn.Linear(flat, n_components)
        self.from_code = nn.Sequential(nn.Linear(n_components, flat), act())
        decoder: list[nn.Module] = []
        for stage in range(len(channels), 0, -1):
            decoder += [
                nn.Upsample(size=sizes[stage - 1], mode="nearest"),
                nn.Conv2d(widths[stage], widths[stage - 1], kernel_size, padding=pad),
            ]
            if stage > 1:
                decoder.append(act())
        self.decoder = nn.Sequential(*decoder)

    @property
    def n_features(self) -> int:
        """Values per row: ``channels * height * width``."""
        c, h, w = self._shape
        return c * h * w

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """Codes of flattened images ``(batch, C*H*W)``."""
        if x.shape[-1] != self.n_features:
            raise ValueError(
                f"ConvAutoencoder(image_shape={tuple(self.image_shape)}) takes rows of "
                f"{self.n_features} values; got {x.shape[-1]}."
            )
        return self.to_code(self.encoder(x.reshape(-1, *self._shape)))

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Flattened images ``(batch, C*H*W)`` from codes."""
        c, (h, w) = self.channels[-1], self._sizes[-1]
        x = self.from_code(z).reshape(-1, c, h, w)
        return self.decoder(x).reshape(z.shape[0], -1)
