"""The lazy torch loop: the row-wise loop's maths in torch tensor operations, for the dot models on a GPU.

The autograd loop (:class:`cf.training.loop.TorchLoop`) runs dense Adam over every embedding
row at every step: at MovieLens 25M that moves the whole tables (and their moments) several
times per step, far more than the rows a batch touches. This loop computes the gradients of
the same loss in closed form, gathers them onto the rows the batch used (``torch.unique`` and
:func:`row_sums`) and applies Adam to those rows only ("lazy" Adam, as the row-wise CPU loop
and ``torch.optim.SparseAdam`` do), with the one-cycle schedule computed on the host. The
ratings stay on the device, the shuffle runs there, and no step waits for the host: the
epoch's loss is summed on the device and read once at the end.

**Few operations per step.** On the H200 (``docs/bench/h200-2026-12-04``) a step at the default
batch of 262,144 took about 2.5 ms (0.22 s for an epoch of 86 steps), for work that moves well
under 1 GB, a fraction of a millisecond of that GPU's memory time: the time goes to launching
each step's hundred-odd small kernels, microseconds apiece however little they move. So the
loop keeps everything it updates in one packed table (:class:`PackedRows`): users' rows, then
movies' rows, each its factors with its bias as one more column, then one row whose bias
column is the global offset. A step gathers its users and movies in one call, writes every
gradient into one block and runs Adam once over it: 41 kernel launches a step (64 torch calls
with the views) where separate tables took 106 (131), counted by ``python -m benchmarks.scale
calls``. Adam is elementwise and each row's gradient is summed in the same order, so the packed
loop trains the very same model, bit for bit, as separate tables did. The model's weights are
copied in before each epoch and out after it (and after a stop).

Deterministic given a seed on every device: ``index_add_`` on CUDA adds with atomics, in an
order that changes from run to run (the same seed gave models differing in the 9th digit on
an H200), so on a GPU the per-row sums use ``index_put_(accumulate=True)``, which sorts the
indices and adds each row's values in one fixed order (deterministic on CUDA without
``torch.use_deterministic_algorithms``, a process-wide switch that concurrent fits would
fight over). On the CPU ``index_add_`` is already deterministic and stays.

The same functions run on CPU tensors, which is how the tests check them against autograd.
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Callable, Iterator

import torch

from cf.config import TrainConfig
from cf.models import EmbeddingDot, EmbeddingDotBias
from cf.training.rowwise import one_cycle

BETA2, EPS = 0.999, 1e-8
"""torch's Adam defaults."""


class PackedRows:
    """Every row a step updates, in one ``(n_rows, width)`` table with its Adam moments.

    Rows ``0 .. n_users-1`` are the users, the next ``n_items`` the movies; with biases (the
    dot-bias model) each row ends with its bias column, and one last row holds the global
    offset in that column (its factor columns are never read and never change: their
    gradient is always zero).
    """

    def __init__(self, model: torch.nn.Module):
        self.model = model
        self.biased = isinstance(model, EmbeddingDotBias)
        self.n_users, self.n_factors = model.user_factors.weight.shape
        self.n_items = len(model.item_factors.weight)
        weight = model.user_factors.weight
        self.width = self.n_factors + int(self.biased)
        self.n_rows = self.n_users + self.n_items + int(self.biased)
        self.table = torch.zeros((self.n_rows, self.width), dtype=weight.dtype, device=weight.device)
        self.moments = torch.zeros((2, self.n_rows, self.width), dtype=weight.dtype, device=weight.device)
        self.offset_row = self.n_rows - 1 if self.biased else None

    def _parts(self) -> list[tuple[torch.Tensor, torch.Tensor]]:
        """(model tensor, its place in the table) pairs."""
        m, users, items, f = (
            self.model,
            slice(0, self.n_users),
            slice(self.n_users, self.n_users + self.n_items),
            self.n_factors,
        )
        parts = [(m.user_factors.weight, self.table[users, :f]), (m.item_factors.weight, self.table[items, :f])]
        if self.biased:
            parts += [
                (m.user_bias.weight[:, 0], self.table[users, f]),
                (m.item_bias.weight[:, 0], self.table[items, f]),
            ]
            parts += [(m.offset, self.table[self.offset_row, f])]
        return parts

    @torch.no_grad()
    def load(self) -> None:
        """Copy the model's weights into the table."""
        for weight, place in self._parts():
            place.copy_(weight)

    @torch.no_grad()
    def store(self) -> None:
        """Copy the table back into the model's weights."""
        for weight, place in self._parts():
            weight.copy_(place)


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


