"""The row-wise CPU trainer of the dot-product models: lazy Adam over compiled kernels.

The torch loop (:class:`cf.training.loop.TorchLoop`) runs dense Adam over every embedding row at every
step, which is cheap for small tables and far too slow for MovieLens 25M's 162k users on
a CPU. This loop trains the same :class:`~cf.models.EmbeddingDot` /
:class:`~cf.models.EmbeddingDotBias` modules, in place, with the same loss, L2 penalty,
learning-rate schedule (torch's ``OneCycleLR``) and Adam formula, but updates only the
rows each batch uses ("lazy" Adam, as in ``torch.optim.SparseAdam``). The kernels are in
:mod:`cf.training.kernels`; on the benchmark split it matches the torch loop's accuracy.
"""

from __future__ import annotations

import contextlib
import math
import threading
from collections.abc import Callable

import numpy as np
import torch

from cf.config import SMALL_BATCH, TrainConfig
from cf.models import EmbeddingDot, EmbeddingDotBias

_KERNEL_TURNS: contextlib.AbstractContextManager = threading.Lock()
"""Concurrent runs take turns per step where numba's threading layer takes one parallel call at
a time (workqueue); :func:`warm_up` lifts it for the thread-safe layers (omp, tbb)."""
FULL_SHUFFLE_ROWS = 2_000_000
"""Up to this many ratings, each epoch shuffles with numpy; above, with the cache-friendly kernel."""


def available() -> bool:
    """True when numba can be imported."""
    try:
        import numba  # noqa: F401
    except ImportError:
        return False
    return True


_WARM = threading.Event()
"""Set once every kernel is loaded in this process."""


def warm_up() -> None:
    """Load (or compile, the first time on a machine) every kernel with the types training uses.

    One tiny epoch of a model of each kind, the shuffle, then the item neighbours that Auto
    may blend in (:mod:`cf.models.knn`). Seconds the first time in a process (the kernels
    come from numba's cache or are compiled), nothing after.
    """
    global _KERNEL_TURNS
    if _WARM.is_set():
        return
    import numba

    from cf.models.knn import ItemNeighbours
    from cf.training import kernels

    n = 8
    u, i = torch.arange(n, dtype=torch.int32) % 3, torch.arange(n, dtype=torch.int32) % 4
    r = torch.linspace(1.0, 5.0, n, dtype=torch.float32)
    config = TrainConfig(epochs=1, n_factors=4, batch_size=4)
    for model in (EmbeddingDotBias(3, 4, 4, (0.5, 5.5), 3.0), EmbeddingDot(3, 4, 4)):
        RowwiseLoop(model, config, u, i, r, torch.device("cpu")).run_epoch(None)
    tiny = (np.arange(4, dtype=np.int32), np.arange(4, dtype=np.int32), np.ones(4, np.float32))
    kernels.shuffle_into(*tiny, *(np.empty_like(a) for a in tiny), 0)
    ItemNeighbours.fit(u.numpy(), i.numpy(), r.numpy() - 3.0, 3, 4, min_ratings=1).predict(u.numpy(), i.numpy())
    if numba.threading_layer() != "workqueue":
        _KERNEL_TURNS = contextlib.nullcontext()
    _WARM.set()


def supports(model: torch.nn.Module, device: torch.device) -> bool:
    """True for the dot-product models on the CPU, when numba is installed."""
    return device.type == "cpu" and isinstance(model, (EmbeddingDot, EmbeddingDotBias)) and available()


class _Table:
    """One embedding table (and its bias column) with its Adam moments and per-batch buffers."""

    def __init__(self, factors: torch.Tensor, bias: torch.Tensor | None, batch: int, chunks: int):
        self.factors = factors.detach().numpy()  # shares memory with the module's weight
        n, k = self.factors.shape
        self.bias = bias.detach().numpy() if bias is not None else np.zeros((1, 1), np.float32)
        self.moments = np.zeros((n, 2, k), np.float32)
        self.bias_moments = np.zeros((n if bias is not None else 1, 2), np.float32)
        self.grad = np.zeros((chunks, min(batch, n), k + 1), np.float32)
        self.slot = np.full(n, -1, np.int32)
        self.rows = np.zeros(min(batch, n), np.int64)


