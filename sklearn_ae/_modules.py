"""Pure torch building blocks: no scikit-learn or skorch imports here."""

from __future__ import annotations

import copy
import inspect
import math
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

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


# ------------------------------------------------------------- randomness
# Every random draw of a fit (initial weights, dropout, the VAE's sampled
# codes, shuffling, corruption) comes from generators the fit owns, seeded from
# ``random_state``: never from torch's global generator, so that fits running
# side by side in threads give what they give alone.

#: Held while a module's constructor runs: torch's layers draw their initial
#: weights from the global generator, which is forked around the construction
#: (the draws are then overwritten by :func:`init_parameters`).
_GLOBAL_RNG_LOCK = threading.RLock()


@contextmanager
def isolated_global_rng() -> Iterator[None]:
    """Run a block whose global-generator draws neither leak out nor race.

    The CPU generator is forked (its state restored on exit) under a lock,
    so constructing torch layers here leaves the caller's random stream as
    it was, and two threads never interleave their draws.
    """
    with _GLOBAL_RNG_LOCK, torch.random.fork_rng(devices=[]):
        yield


class Stochastic:
    """Mixin of the modules that draw random numbers in training.

    The fit sets ``generator`` (a :class:`torch.Generator` on the training
    device) for the duration of training; outside of it, the draws fall back
    to torch's global generator, as torch's own layers do.
    """

    generator: torch.Generator | None = None

    def _generator_for(self, like: torch.Tensor) -> torch.Generator | None:
        gen = self.generator
        return gen if gen is not None and gen.device == like.device else None

    def randn_like(self, like: torch.Tensor) -> torch.Tensor:
        return torch.randn(
            like.shape, generator=self._generator_for(like), dtype=like.dtype, device=like.device
        )

    def rand_like(self, like: torch.Tensor) -> torch.Tensor:
        return torch.rand(
            like.shape, generator=self._generator_for(like), dtype=like.dtype, device=like.device
        )


def attach_generator(generator: torch.Generator | None, *roots) -> None:
    """Give every :class:`Stochastic` part of ``roots`` the fit's ``generator``."""
    for root in roots:
        parts = root.modules() if isinstance(root, nn.Module) else [root]
        for part in parts:
            if isinstance(part, Stochastic):
                part.generator = generator


class Dropout(Stochastic, nn.Module):
    """:class:`torch.nn.Dropout` drawing its masks from the fit's generator."""

    def __init__(self, p: float = 0.5) -> None:
        super().__init__()
        self.p = p

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0:
            return x
        if self.generator is None:
            return nn.functional.dropout(x, self.p, training=True)
        keep = self.rand_like(x) >= self.p
        return x * keep / (1.0 - self.p)

    def extra_repr(self) -> str:
        return f"p={self.p}"


def _uniform_fan_in(layer: nn.Module, generator: torch.Generator) -> None:
    """torch's default initialisation of a linear or convolution layer, from ``generator``."""
    nn.init.kaiming_uniform_(layer.weight, a=math.sqrt(5), generator=generator)
    if getattr(layer, "bias", None) is not None:
        fan_in, _ = nn.init._calculate_fan_in_and_fan_out(layer.weight)
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
        nn.init.uniform_(layer.bias, -bound, bound, generator=generator)


def init_parameters(module: nn.Module, generator: torch.Generator) -> nn.Module:
    """Draw ``module``'s initial parameters from ``generator`` (a CPU generator).

    Linear and convolution layers (and :class:`MemberLinear`) get torch's
    default initialisation, drawn from ``generator``; layers whose reset is
    deterministic (normalisations) are reset. Any other submodule with a
    ``reset_parameters`` method (a user's own layer) is reset from the global
    generator seeded by a draw of ``generator``, forked and under a lock
    (:func:`isolated_global_rng`). Parameters no reset covers keep their
    constructor's values.
    """
    with torch.no_grad():
        for sub in module.modules():
            if isinstance(sub, (nn.Linear, nn.modules.conv._ConvNd)):
                _uniform_fan_in(sub, generator)
            elif isinstance(sub, MemberLinear):
                sub.reset_parameters(generator)
            elif isinstance(sub, (nn.modules.batchnorm._NormBase, nn.LayerNorm, nn.GroupNorm)):
                sub.reset_parameters()
            elif isinstance(sub, nn.Embedding):
                nn.init.normal_(sub.weight, generator=generator)
                sub._fill_padding_idx_with_zero()
            elif callable(getattr(sub, "reset_parameters", None)):
                seed = int(torch.randint(2**62, (1,), generator=generator))
                with isolated_global_rng():
                    torch.manual_seed(seed)
                    sub.reset_parameters()
    return module


