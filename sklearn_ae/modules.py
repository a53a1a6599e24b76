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


def _conv_size(size: int, kernel: int, stride: int) -> int:
    """Output size of a convolution with ``kernel // 2`` padding."""
    return (size + 2 * (kernel // 2) - kernel) // stride + 1


class ConvAutoencoder(ModuleParams, nn.Module):
    """Convolutional encoder and decoder for images given as flattened rows.

    Takes rows of ``C * H * W`` values (as scikit-learn's ``load_digits`` and
    ``fetch_openml("mnist_784")`` give them) and reshapes them to
    ``image_shape``. The encoder is a stack of convolutions (``channels``,
    each followed by the activation; a stride of 2 halves the height and
    width) and a linear map to ``n_components`` codes. The decoder mirrors
    it: a linear map back to the last feature maps, then per stage an
    upsampling to the encoder's size (where it had a stride above 1) and a
    convolution, and a last convolution to the image's channels.

    The defaults (two 3x3 convolutions of 32 channels, no downsampling) were
    chosen on the tuning half of the image benchmark
    (``benchmarks/bench_images.py``): on 8x8 digits, downsampling lost more
    than it saved. For larger images, strides of 2 keep the linear maps small.

    Pass it as ``module`` to AutoencoderTransformer, DenoisingAE, AEImputer
    or AEOutlierDetector; ``n_components`` here sets the code size (the
    estimator's own ``n_components`` and network parameters are then unused).

    Read more in the :ref:`User Guide <own_network>`.

    Parameters
    ----------
    image_shape : tuple of int, default=(1, 8, 8)
        ``(channels, height, width)`` of one image; ``(height, width)`` means
        one channel. Rows must hold ``channels * height * width`` values, in
        that (C-contiguous) order.
    n_components : int, default=16
        Size of the code.
    channels : tuple of int, default=(32, 32)
        Output channels of the encoder's convolutions; the decoder mirrors them.
    strides : tuple of int or None, default=None
        Stride of each encoder convolution (1 keeps the size, 2 halves it);
        None means 1 everywhere.
    kernel_size : int, default=3
        Height and width of every convolution kernel (odd, so that a stride
        of 1 keeps the size).
    activation : {"relu", "tanh", "gelu", "elu", "leaky_relu", "sigmoid"}, \
default="relu"
        Activation after each convolution but the last, and after the
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
    (32, 32)
    """

    def __init__(
        self,
        image_shape: Sequence[int] = (1, 8, 8),
        n_components: int = 16,
        channels: Sequence[int] = (32, 32),
        strides: Sequence[int] | None = None,
        kernel_size: int = 3,
        activation: str = "relu",
    ) -> None:
        super().__init__()
        self.image_shape = image_shape
        self.n_components = n_components
        self.channels = channels
        self.strides = strides
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
        steps = [1] * len(channels) if strides is None else [int(v) for v in strides]
        if not channels or len(steps) != len(channels):
            raise ValueError(
                f"channels and strides need one entry per convolution; got {channels!r} "
                f"and {strides!r}."
            )
        if min(channels) < 1 or min(steps) < 1 or n_components < 1 or kernel_size % 2 == 0:
            raise ValueError(
                "channels, strides and n_components must be positive and kernel_size odd."
            )
        self._shape = shape
        widths = [shape[0], *channels]
        sizes = [shape[1:]]
        for step in steps:
            h, w = sizes[-1]
            sizes.append((_conv_size(h, kernel_size, step), _conv_size(w, kernel_size, step)))
        self._sizes = sizes
        pad = kernel_size // 2
        act = ACTIVATIONS[activation]
        encoder: list[nn.Module] = []
        for c_in, c_out, step in zip(widths[:-1], widths[1:], steps, strict=True):
            encoder += [nn.Conv2d(c_in, c_out, kernel_size, stride=step, padding=pad), act()]
        self.encoder = nn.Sequential(*encoder, nn.Flatten())
        flat = widths[-1] * sizes[-1][0] * sizes[-1][1]
        self.to_code = nn.Linear(flat, n_components)
        self.from_code = nn.Sequential(nn.Linear(n_components, flat), act())
        decoder: list[nn.Module] = []
        for stage in range(len(channels), 0, -1):
            if steps[stage - 1] > 1:
                decoder.append(nn.Upsample(size=sizes[stage - 1], mode="nearest"))
            c_out = widths[max(stage - 1, 1)]
            decoder += [nn.Conv2d(widths[stage], c_out, kernel_size, padding=pad), act()]
        decoder.append(nn.Conv2d(widths[1], shape[0], kernel_size, padding=pad))
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