class RowwiseLoop:
    """A :class:`cf.training.loop.TrainingLoop`: ``run_epoch`` over shuffled mini-batches."""

    def __init__(
        self, model: torch.nn.Module, config: TrainConfig, u, i, r, device: torch.device, threads: int | None = None
    ):
        """``threads`` None: one for small batches, else numba's count (:func:`cf.placement.place` decides it)."""
        import numba

        from cf.training import kernels

        self.kernels = kernels
        self.model, self.config = model, config
        self.u = u
        self.users = np.ascontiguousarray(u.numpy(), dtype=np.int32)  # no copy when already int32
        self.items = np.ascontiguousarray(i.numpy(), dtype=np.int32)
        self.ratings = np.ascontiguousarray(r.numpy(), dtype=np.float32)
        self.n = len(self.ratings)
        self.batch = min(config.batch_size, max(1, self.n))
        self.steps_per_epoch = math.ceil(self.n / self.batch)
        # The chunks (and so the results) depend on the machine's cores, not on the threads used.
        chunks = max(1, min(numba.config.NUMBA_NUM_THREADS, 8, self.batch // 256))
        if threads is None:
            threads = 1 if self.batch <= SMALL_BATCH else numba.get_num_threads()
        self.threads = threads
        self.squash = isinstance(model, EmbeddingDotBias)
        bias = (model.user_bias.weight, model.item_bias.weight) if self.squash else (None, None)
        self.user = _Table(model.user_factors.weight, bias[0], self.batch, chunks)
        self.item = _Table(model.item_factors.weight, bias[1], self.batch, chunks)
        self.low, self.high = model.y_range if self.squash else (0.0, 0.0)
        self.offset = model.offset.detach().numpy().reshape(1) if self.squash else np.zeros(1, np.float32)
        self.offset_moments = [0.0, 0.0]
        self.total_steps = config.epochs * self.steps_per_epoch
        self.step_count = 0
        self.epoch_seed = np.random.default_rng(config.seed)
        self.shuffled = tuple(np.empty_like(a) for a in (self.users, self.items, self.ratings))

    def run_epoch(self, should_stop: Callable[[], bool] | None) -> tuple[float, bool]:
        """Return (mean squared error of the epoch, whether a stop was asked for).

        Small batches (up to :data:`~cf.config.SMALL_BATCH`) run their chunks on this thread
        alone: a parallel step that small gains little, and on a busy machine every step would
        wait for a descheduled worker (measured: a default fit of 10 s instead of 0.2 s at a
        load average of 7 on 2 cores). The results are the same either way.
        """
        import numba

        users, items, ratings = self._shuffle()
        total = 0.0
        threads = numba.get_num_threads()  # numba's count is per calling thread: other runs keep theirs
        numba.set_num_threads(min(threads, self.threads))
        try:
            for start in range(0, self.n, self.batch):
                stop = start + self.batch
                with _KERNEL_TURNS:
                    total += self._step(users[start:stop], items[start:stop], ratings[start:stop])
                if should_stop is not None and should_stop():
                    return float("nan"), True
        finally:
            numba.set_num_threads(threads)
        return total / self.n, False

    def _shuffle(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        seed = int(self.epoch_seed.integers(2**31))
        if self.n <= FULL_SHUFFLE_ROWS:
            order = np.random.default_rng(seed).permutation(self.n)
            return self.users[order], self.items[order], self.ratings[order]
        self.kernels.shuffle_into(self.users, self.items, self.ratings, *self.shuffled, seed)
        return self.shuffled

    def _step(self, users: np.ndarray, items: np.ndarray, ratings: np.ndarray) -> float:
        """One batch: gradients into the buffers, then Adam on the rows used. Returns the summed squared error."""
        k, user, item = self.kernels, self.user, self.item
        n_users, user_slots = k.assign_slots(users, user.slot, user.rows)
        n_items, item_slots = k.assign_slots(items, item.slot, item.rows)
        size = len(ratings)
        decay = 2.0 * self.config.weight_decay / size
        squared, offset_grad = k.gradients(
            user.factors, item.factors, user.bias, item.bias, float(self.offset[0]), users, items, ratings,
            user_slots, item_slots, self.low, self.high, self.squash, 1.0 / size, decay, user.grad, item.grad,
        )  # fmt: skip
        lr, beta1 = one_cycle(self.step_count, self.total_steps, self.config.lr)
        beta2, eps = 0.999, 1e-8  # torch's Adam defaults
        self.step_count += 1
        step_size = lr / (1 - beta1**self.step_count)
        correction2 = math.sqrt(1 - beta2**self.step_count)
        for table, n_rows in ((user, n_users), (item, n_items)):
            k.adam_rows(
                table.factors, table.moments, table.bias, table.bias_moments, table.grad, table.slot, table.rows,
                n_rows, step_size, beta1, beta2, correction2, eps, self.squash,
            )  # fmt: skip
        if self.squash:
            m, v = self.offset_moments
            m = beta1 * m + (1 - beta1) * offset_grad
            v = beta2 * v + (1 - beta2) * offset_grad**2
            self.offset_moments = [m, v]
            self.offset[0] -= step_size * m / (math.sqrt(v) / correction2 + eps)
        return squared


def one_cycle(step: int, total_steps: int, max_lr: float) -> tuple[float, float]:
    """Learning rate and Adam beta1 at ``step`` of torch's ``OneCycleLR`` with its defaults.

    Cosine warm-up from ``max_lr / 25`` to ``max_lr`` over the first 30% of the steps while
    beta1 falls from 0.95 to 0.85, then cosine decay to ``max_lr / 25e4`` while beta1 rises
    back. (Computed here because building a torch optimiser costs seconds on first use.)
    """
    initial, peak_step = max_lr / 25.0, 0.3 * total_steps - 1
    if step <= peak_step:
        start, end, fraction = (initial, 0.95), (max_lr, 0.85), step / peak_step
    else:
        start, end, fraction = (max_lr, 0.85), (initial / 1e4, 0.95), (step - peak_step) / (total_steps - 1 - peak_step)
    weight = (math.cos(math.pi * fraction) + 1) / 2.0
    return end[0] + (start[0] - end[0]) * weight, end[1] + (start[1] - end[1]) * weight