class MemberLinear(nn.Module):
    """``n_members`` independent linear layers run as one batched product.

    Maps ``(batch, n_members, n_in)`` to ``(batch, n_members, n_out)``; each
    member is initialised as :class:`torch.nn.Linear` is, from its own draw.
    Training an ensemble this way costs about one network's per-step overhead.
    """

    def __init__(self, n_members: int, n_in: int, n_out: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.empty(n_members, n_in, n_out))
        self.bias = nn.Parameter(torch.empty(n_members, n_out))
        self.reset_parameters()

    def reset_parameters(self, generator: torch.Generator | None = None) -> None:
        bound = 1.0 / math.sqrt(self.weight.shape[1])
        with torch.no_grad():
            self.weight.uniform_(-bound, bound, generator=generator)
            self.bias.uniform_(-bound, bound, generator=generator)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # One batched product over the members' dimension. Written as baddbmm
        # on a transposed view, not einsum("bmi,mio->bmo"): the same result
        # in about 0.7x the training-step time (forward and backward).
        return torch.baddbmm(self.bias.unsqueeze(1), x.transpose(0, 1), self.weight).transpose(0, 1)


class MemberBatchNorm(nn.BatchNorm1d):
    """Batch normalization of ``(batch, n_members, width)``, per member and unit."""

    def __init__(self, n_members: int, width: int) -> None:
        super().__init__(n_members * width)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return super().forward(x.reshape(x.shape[0], -1)).reshape(x.shape)