def _masked_adam(param: torch.Tensor, moments: torch.Tensor, used: torch.Tensor, grad: torch.Tensor, adam) -> None:
    """:func:`_adam` over the whole of ``param`` with the same operations, kept only where ``used``."""
    step_size, beta1, correction2 = adam
    m = moments[0].mul(beta1).add_(grad, alpha=1 - beta1)
    v = moments[1].mul(BETA2).addcmul_(grad, grad, value=1 - BETA2)
    change = m.div(v.sqrt().div_(correction2).add_(EPS)).mul_(-step_size)
    torch.where(used, m, moments[0], out=moments[0])
    torch.where(used, v, moments[1], out=moments[1])
    param.add_(change.masked_fill_(~used, 0.0))


def _synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def supports(model: torch.nn.Module) -> bool:
    """True for the dot-product models (their gradients are written out here)."""
    return isinstance(model, (EmbeddingDot, EmbeddingDotBias))


class LazyTorchLoop:
    """A :class:`cf.training.loop.TrainingLoop`: lazy Adam over shuffled mini-batches, on any device."""

    dense: bool | None = None
    """Adam over the whole table with a mask of the rows used (no ``torch.unique``, so no wait for the device
    each step) instead of over the rows used: the same model (bit for bit in the CPU tests; both sum each row
    in the order of the batch), at a different speed. None: decided in
    :meth:`warm_up` on a GPU by timing a few steps of each (:meth:`choose_update`), over the rows used on a
    CPU. Which is faster depends on the GPU and on the table's size against the batch."""

    def __init__(self, model: torch.nn.Module, config: TrainConfig, u, i, r, device: torch.device):
        self.model, self.config = model, config
        self.rows = PackedRows(model)
        self.u, self.r = u.long(), r.float()
        self.n = len(r)
        self.batch = min(config.batch_size, max(1, self.n))
        self.steps_per_epoch = math.ceil(self.n / self.batch)
        self.total_steps = config.epochs * self.steps_per_epoch
        self.step_count = 0
        self._item_rows = i.long() + self.rows.n_users  # the movies' rows in the packed table
        tail = [self.rows.offset_row] if self.rows.biased else []
        self._tail = torch.tensor(tail, dtype=torch.long, device=self.u.device)
        self._buffers: dict[int, tuple[torch.Tensor, torch.Tensor]] = {}
        self.update_seconds: dict[str, float] = {}
        """Seconds per step of each update when :meth:`choose_update` timed them."""
        shuffle_on = device if device.type == "cuda" else torch.device("cpu")
        self.generator = torch.Generator(device=shuffle_on).manual_seed(config.seed)

    def warm_up(self) -> None:
        """One step's kernels on a few rows (loaded here, not in the first epoch); the model and the Adam state
        are left as they were."""
        if self.n == 0:
            return
        with self._trial():
            self._step(self.u[:8], self._item_rows[:8], self.r[:8])
        if self.dense is None:
            self.dense = self.u.device.type == "cuda" and self.choose_update()
        if self.u.device.type == "cuda":
            torch.cuda.synchronize(self.u.device)

    def choose_update(self, seconds_per_step: Callable[[bool], float] | None = None, steps: int = 3) -> bool:
        """Whether the dense update is the faster here: ``steps`` whole-batch steps of each, timed (or
        ``seconds_per_step(dense)``), the model, the Adam state and the schedule left as they were."""
        timed = seconds_per_step or (lambda dense: self._seconds_per_step(dense, steps))
        with self._trial():
            rows_used, dense = timed(False), timed(True)
        self.update_seconds = {"rows used": rows_used, "dense": dense}
        return dense < rows_used

    @contextlib.contextmanager
    def _trial(self) -> Iterator[None]:
        """Steps taken inside leave no trace: the Adam state and the schedule are put back, and the table
        reloaded from the model's weights (which only :meth:`run_epoch` and :meth:`step` write)."""
        moments, count = self.rows.moments.clone(), self.step_count
        self.rows.load()
        try:
            yield
        finally:
            self.rows.moments.copy_(moments)
            self.step_count = count
            self.rows.load()

    def _seconds_per_step(self, dense: bool, steps: int) -> float:
        self.dense = dense
        batch = (self.u[: self.batch], self._item_rows[: self.batch], self.r[: self.batch])
        self._step(*batch)  # this update's kernels loaded outside the time
        _synchronize(self.u.device)
        started = time.perf_counter()
        for _ in range(steps):
            self._step(*batch)
        _synchronize(self.u.device)
        return (time.perf_counter() - started) / steps

    def run_epoch(self, should_stop: Callable[[], bool] | None) -> tuple[float, bool]:
        """Return (mean squared error of the epoch, whether a stop was asked for)."""
        order = torch.randperm(self.n, generator=self.generator, device=self.generator.device).to(self.u.device)
        u, i, r = self.u[order], self._item_rows[order], self.r[order]
        total = torch.zeros((), device=self.u.device)
        self.rows.load()
        try:
            for start in range(0, self.n, self.batch):
                stop = start + self.batch
                total += self._step(u[start:stop], i[start:stop], r[start:stop])
                if should_stop is not None and should_stop():
                    return float("nan"), True
        finally:
            self.rows.store()
        return float(total) / max(self.n, 1), False

    def step(self, u: torch.Tensor, i: torch.Tensor, r: torch.Tensor) -> torch.Tensor:
        """One batch of (user, movie index, rating) on its own, the model updated: the summed squared error."""
        self.rows.load()
        error = self._step(u.long(), i.long() + self.rows.n_users, r.float())
        self.rows.store()
        return error

    def _buffer(self, size: int) -> tuple[torch.Tensor, torch.Tensor]:
        """For a batch of ``size``: the gradient block (the offset row's factor columns stay zero) and each
        column's weight decay factor (none on the bias column). Made once per size (the warm-up's, a whole
        batch's, the last one's)."""
        if size not in self._buffers:
            rows = self.rows
            grads = torch.zeros((2 * size + int(rows.biased), rows.width), device=self.u.device)
            decay = torch.full((rows.width,), 2.0 * self.config.weight_decay / size, device=self.u.device)
            if rows.biased:
                decay[rows.n_factors] = 0.0
            self._buffers[size] = grads, decay
        return self._buffers[size]

    @torch.no_grad()
    def _step(self, u: torch.Tensor, i: torch.Tensor, r: torch.Tensor) -> torch.Tensor:
        """One batch (``i``: the movies' rows in the packed table): closed-form gradients of the loss, lazy Adam on
        the rows used; the summed squared error."""
        rows, size, f = self.rows, len(r), self.rows.n_factors
        index = torch.cat((u, i, self._tail))
        gathered = rows.table.index_select(0, index[: 2 * size])
        user, item = gathered[:size, :f], gathered[size:, :f]
        raw = (user * item).sum(1)
        if rows.biased:
            raw += gathered[:size, f] + gathered[size:, f] + rows.table[rows.offset_row, f]
            low, high = self.model.y_range
            squashed = torch.sigmoid(raw)
            error = squashed * (high - low) + low - r
            slope = 2.0 / size * error * squashed * (1 - squashed) * (high - low)
        else:
            error = raw - r
            slope = 2.0 / size * error
        grads, decay = self._buffer(size)
        partner = torch.cat((gathered[size:], gathered[:size]))  # each row's gradient takes the other side's factors
        if rows.biased:
            partner[:, f] = 1.0  # and the bias column's gradient is the slope itself
        torch.addcmul(gathered * decay, torch.cat((slope, slope))[:, None], partner, out=grads[: 2 * size])
        if rows.biased:
            grads[2 * size, f] = slope.sum()
        lr, beta1 = one_cycle(self.step_count, self.total_steps, self.config.lr)
        self.step_count += 1
        adam = (lr / (1 - beta1**self.step_count), beta1, math.sqrt(1 - BETA2**self.step_count))
        if self.dense:
            used = torch.zeros(rows.n_rows, dtype=torch.bool, device=index.device).index_fill_(0, index, True)
            _masked_adam(rows.table, rows.moments, used[:, None], row_sums(index, grads, rows.n_rows), adam)
        else:
            unique, inverse = torch.unique(index, return_inverse=True)
            _adam(rows.table, rows.moments, unique, row_sums(inverse, grads, len(unique)), adam)
        return torch.dot(error, error)
