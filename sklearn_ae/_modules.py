"""Pure torch building blocks: no scikit-learn or skorch imports here."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

ACTIVATIONS: dict[str, type[nn.Module]] = {
    "relu": nn.ReLU,
    "tanh": nn.Tanh,
    "gelu": nn.GELU,
    "elu": nn.ELU,
    "leaky_relu": nn.LeakyReLU,
    "sigmoid": nn.Sigmoid,
}


def mlp(
    sizes: Sequence[int],
    activation: str = "relu",
    dropout: float = 0.0,
    batch_norm: bool = False,
) -> nn.Sequential:
    """Linear layers through ``sizes``; hidden layers get norm, activation, dropout.

    The last layer is a plain ``Linear``: callers decide what its output means.
    """
    layers: list[nn.Module] = []
    n_layers = len(sizes) - 1
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        layers.append(nn.Linear(n_in, n_out))
        if i < n_layers - 1:
            if batch_norm:
                layers.append(nn.BatchNorm1d(n_out))
            layers.append(ACTIVATIONS[activation]())
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
    return nn.Sequential(*layers)


class Autoencoder(nn.Module):
    """MLP encoder and decoder around a code of ``n_components`` units.

    Parameters
    ----------
    n_features : int
        Width of the data (the decoder's output).
    n_components : int
        Width of the code.
    hidden_layer_sizes : sequence of int
        Encoder hidden widths; the decoder mirrors them.
    activation, dropout, batch_norm
        Passed to :func:`mlp` for both halves.
    mask_input : bool
        When true the encoder also reads the observation mask (1 = observed),
        so that it can tell a missing entry from an observed zero.
    sigmoid_output : bool
        When true :meth:`reconstruct` squashes the decoder's logits into
        (0, 1) (used with the binary cross-entropy loss).
    """

    def __init__(
        self,
        n_features: int,
        n_components: int,
        hidden_layer_sizes: Sequence[int] = (),
        *,
        activation: str = "relu",
        dropout: float = 0.0,
        batch_norm: bool = False,
        mask_input: bool = False,
        sigmoid_output: bool = False,
    ) -> None:
        super().__init__()
        hidden = list(hidden_layer_sizes)
        n_inputs = 2 * n_features if mask_input else n_features
        kw = dict(activation=activation, dropout=dropout, batch_norm=batch_norm)
        self.mask_input = mask_input
        self.sigmoid_output = sigmoid_output
        self.encoder = mlp([n_inputs, *hidden, n_components], **kw)
        self.decoder = mlp([n_components, *hidden[::-1], n_features], **kw)

    def encode(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """Code of ``x``; missing entries (``mask == 0``) are read as zeros."""
        if self.mask_input:
            if mask is None:
                mask = torch.ones_like(x)
            x = torch.cat([x * mask, mask], dim=1)
        return self.encoder(x)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Raw decoder output (logits when ``sigmoid_output``)."""
        return self.decoder(z)

    def link(self, raw: torch.Tensor) -> torch.Tensor:
        """Map raw decoder output to the data scale."""
        return torch.sigmoid(raw) if self.sigmoid_output else raw

    def reconstruct(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """Decoded code of ``x`` on the data scale."""
        return self.link(self.decode(self.encode(x, mask)))

    def forward(
        self, x: torch.Tensor, mask: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Return ``(raw reconstruction, code)``."""
        z = self.encode(x, mask)
        return self.decode(z), z