def mlp(
    sizes: Sequence[int],
    activation: str = "relu",
    dropout: float = 0.0,
    batch_norm: bool = False,
    n_members: int | None = None,
) -> nn.Sequential:
    """Linear layers through ``sizes``; hidden layers get norm, activation, dropout.

    The last layer is a plain linear map: callers decide what its output
    means. With ``n_members`` the layers are :class:`MemberLinear`, so the
    MLP maps ``(batch, n_members, n_in)`` through independent members.
    """
    layers: list[nn.Module] = []
    n_layers = len(sizes) - 1
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        if n_members is None:
            layers.append(nn.Linear(n_in, n_out))
        else:
            layers.append(MemberLinear(n_members, n_in, n_out))
        if i < n_layers - 1:
            if batch_norm:
                norm = (
                    nn.BatchNorm1d(n_out)
                    if n_members is None
                    else MemberBatchNorm(n_members, n_out)
                )
                layers.append(norm)
            layers.append(ACTIVATIONS[activation]())
            if dropout > 0:
                layers.append(Dropout(dropout))
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
    n_members : int or None
        When set, an ensemble of that many independent autoencoders trained
        together: codes are ``(batch, n_members, n_components)`` and
        reconstructions ``(batch, n_members, n_features)``.
    shortcut : bool
        When true (and there are hidden layers), a linear map from the input
        to the code is added to the encoder's output and one from the code to
        the output to the decoder's, so the model contains a linear
        autoencoder and the hidden layers learn what it misses.
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
        n_members: int | None = None,
        shortcut: bool = False,
    ) -> None:
        super().__init__()
        hidden = list(hidden_layer_sizes)
        n_inputs = 2 * n_features if mask_input else n_features
        kw = dict(
            activation=activation, dropout=dropout, batch_norm=batch_norm, n_members=n_members
        )
        self.n_members = n_members
        self.mask_input = mask_input
        self.sigmoid_output = sigmoid_output
        self.encoder = mlp([n_inputs, *hidden, n_components], **kw)
        self.decoder = mlp([n_components, *hidden[::-1], n_features], **kw)
        self.encoder_shortcut = self.decoder_shortcut = None
        if shortcut and hidden:
            self.encoder_shortcut = mlp([n_inputs, n_components], n_members=n_members)
            self.decoder_shortcut = mlp([n_components, n_features], n_members=n_members)

    def __setstate__(self, state) -> None:
        super().__setstate__(state)
        for name in ("encoder_shortcut", "decoder_shortcut"):
            if name not in self._modules:  # (pickled before the shortcut existed)
                self.__dict__.setdefault(name, None)

    def encode(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """Code of ``x``; missing entries (``mask == 0``) are read as zeros."""
        if self.mask_input:
            if mask is None:
                mask = torch.ones_like(x)
            x = torch.cat([x * mask, mask], dim=1)
        if self.n_members is not None:
            x = x.unsqueeze(1).expand(-1, self.n_members, -1)
        if self.encoder_shortcut is None:
            return self.encoder(x)
        return self.encoder(x) + self.encoder_shortcut(x)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Raw decoder output (logits when ``sigmoid_output``)."""
        if self.decoder_shortcut is None:
            return self.decoder(z)
        return self.decoder(z) + self.decoder_shortcut(z)

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


class GaussianCode(Stochastic):
    """What a tabular VAE module adds around ``encode``/``decode``.

    ``sigma()`` is the learned scale of each numeric feature's gaussian
    (a ``log_sigma`` parameter) and ``forward`` draws the code by the
    reparameterization trick in training (the mean at inference). Used by
    the built-in :class:`VariationalAutoencoder` and by
    :class:`VariationalAdapter` around a user's module.
    """

    #: log-variances of the code are clamped to this range
    LOGVAR_RANGE = (-12.0, 8.0)

    def sigma(self) -> torch.Tensor:
        """Scale of each numeric feature's gaussian, in [0.01, 1]."""
        return self.log_sigma.exp().clamp(0.01, 1.0)

    def forward(self, x, mask=None, y=None):
        """Return ``(raw output, mean, log-variance, sigma)``; z is sampled in training."""
        mean, logvar = self.encode(x, mask, y)
        z = mean
        if self.training:
            z = mean + self.randn_like(mean) * (0.5 * logvar).exp()
        return self.read_numbers(self.decode(z, y), x), mean, logvar, self.sigma()

    def read_numbers(self, raw: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """The decoder's output once its categories have read the row's numbers.

        ``x`` holds the rows in the encoded table's layout (masked entries
        zero), of which only the numeric columns are read. The identity here.
        """
        return raw


class VariationalAutoencoder(GaussianCode, nn.Module):
    """Gaussian encoder, reparameterized code and a decoder for tabular outputs.

    The decoder's output holds, per numeric feature, the mean of a gaussian
    (whose scale is the learned ``sigma()``, as in TVAE) and, per categorical
    block, logits. With ``n_classes > 0`` both halves also read a one-hot
    class (a conditional VAE). In training the encoder's copy of the class is
    hidden for a random ``label_dropout`` share of rows, so the encoder also
    works without labels (an all-zero class input), e.g. in ``transform``.

    Parameters
    ----------
    n_inputs : int
        Width of the encoded table.
    n_components : int
        Latent dimension.
    hidden_layer_sizes : sequence of int
        Encoder hidden widths; the decoder mirrors them.
    n_numeric : int
        Number of leading gaussian outputs.
    n_classes : int
        Number of classes conditioned on (0 for an unconditional VAE).
    mask_input : bool
        Whether the encoder reads the observation mask too.
    category_stop : int
        With ``n_numeric < category_stop``, the outputs from ``n_numeric`` to
        ``category_stop`` (the categorical columns' logits) also read the
        row's numeric values, through a small network whose output is added
        to the logits the code gives (see :meth:`read_numbers`). 0: the
        categories read only the code.
    category_hidden : sequence of int or None
        Hidden widths of that network (None: the first of
        ``hidden_layer_sizes``; empty: a linear map).
    reading_noise : bool
        In training, that network reads the numbers plus the decoder's
        gaussian noise (``sigma()``), as it reads sampled numbers in
        sampling; False: the numbers themselves.
    """

    def __init__(
        self,
        n_inputs: int,
        n_components: int,
        hidden_layer_sizes: Sequence[int] = (),
        *,
        n_numeric: int = 0,
        n_classes: int = 0,
        label_dropout: float = 0.2,
        activation: str = "relu",
        dropout: float = 0.0,
        batch_norm: bool = False,
        mask_input: bool = False,
        category_stop: int = 0,
        category_hidden: Sequence[int] | None = None,
        reading_noise: bool = True,
    ) -> None:
        super().__init__()
        hidden = list(hidden_layer_sizes)
        kw = dict(activation=activation, dropout=dropout, batch_norm=batch_norm)
        self.n_classes = n_classes
        self.label_dropout = label_dropout
        self.mask_input = mask_input
        n_in = (2 * n_inputs if mask_input else n_inputs) + n_classes
        self.encoder = mlp([n_in, *hidden, 2 * n_components], **kw)
        self.decoder = mlp([n_components + n_classes, *hidden[::-1], n_inputs], **kw)
        self.log_sigma = nn.Parameter(torch.full((n_numeric,), math.log(0.1)))
        self.n_numeric = n_numeric
        self.category_stop = category_stop if 0 < n_numeric < category_stop else 0
        self.reading_noise = reading_noise
        self.category_head = None
        if self.category_stop:
            inner = hidden[:1] if category_hidden is None else list(category_hidden)
            self.category_head = mlp([n_numeric, *inner, self.category_stop - n_numeric], **kw)

    def read_numbers(self, raw: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """The decoder's output, its categorical logits plus what the numbers say of them.

        p(category | z, numbers) is proportional to the product of the two
        softmaxes (a product of experts): the code carries what the row's
        columns share, the head how a category follows the numbers beside it.
        In training ``x`` is the row itself (its numbers read with the
        decoder's noise, ``reading_noise``); in sampling, the sampled numbers.
        """
        if self.category_head is None:
            return raw
        k, stop = self.n_numeric, self.category_stop
        numbers = x[..., :k]
        if self.training and self.reading_noise:
            numbers = numbers + self.randn_like(numbers) * self.sigma().detach()
        logits = raw[..., k:stop] + self.category_head(numbers)
        return torch.cat([raw[..., :k], logits, raw[..., stop:]], dim=-1)

    def _one_hot(self, y, like: torch.Tensor) -> torch.Tensor:
        if y is None:  # unknown class
            return like.new_zeros(like.shape[0], self.n_classes)
        return nn.functional.one_hot(y.long(), self.n_classes).to(like.dtype)

    def encode(self, x: torch.Tensor, mask: torch.Tensor | None = None, y=None):
        """Mean and log-variance of q(z | x[, y]); y None means the class is unknown."""
        if self.mask_input:
            if mask is None:
                mask = torch.ones_like(x)
            x = torch.cat([x * mask, mask], dim=1)
        if self.n_classes:
            label = self._one_hot(y, x)
            if self.training and y is not None and self.label_dropout > 0:
                keep = self.rand_like(x[:, :1]) >= self.label_dropout
                label = label * keep.to(x.dtype)
            x = torch.cat([x, label], dim=1)
        mean, logvar = self.encoder(x).chunk(2, dim=1)
        return mean, logvar.clamp(*self.LOGVAR_RANGE)

    def decode(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        """Raw decoder output (gaussian means and category logits)."""
        if self.n_classes:
            z = torch.cat([z, self._one_hot(y, z)], 1)
        return self.decoder(z)


# ------------------------------------------------------------- user modules
def configured(module: nn.Module, n_features: int) -> nn.Module:
    """A deep copy of ``module``, given the data's width when it asks for it.

    A module with scikit-learn parameters (``get_params``/``set_params``)
    whose ``n_features`` parameter is None is rebuilt with
    ``n_features=<X's width>``: its size then follows the data.
    """
    fresh = copy.deepcopy(module)
    get_params = getattr(fresh, "get_params", None)
    if callable(get_params) and "n_features" in get_params() and get_params()["n_features"] is None:
        fresh.set_params(n_features=n_features)
    return fresh


def _takes_mask(method) -> bool:
    """Whether ``method`` accepts a second positional (or ``mask``) argument."""
    try:
        params = list(inspect.signature(method).parameters.values())
    except (TypeError, ValueError):
        return False
    if any(p.kind is p.VAR_POSITIONAL for p in params) or any(p.name == "mask" for p in params):
        return True
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return len(positional) >= 2


class ModuleAdapter(nn.Module):
    """The interface the estimators call, around a user's ``encode``/``decode`` module.

    ``encode(x, mask)`` zero-fills missing entries (``mask == 0``) and passes
    the mask on only when the user's ``encode`` takes one; ``link`` is the
    user's when defined, else a sigmoid for ``loss="bce"``, else identity.
    """

    def __init__(self, inner: nn.Module, *, sigmoid_output: bool = False) -> None:
        super().__init__()
        self.inner = inner
        self.takes_mask = _takes_mask(inner.encode)
        self.sigmoid_output = sigmoid_output
        self.mask_input = self.takes_mask

    def encode(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        if mask is not None:
            x = x * mask
        return self.inner.encode(x, mask) if self.takes_mask else self.inner.encode(x)

    def code(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """The code of ``x`` (what ``decode`` takes): used to check the protocol."""
        return self.encode(x, mask)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return self.inner.decode(z)

    def link(self, raw: torch.Tensor) -> torch.Tensor:
        link = getattr(self.inner, "link", None)
        if callable(link):
            return link(raw)
        return torch.sigmoid(raw) if self.sigmoid_output else raw

    def reconstruct(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        return self.link(self.decode(self.encode(x, mask)))

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None):
        z = self.encode(x, mask)
        return self.decode(z), z


class Ensemble(nn.Module):
    """Independent members run side by side, outputs stacked on dimension 1.

    Codes are ``(batch, n_members, n_components)`` and reconstructions
    ``(batch, n_members, n_features)``, as the built-in batched ensemble's.
    """

    def __init__(self, members: Sequence[nn.Module]) -> None:
        super().__init__()
        self.members = nn.ModuleList(members)
        self.mask_input = bool(getattr(members[0], "mask_input", False))

    def encode(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        return torch.stack([m.encode(x, mask) for m in self.members], dim=1)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return torch.stack([m.decode(z[:, i]) for i, m in enumerate(self.members)], dim=1)

    def link(self, raw: torch.Tensor) -> torch.Tensor:
        return self.members[0].link(raw)

    def reconstruct(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        return self.link(self.decode(self.encode(x, mask)))

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None):
        z = self.encode(x, mask)
        return self.decode(z), z


class VariationalAdapter(GaussianCode, ModuleAdapter):
    """A user's ``encode -> (mean, log_var)``/``decode`` module, as VAEGenerator calls it.

    Adds what the tabular VAE needs around it, as :class:`VariationalAutoencoder`
    has: the learned scale ``sigma()`` of each numeric column's gaussian and
    the reparameterized draw in training. Conditional fits (class labels) are
    not supported with a user module: it never sees the class.
    """

    def __init__(self, inner: nn.Module, *, n_numeric: int) -> None:
        super().__init__(inner)
        self.log_sigma = nn.Parameter(torch.full((n_numeric,), math.log(0.1)))

    def encode(self, x, mask=None, y=None):
        out = super().encode(x, mask)
        if not (isinstance(out, tuple) and len(out) == 2):
            raise ValueError(
                "a VAEGenerator module's encode must return a pair (mean, log_var); "
                f"it returned {type(out).__name__}"
            )
        mean, logvar = out
        return mean, logvar.clamp(*self.LOGVAR_RANGE)

    def code(self, x, mask=None):
        mean, logvar = self.encode(x, mask)
        if mean.shape != logvar.shape:
            raise ValueError(
                f"mean and log_var must have one shape; got {tuple(mean.shape)} and "
                f"{tuple(logvar.shape)}"
            )
        return mean

    def decode(self, z, y=None):  # the class, y, is never given with a user module
        return self.inner.decode(z)
