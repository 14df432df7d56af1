"""The lazy torch loop: the row-wise loop's maths in torch tensor operations, for the dot models on a GPU.

The autograd loop (:class:`cf.training.loop.TorchLoop`) runs dense Adam over every embedding
row at every step: at MovieLens 25M that moves the whole tables (and their moments) several
times per step, far more than the rows a batch touches. This loop computes the gradients of
the same loss in closed form, gathers them onto the rows the batch used (``torch.unique`` and
:func:`row_sums`) and applies Adam to those rows only ("lazy" Adam, as the row-wise CPU loop
and ``torch.optim.SparseAdam`` do), with the one-cycle schedule computed on the host. The
ratings stay on the device, the shuffle runs there, and no step waits for the host: the
epoch's loss is summed on the device and read once at the end.

Deterministic given a seed on every device: ``index_add_`` on CUDA adds with atomics, in an
order that changes from run to run (the same seed gave models differing in the 9th digit on
an H200), so on a GPU the per-row sums use ``index_put_(accumulate=True)``, which sorts the
indices and adds each row's values in one fixed order (deterministic on CUDA without
``torch.use_deterministic_algorithms``, a process-wide switch that concurrent fits would
fight over). On the CPU ``index_add_`` is already deterministic and stays.

The same functions run on CPU tensors, which is how the tests check them against autograd.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from cf.config import TrainConfig
from cf.models import EmbeddingDot, EmbeddingDotBias
from cf.training.rowwise import one_cycle

BETA2, EPS = 0.999, 1e-8
"""torch's Adam defaults."""


class _Rows:
    """One side (users or movies): the factor table, its bias column and their Adam moments."""

    def __init__(self, factors: torch.Tensor, bias: torch.Tensor | None):
        self.factors = factors.detach()  # the module's weight, updated in place
        self.bias = bias.detach()[:, 0] if bias is not None else None
        self.moments = torch.zeros((2, *self.factors.shape), device=self.factors.device)
        device = self.factors.device
        self.bias_moments = torch.zeros((2, len(self.factors)), device=device) if bias is not None else None

    def update(
        self, index: torch.Tensor, grad: torch.Tensor, bias_grad: torch.Tensor | None, adam: tuple, dense: bool = False
    ) -> None:
        """Adam on the rows ``index`` used in the batch (their summed gradients), nothing elsewhere.

        ``dense``: over the whole table with a mask of the rows used, the same numbers without
        ``torch.unique`` (which waits for the device to know how many rows there are).
        """
        if dense:
            self._update_dense(index, grad, bias_grad, adam)
            return
        rows, inverse = torch.unique(index, return_inverse=True)
        _adam(self.factors, self.moments, rows, row_sums(inverse, grad, len(rows)), adam)
        if self.bias is not None:
            bias_summed = row_sums(inverse, bias_grad, len(rows))
            _adam(self.bias, self.bias_moments, rows, bias_summed, adam)

    def _update_dense(self, index: torch.Tensor, grad: torch.Tensor, bias_grad: torch.Tensor | None, adam) -> None:
        n = len(self.factors)
        used = torch.zeros(n, dtype=torch.bool, device=index.device).index_fill_(0, index, True)
        _masked_adam(self.factors, self.moments, used[:, None], row_sums(index, grad, n), adam)
        if self.bias is not None:
            _masked_adam(self.bias, self.bias_moments, used, row_sums(index, bias_grad, n), adam)


def _masked_adam(param: torch.Tensor, moments: torch.Tensor, used: torch.Tensor, grad: torch.Tensor, adam) -> None:
    """:func:`_adam` over the whole of ``param`` with the same operations, kept only where ``used``."""
    step_size, beta1, correction2 = adam
    m = moments[0].mul(beta1).add_(grad, alpha=1 - beta1)
    v = moments[1].mul(BETA2).addcmul_(grad, grad, value=1 - BETA2)
    change = m.div(v.sqrt().div_(correction2).add_(EPS)).mul_(-step_size)
    torch.where(used, m, moments[0], out=moments[0])
    torch.where(used, v, moments[1], out=moments[1])
    param.add_(change.masked_fill_(~used, 0.0))


def row_sums(index: torch.Tensor, values: torch.Tensor, n_rows: int, ordered: bool | None = None) -> torch.Tensor:
    """Sums of ``values`` by ``index`` into ``n_rows`` rows, the same bits on every run.

    Parameters
    ----------
    index
        The row of each value (int64, ``0 <= index < n_rows``).
    values
        One value or row of values per index.
    ordered
        Add in sorted order (``index_put_`` with ``accumulate=True``, deterministic on CUDA) instead of
        ``index_add_`` (atomic adds on CUDA, deterministic on the CPU); None: ordered off the CPU.
    """
    out = values.new_zeros((n_rows, *values.shape[1:]))
    if ordered if ordered is not None else values.device.type != "cpu":
        return out.index_put_((index,), values, accumulate=True)
    return out.index_add_(0, index, values)


