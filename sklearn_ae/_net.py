"""The private skorch ``NeuralNet`` that trains every estimator, and its loss.

The public estimators hold one of these as the fitted attribute ``net_``
(composition, not inheritance: ``NeuralNet`` itself is not a scikit-learn
compatible estimator in the ``check_estimator`` sense).
"""

from __future__ import annotations

import copy
import math

import numpy as np
import torch
import torch.nn.functional as F
from skorch import NeuralNet
from skorch.callbacks import Callback, EarlyStopping
from skorch.hf import AccelerateMixin
from torch import nn

from ._data import ArrayTable, TensorTable, to_table
from ._modules import Stochastic, attach_generator


def elementwise_loss(name: str, raw: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Unreduced reconstruction loss between raw decoder output and target."""
    if name == "mse":
        return (raw - target) ** 2
    if name == "huber":
        return F.huber_loss(raw, target, reduction="none")
    if name == "bce":
        return F.binary_cross_entropy_with_logits(raw, target, reduction="none")
    raise ValueError(f"Unknown loss {name!r}.")


def masked_mean(values: torch.Tensor, mask: torch.Tensor | None, dim=None) -> torch.Tensor:
    """Mean of ``values`` over the entries where ``mask`` is 1 (all if None)."""
    if mask is None:
        return values.mean() if dim is None else values.mean(dim)
    total = (values * mask).sum() if dim is None else (values * mask).sum(dim)
    count = mask.sum() if dim is None else mask.sum(dim)
    return total / count.clamp(min=1)


def _align(raw: torch.Tensor, target: torch.Tensor, mask: torch.Tensor | None):
    """Broadcast ``(batch, features)`` target and mask to an ensemble's outputs."""
    if raw.dim() == target.dim():
        return target, mask
    target = target.unsqueeze(1).expand_as(raw)
    return target, None if mask is None else mask.unsqueeze(1).expand_as(raw)


class ReconstructionLoss(Stochastic, nn.Module):
    """Reconstruction loss plus the sparse and contractive penalties.

    ``forward(outputs, target, mask, inputs, training)`` takes the module's
    ``(raw reconstruction, code)``; entries with ``mask == 0`` (missing in the
    data) are left out of the loss. Ensemble outputs of shape
    ``(batch, n_members, n_features)`` are compared with the same target.

    With ``trim > 0`` and ``trimming`` switched on (by a :class:`CriterionSchedule`),
    the worst ``trim`` share of each batch's rows is left out of each
    member's training loss: a trimmed loss that keeps outliers in
    contaminated training data from being learned.
    """

    def __init__(
        self,
        loss: str = "mse",
        sparsity: float = 0.0,
        contractive: float = 0.0,
        trim: float = 0.0,
    ):
        super().__init__()
        self.loss = loss
        self.sparsity = sparsity
        self.contractive = contractive
        self.trim = trim
        self.trimming = False

    @property
    def needs_input_grad(self) -> bool:
        return self.contractive > 0

    def elementwise(self, raw, target, mask=None):
        """Unreduced loss and the aligned mask (ensemble-aware)."""
        target, mask = _align(raw, target, mask)
        return elementwise_loss(self.loss, raw, target), mask

    def per_sample(self, outputs, target, mask=None) -> torch.Tensor:
        """Per-row (per member) mean reconstruction loss over the observed entries."""
        values, mask = self.elementwise(outputs[0], target, mask)
        return masked_mean(values, mask, dim=-1)

    def forward(self, outputs, target, mask=None, inputs=None, training=False):
        raw, code = outputs[0], outputs[1]
        values, mask = self.elementwise(raw, target, mask)
        if training and self.trimming and self.trim > 0 and raw.shape[0] > 1:
            rows = masked_mean(values, mask, dim=-1)
            n_keep = max(1, math.ceil((1 - self.trim) * rows.shape[0]))
            loss = rows.topk(n_keep, dim=0, largest=False).values.mean()
        else:
            loss = masked_mean(values, mask)
        if training and self.sparsity > 0:
            loss = loss + self.sparsity * code.abs().sum(dim=-1).mean()
        if training and self.contractive > 0:
            # Hutchinson estimate of the squared Frobenius norm of d code / d x:
            # E_v ||J^T v||^2 with v ~ N(0, I), one vector-Jacobian product.
            v = self.randn_like(code)
            (vjp,) = torch.autograd.grad(code, inputs, v, create_graph=True)
            loss = loss + self.contractive * vjp.pow(2).sum(dim=1).mean()
        return loss


class CriterionSchedule(Callback):
    """Set ``net.criterion_.<attribute> = schedule(epoch)`` as each epoch begins.

    ``schedule`` must pickle (a module-level function or a ``partial``).
    Epochs count from 1.
    """

    def __init__(self, attribute: str, schedule) -> None:
        self.attribute = attribute
        self.schedule = schedule

    def on_epoch_begin(self, net, **kwargs):
        setattr(net.criterion_, self.attribute, self.schedule(len(net.history)))


def after_warmup(warmup: int, epoch: int) -> bool:
    """True once ``warmup`` epochs are done."""
    return epoch > warmup


def linear_warmup(warmup: int, value: float, epoch: int) -> float:
    """Ramp from ``value / warmup`` at epoch 1 up to ``value`` at ``warmup``."""
    return value if warmup <= 0 else value * min(1.0, epoch / warmup)


LOG_2PI = math.log(2 * math.pi)


class ELBOLoss(nn.Module):
    """Negative ELBO of a tabular VAE: reconstruction + ``kl_weight`` * KL.

    The reconstruction is the negative log-likelihood of the encoded table:
    gaussian for the first ``n_numeric`` columns (missing entries, where
    ``mask == 0``, are left out) and categorical for each ``(start, stop)``
    one-hot block. ``kl_weight`` is ``beta``, ramped up by a
    :class:`CriterionSchedule` during the KL warm-up. In training, the
    categorical terms are weighted by :meth:`category_weight`
    (``category_balance > 0``). Held-out rows are always scored on the ELBO
    itself (full ``beta``, unweighted categories), so early stopping judges
    every model by the same held-out likelihood bound and does not mistake
    the warm-up's rising KL weight for overfitting.
    """

    def __init__(
        self, n_numeric: int, blocks, beta: float = 1.0, category_balance: float = 0.0
    ) -> None:
        super().__init__()
        self.n_numeric = n_numeric
        self.blocks = [tuple(b) for b in blocks]
        self.beta = beta
        self.kl_weight = beta
        self.category_balance = category_balance

    def log_likelihood(self, raw, target, mask, sigma, category_weight=1.0) -> torch.Tensor:
        """Per-row log p(x | z) (leading dims of ``raw`` are kept).

        ``category_weight`` multiplies the categorical blocks' terms (1: the
        likelihood itself).
        """
        k = self.n_numeric
        total = torch.zeros(raw.shape[:-1], dtype=raw.dtype, device=raw.device)
        if k:
            z = (target[..., :k] - raw[..., :k]) / sigma
            ll = -0.5 * z**2 - sigma.log() - 0.5 * LOG_2PI
            if mask is not None:
                ll = ll * mask[..., :k]
            total = total + ll.sum(-1)
        for start, stop in self.blocks:
            logp = torch.log_softmax(raw[..., start:stop], dim=-1)
            total = total + category_weight * (logp * target[..., start:stop]).sum(-1)
        return total

    def category_weight(self, sigma) -> torch.Tensor | float:
        """Weight of the categorical terms in the training objective.

        The numeric columns' mean precision, ``1 / mean(sigma ** 2)`` (held
        constant in the gradient), to the power ``category_balance`` (0 gives
        1, the ELBO itself). Per unit of error, a numeric column's gaussian
        term pulls on the network ``1 / sigma ** 2`` times as hard as a
        cross-entropy term does. With learned scales around 0.1, the numeric
        columns take the whole network, and the code carries almost nothing
        of the categories: two binary columns that agree on 92% of the rows
        came out independent. At ``category_balance=1`` a category's error
        pulls like a typical numeric column's.
        """
        # a criterion pickled before the weighting existed has no attribute
        balance = getattr(self, "category_balance", 0.0)
        if not (balance and self.n_numeric and self.blocks):
            return 1.0
        return sigma.detach().square().mean() ** -balance

    @staticmethod
    def kl(mean, logvar) -> torch.Tensor:
        """Per-row KL(q(z | x) || N(0, I))."""
        return 0.5 * (mean**2 + logvar.exp() - 1.0 - logvar).sum(-1)

    def forward(self, outputs, target, mask=None, inputs=None, training=False):
        raw, mean, logvar, sigma = outputs
        categories = self.category_weight(sigma) if training else 1.0
        nll = -self.log_likelihood(raw, target, mask, sigma, categories)
        weight = self.kl_weight if training else self.beta
        return (nll + weight * self.kl(mean, logvar)).mean()


#: An epoch whose training loss exceeds the loss of the freshly initialised
#: network by this factor has diverged, even while it is still finite.
DIVERGENCE_FACTOR = 1e3

DIVERGENCE_ADVICE = (
    "Try a smaller learning_rate_init, keep standardize=True, add "
    "batch_norm=True or a larger alpha, or clip extreme values in X."
)


class DivergenceGuard(Callback):
    """Stop a diverging fit with advice instead of NaNs or finite garbage.

    The loss of the untrained network on the first rows is measured when
    training begins; an epoch whose training loss is not finite, or exceeds
    ``DIVERGENCE_FACTOR`` times that starting loss, stops the fit with a
    :class:`FloatingPointError`.
    """

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        self.initial_loss_ = None
        if X is not None and len(X) and len(net.history) <= 1:
            with torch.no_grad():
                loss = net.validation_step(X[: min(len(X), 2048)])["loss"]
            self.initial_loss_ = abs(float(loss))

    def on_epoch_end(self, net, **kwargs):
        # skorch already averaged the batch losses into the history: no extra sync
        loss = net.history[-1, "train_loss"]
        if not math.isfinite(loss):
            raise FloatingPointError(
                "The training loss became non-finite (NaN or inf): the fit diverged. "
                + DIVERGENCE_ADVICE
            )
        start = getattr(self, "initial_loss_", None)
        if start is not None and loss > DIVERGENCE_FACTOR * max(start, 1e-3):
            raise FloatingPointError(
                f"The training loss rose from {start:.3g} at the start to {loss:.3g}: "
                "the fit diverged. " + DIVERGENCE_ADVICE
            )


class PlateauStopping(EarlyStopping):
    """skorch's early stopping, with ``lr_drops`` learning-rate drops before it stops.

    When the monitored loss has not improved by ``threshold`` for
    ``patience`` epochs and drops remain, the best weights are restored (with
    ``load_best``), every learning rate is multiplied by ``lr_factor`` and
    the count starts again; with none left, training stops as in skorch.
    A later fit of the same net (``warm_start=True``) starts from the
    learning rate the drops started from, as a fresh optimizer would.

    The net's first ``start`` epochs (a warm-up, during which the training
    objective itself still changes) are ignored: none of them can be the
    best epoch whose weights are restored, and none counts against the
    patience. They are counted over the net's whole history, as
    :class:`CriterionSchedule` counts them.
    """

    def __init__(
        self, *args, lr_drops: int = 0, lr_factor: float = 0.2, start: int = 0, **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        self.lr_drops = lr_drops
        self.lr_factor = lr_factor
        self.start = start

    def on_train_begin(self, net, **kwargs):
        super().on_train_begin(net, **kwargs)
        self.drops_left_ = self.lr_drops
        # undo this stopper's own drops of an earlier fit (none in older pickles)
        scale = getattr(self, "lr_scale_", 1.0)
        if scale != 1.0 and getattr(net, "optimizer_", None) is not None:
            for group in net.optimizer_.param_groups:
                group["lr"] /= scale
        self.lr_scale_ = 1.0

    def on_epoch_end(self, net, **kwargs):
        # epochs count from 1 over the net's whole history, as CriterionSchedule's
        # (a warm_start refit has no warm-up left); a stopper unpickled from
        # before ``start`` existed has none
        if len(net.history) <= getattr(self, "start", 0):
            return  # still in the warm-up
        stopping = self.misses_ + 1 == self.patience and not self._is_score_improved(
            net.history[-1, self.monitor]
        )
        if not (stopping and getattr(self, "drops_left_", 0)):
            super().on_epoch_end(net, **kwargs)
            return
        # the epoch at which skorch would stop: drop the learning rate instead
        self.drops_left_ -= 1
        self.misses_ = 0
        if self.load_best and getattr(self, "best_model_weights_", None) is not None:
            net.module_.load_state_dict(self.best_model_weights_)
        for group in net.optimizer_.param_groups:
            group["lr"] *= self.lr_factor
        self.lr_scale_ *= self.lr_factor
        if net.verbose:
            self._sink(
                f"{self.monitor} has not improved in the last {self.patience} epochs: "
                f"learning rate x{self.lr_factor}, {self.drops_left_} drop(s) left.",
                verbose=net.verbose,
            )


#: Rows of ``noise="mixed"`` draw their share of the full corruption strength
#: as ``u ** MIXED_STRENGTH_POWER`` (``u`` uniform on [0, 1]): a median of
#: 0.18, a mean of 0.29. Chosen on the tuning half of the denoising benchmark
#: (1, 2, 2.5 and 3 compared; 1 lost to PCA at the lightest test noise).
MIXED_STRENGTH_POWER = 2.5


class Corruption:
    """Seeded input corruption for denoising, applied to training batches only.

    ``kind`` is "gaussian" (``level`` is the noise std in standardized
    units), "masking" (each entry is dropped, i.e. marked missing, with
    probability ``level``), "salt_and_pepper" (each entry is replaced,
    with probability ``level``, by the feature's low or high value, half each)
    or "mixed" (each row draws one of the three kinds and a strength up to
    ``level``: a blind denoiser that does not need to know the test noise).
    """

    def __init__(self, kind: str, level: float, seed: int, low=None, high=None) -> None:
        self.kind = kind
        self.level = level
        self.seed = seed
        self.low = low
        self.high = high
        self._generator = None
        self._validation_generator = None

    def __getstate__(self):
        state = self.__dict__.copy()
        state["_generator"] = state["_validation_generator"] = None
        return state

    def start_validation(self) -> None:
        """Replay the same held-out corruption at every epoch (a fixed target)."""
        self._validation_generator = None

    def _draws(self, attribute: str, seed: int, device) -> torch.Generator:
        gen = getattr(self, attribute)
        if gen is None or gen.device != device:
            gen = torch.Generator(device=device).manual_seed(seed)
            setattr(self, attribute, gen)
        return gen

    def __call__(self, X: torch.Tensor, mask: torch.Tensor | None, training: bool = True):
        """Return corrupted ``(X, mask)``; the inputs are not modified.

        Training batches draw fresh noise; held-out batches (``training=False``)
        draw from a generator restarted by :meth:`start_validation`, so the
        validation loss measures denoising of the same corrupted rows each epoch.
        """
        if training:
            gen = self._draws("_generator", self.seed, X.device)
        else:
            gen = self._draws("_validation_generator", self.seed + 7919, X.device)
        if self.kind == "gaussian":
            noise = torch.randn(X.shape, generator=gen, device=X.device)
            return X + self.level * noise, mask
        if self.kind == "mixed":
            return self._mixed(X, mask, gen)
        hit = torch.rand(X.shape, generator=gen, device=X.device) < self.level
        if self.kind == "masking":
            keep = (~hit).to(X.dtype)
            return X * keep, keep if mask is None else mask * keep
        return torch.where(hit, self._salt_and_pepper(X, gen), X), mask

    def _salt_and_pepper(self, X: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
        """Each feature's low or high value, half each."""
        high = torch.rand(X.shape, generator=gen, device=X.device) < 0.5
        low_v = torch.as_tensor(self.low, dtype=X.dtype, device=X.device).expand_as(X)
        high_v = torch.as_tensor(self.high, dtype=X.dtype, device=X.device).expand_as(X)
        return torch.where(high, high_v, low_v)

    def _mixed(self, X: torch.Tensor, mask, gen: torch.Generator):
        """Blind corruption: each row gets one kind, at a random strength.

        A row is corrupted by gaussian noise (std up to ``level``), masking
        or salt-and-pepper (probability up to ``level / 2``): the kind is
        drawn uniformly per row, and the share of the full strength as ``u **
        MIXED_STRENGTH_POWER`` with ``u`` uniform, so that most rows are
        corrupted lightly and the model also learns to keep fine detail.
        """
        n = X.shape[0]
        uniform = torch.rand(n, 1, generator=gen, device=X.device, dtype=X.dtype)
        strength = uniform**MIXED_STRENGTH_POWER
        kind = torch.randint(0, 3, (n, 1), generator=gen, device=X.device)
        noise = torch.randn(X.shape, generator=gen, device=X.device, dtype=X.dtype)
        hit = torch.rand(X.shape, generator=gen, device=X.device) < strength * self.level / 2
        out = torch.where(kind == 0, X + strength * self.level * noise, X)
        out = torch.where((kind == 2) & hit, self._salt_and_pepper(X, gen), out)
        keep = (~((kind == 1) & hit)).to(X.dtype)
        return out * keep, keep if mask is None else mask * keep


class AutoencoderNet(NeuralNet):
    """skorch net for reconstruction models.

    Batches are ``(X, mask, y)`` tuples from :class:`~sklearn_ae._data.BatchIterator`.
    The module is called as ``module(inputs, mask)`` (``y`` is added when the
    module is conditional) and the criterion as
    ``criterion(outputs, target, mask, inputs, training)``.

    Parameters
    ----------
    corruption : callable or None
        ``corruption(X, mask) -> (X, mask)`` applied to training batches only.
    conditional : bool
        Whether the module takes ``y`` as a third argument.
    seed : int
        Seed of the generator each training call owns (see :meth:`fit_loop`).
    """

    def __init__(self, *args, corruption=None, conditional=False, seed=0, **kwargs):
        super().__init__(*args, **kwargs)
        self.corruption = corruption
        self.conditional = conditional
        self.seed = seed

    def fit_loop(self, X, y=None, epochs=None, **fit_params):
        """skorch's training loop, with the randomness owned by this call.

        One :class:`torch.Generator` on the training device, seeded from
        ``seed`` and the number of epochs already run, serves the shuffling
        and every :class:`~sklearn_ae._modules.Stochastic` part (dropout, the
        VAE's sampled codes, the contractive penalty's probes): a second
        ``partial_fit`` continues with new draws instead of replaying the
        first, and no draw touches torch's global generator.
        """
        stream = np.random.SeedSequence([self.seed, len(self.history)])
        seed = int(stream.generate_state(1, dtype=np.uint64)[0] >> 1)
        device = self.device_for_data
        if device.type == "cuda" and device.index is None:
            device = torch.device("cuda", torch.cuda.current_device())
        self.generator_ = torch.Generator(device=device).manual_seed(seed)
        attach_generator(self.generator_, self.module_, self.criterion_)
        try:
            return super().fit_loop(X, y, epochs=epochs, **fit_params)
        finally:
            attach_generator(None, self.module_, self.criterion_)
            self.generator_ = None

    @property
    def device_for_data(self) -> torch.device:
        """Where batches live: ``device``, or the accelerator's when it places the network."""
        if self.device is None and getattr(self, "accelerator", None) is not None:
            return torch.device(self.accelerator.device)
        return torch.device(self.device)

    def get_iterator(self, dataset, training=False):
        iterator = super().get_iterator(dataset, training=training)
        if training and getattr(self, "generator_", None) is not None:
            iterator.generator = self.generator_
        return iterator

    def _set_training(self, training=True):
        # skorch calls this before every batch; switching modes walks every
        # submodule, so only do it when the mode really changes
        if self.module_.training != training or self.criterion_.training != training:
            super()._set_training(training)

    def module_inputs(self, X, mask, y):
        """Positional arguments for the module's forward."""
        return (X, mask, y) if self.conditional else (X, mask)

    def run_single_epoch(self, iterator, training, prefix, step_fn, **fit_params):
        if not training and self.corruption is not None:
            self.corruption.start_validation()
        return super().run_single_epoch(iterator, training, prefix, step_fn, **fit_params)

    def _step(self, batch, training):
        X, mask, y = batch  # already on the training device (see _data.to_table)
        inputs, in_mask = X, mask
        if self.corruption is not None:
            # held-out rows are corrupted too: the validation loss is the
            # denoising loss the model is trained for
            inputs, in_mask = self.corruption(X, mask, training)
        if training and getattr(self.criterion_, "needs_input_grad", False):
            inputs = inputs.detach().requires_grad_(True)
        outputs = self.module_(*self.module_inputs(inputs, in_mask, y))
        loss = self.get_loss(outputs, (X, mask), X=inputs, training=training)
        return loss, outputs

    def get_loss(self, y_pred, y_true, X=None, training=False):
        target, mask = y_true
        return self.criterion_(y_pred, target, mask=mask, inputs=X, training=training)

    def train_step_single(self, batch, **fit_params):
        self._set_training(True)
        loss, outputs = self._step(batch, training=True)
        loss.backward()  # skorch's train_step then notifies on_grad_computed
        return {"loss": loss, "y_pred": outputs}

    def inference_module(self, dtype: torch.dtype = torch.float32) -> nn.Module:
        """The trained module in eval mode, computing in ``dtype`` where it can.

        On the CPU a float64 request gets a float64 copy, made once and kept
        until the weights change (each row's output then does not depend on
        the batch it is computed in, as float32 kernels' last bits do); float32
        requests, and any request on an accelerator, get the module itself.
        """
        module = self.module_
        if dtype != torch.float64 or self.device_for_data.type != "cpu":
            return module.eval()
        tensors = [*module.parameters(), *module.buffers()]
        key = (id(module), tuple(t._version for t in tensors), tuple(t.data_ptr() for t in tensors))
        cached = self.__dict__.get("_double_module")
        if cached is None or cached[0] != key:
            cached = (key, copy.deepcopy(module).double().eval())
            self._double_module = cached
        return cached[1]

    # ------------------------------------------------ skorch's inference API
    def get_dataset(self, X, y=None):
        """A :class:`TensorTable` of X (NaN becomes a mask), for ``forward``/``predict``."""
        if isinstance(X, (TensorTable, ArrayTable)):
            return X
        return to_table(np.asarray(X, dtype=np.float32), self.device_for_data)

    def evaluation_step(self, batch, training=False):
        """The module's outputs on one ``(X, mask, y)`` batch, as skorch's ``forward`` uses."""
        self.check_is_fitted()
        X, mask, y = batch
        with torch.set_grad_enabled(training):
            self._set_training(training)
            return self.module_(*self.module_inputs(X, mask, y))

    def validation_step(self, batch, **fit_params):
        self._set_training(False)
        with torch.no_grad():
            loss, outputs = self._step(batch, training=False)
        return {"loss": loss, "y_pred": outputs}


class AcceleratedAutoencoderNet(AccelerateMixin, AutoencoderNet):
    """:class:`AutoencoderNet` trained through Hugging Face Accelerate (skorch's mixin).

    skorch's ``AccelerateMixin`` prepares the module, criterion and optimizer
    and steps through ``accelerator.backward``; this class keeps the
    autoencoder's own step (corruption, masks, penalties) inside the
    accelerator's autocast and, under ``accelerate launch`` with several
    processes, gives each process its share of every training epoch's batches
    (the same shuffled order everywhere, so the shares never overlap).
    """

    def _initialize_accelerator(self):
        # a loss without parameters has nothing to prepare (and distributed
        # data parallel refuses a module without trainable parameters)
        criteria = self._criteria
        self._criteria = [
            name
            for name in criteria
            if any(p.requires_grad for p in getattr(self, name + "_").parameters())
        ]
        try:
            return super()._initialize_accelerator()
        finally:
            self._criteria = criteria

    def train_step_single(self, batch, **fit_params):
        self._set_training(True)
        with self.accelerator.autocast():
            loss, outputs = self._step(batch, training=True)
        self.accelerator.backward(loss)
        return {"loss": loss, "y_pred": outputs}

    def get_iterator(self, dataset, training=False):
        iterator = super().get_iterator(dataset, training=training)
        if training and self.accelerator.num_processes > 1:
            iterator.shard = (self.accelerator.process_index, self.accelerator.num_processes)
        return iterator

    def evaluation_step(self, batch, training=False):
        # held-out rows are not sharded: every process scores them all
        return AutoencoderNet.evaluation_step(self, batch, training=training)

    def __getstate__(self):
        # the accelerator travels as the estimator's parameter, which hands
        # it back on unpickling; the weights are saved as on its device
        state = super().__getstate__()
        state["device"] = str(self.device_for_data)
        state["accelerator"] = None
        return state