def _adam(param: torch.Tensor, moments: torch.Tensor, rows: torch.Tensor, grad: torch.Tensor, adam: tuple) -> None:
    """torch's Adam formula on ``param[rows]`` with its moments (``adam``: step size, beta1, correction2)."""
    step_size, beta1, correction2 = adam
    m = moments[0].index_select(0, rows).mul_(beta1).add_(grad, alpha=1 - beta1)
    v = moments[1].index_select(0, rows).mul_(BETA2).addcmul_(grad, grad, value=1 - BETA2)
    moments[0].index_copy_(0, rows, m)
    moments[1].index_copy_(0, rows, v)
    change = m.div_(v.sqrt_().div_(correction2).add_(EPS)).mul_(-step_size)
    param.index_add_(0, rows, change)  # rows are unique: one add per element, deterministic on CUDA too


def supports(model: torch.nn.Module) -> bool:
    """True for the dot-product models (their gradients are written out here)."""
    return isinstance(model, (EmbeddingDot, EmbeddingDotBias))


class LazyTorchLoop:
    """A :class:`cf.training.loop.TrainingLoop`: lazy Adam over shuffled mini-batches, on any device."""

    dense = False
    """Adam over whole tables with a mask (no ``torch.unique``, no wait for the device each step) instead of
    over the rows used; the same model. Off by default until a GPU run shows it faster (``benchmarks.scale``)."""

    def __init__(self, model: torch.nn.Module, config: TrainConfig, u, i, r, device: torch.device):
        self.model, self.config = model, config
        self.u, self.i, self.r = u.long(), i.long(), r.float()
        self.n = len(r)
        self.batch = min(config.batch_size, max(1, self.n))
        self.steps_per_epoch = math.ceil(self.n / self.batch)
        self.total_steps = config.epochs * self.steps_per_epoch
        self.step_count = 0
        self.squash = isinstance(model, EmbeddingDotBias)
        bias = (model.user_bias.weight, model.item_bias.weight) if self.squash else (None, None)
        self.users = _Rows(model.user_factors.weight, bias[0])
        self.items = _Rows(model.item_factors.weight, bias[1])
        self.offset_moments = torch.zeros(2, device=device)
        shuffle_on = device if device.type == "cuda" else torch.device("cpu")
        self.generator = torch.Generator(device=shuffle_on).manual_seed(config.seed)

    def warm_up(self) -> None:
        """One step's kernels on a copy of a few rows' state (loaded here, not in the first epoch)."""
        if self.n == 0:
            return
        saved = [t.clone() for t in self._state()]
        count = self.step_count
        self._step(self.u[:8], self.i[:8], self.r[:8])
        for target, value in zip(self._state(), saved):
            target.copy_(value)
        self.step_count = count
        if self.u.device.type == "cuda":
            torch.cuda.synchronize(self.u.device)

    def _state(self) -> list[torch.Tensor]:
        sides = [self.users, self.items]
        state = [t for s in sides for t in (s.factors, s.moments)] + [self.offset_moments]
        if self.squash:
            state += [t for s in sides for t in (s.bias, s.bias_moments)] + [self.model.offset.data]
        return state

    def run_epoch(self, should_stop: Callable[[], bool] | None) -> tuple[float, bool]:
        """Return (mean squared error of the epoch, whether a stop was asked for)."""
        order = torch.randperm(self.n, generator=self.generator, device=self.generator.device).to(self.u.device)
        u, i, r = self.u[order], self.i[order], self.r[order]
        total = torch.zeros((), device=self.u.device)
        for start in range(0, self.n, self.batch):
            stop = start + self.batch
            total += self._step(u[start:stop], i[start:stop], r[start:stop])
            if should_stop is not None and should_stop():
                return float("nan"), True
        return float(total) / max(self.n, 1), False

    @torch.no_grad()
    def _step(self, u: torch.Tensor, i: torch.Tensor, r: torch.Tensor) -> torch.Tensor:
        """One batch: closed-form gradients of the loss, lazy Adam on the rows used; the summed squared error."""
        size = len(r)
        user, item = self.users.factors[u], self.items.factors[i]
        raw = (user * item).sum(1)
        if self.squash:
            raw += self.users.bias[u] + self.items.bias[i] + self.model.offset
            low, high = self.model.y_range
            squashed = torch.sigmoid(raw)
            error = squashed * (high - low) + low - r
            slope = 2.0 / size * error * squashed * (1 - squashed) * (high - low)
        else:
            error = raw - r
            slope = 2.0 / size * error
        decay = 2.0 * self.config.weight_decay / size
        user_grad = torch.addcmul(user * decay, slope[:, None], item)
        item_grad = torch.addcmul(item * decay, slope[:, None], user)
        lr, beta1 = one_cycle(self.step_count, self.total_steps, self.config.lr)
        self.step_count += 1
        adam = (lr / (1 - beta1**self.step_count), beta1, math.sqrt(1 - BETA2**self.step_count))
        self.users.update(u, user_grad, slope, adam, self.dense)
        self.items.update(i, item_grad, slope, adam, self.dense)
        if self.squash:
            offset = self.model.offset.data.view(1)
            _adam(offset, self.offset_moments.view(2, 1), torch.zeros(1, dtype=torch.long, device=r.device),
                  slope.sum().view(1), adam)  # fmt: skip
        return error.pow(2).sum()
