"""The training loop: one fit of a model to ratings, epoch by epoch, with live callbacks and a cooperative stop.

:func:`fit_once` trains one model with fixed settings on a decided :class:`~cf.placement.Placement`
(Auto's trials call it; :func:`cf.training.fit.fit` wraps it with the placement and Auto).
The loops themselves: :class:`TorchLoop` here (autograd, any device) and
:class:`cf.training.rowwise.RowwiseLoop` (compiled lazy Adam on the CPU).
"""

from __future__ import annotations

import contextlib
import math
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Protocol

import numpy as np
import torch

from cf.config import TrainConfig, TrainingDiverged
from cf.data import IdMap, Movies, Ratings
from cf.metrics import rmse
from cf.models import BiasBaseline, EmbeddingDot, EmbeddingDotBias, build_model
from cf.placement import Placement, place
from cf.recommend import Recommender, known_ratings
from cf.training import distributed


class TrainingLoop(Protocol):
    """What :func:`fit_once` needs of a training loop (:class:`TorchLoop`, :class:`cf.training.rowwise.RowwiseLoop`)."""

    model: torch.nn.Module
    config: TrainConfig

    def run_epoch(self, should_stop: Callable[[], bool] | None) -> tuple[float, bool]:
        """One pass over the shuffled ratings: (mean training loss, whether a stop was requested)."""
        ...


@dataclass
class EpochReport:
    """What the callback hears after each epoch."""

    epoch: int
    """Epochs finished so far (1-based)."""
    epochs: int
    """Epochs planned."""
    train_loss: float
    """Mean squared error on the training ratings during this epoch."""
    valid_rmse: float | None
    """RMSE on the validation ratings, or None without a validation set."""
    seconds: float
    """Wall time since training started."""
    eta_seconds: float
    """Estimated time left."""
    snapshot: Callable[[], Recommender] | None = field(default=None, repr=False)
    """Returns a copy of the recommender as it is after this epoch (to keep if the run is stopped)."""


@dataclass(frozen=True)
class BatchProgress:
    """What the progress callback hears after each training batch."""

    batches_done: int
    """Batches finished so far in this run, over all epochs."""
    batches_total: int
    """Batches the whole run will take (epochs times batches per epoch)."""
    epoch: int
    """The epoch under way (1-based)."""
    epochs: int
    """Epochs planned."""

    @property
    def batches_per_epoch(self) -> int:
        return self.batches_total // self.epochs


@dataclass
class FitResult:
    """The outcome of a fit (:func:`fit_once`, :func:`cf.training.fit.fit`)."""

    recommender: Recommender
    history: list[EpochReport] = field(default_factory=list)
    stopped: bool = False
    """True when the run was stopped early by ``should_stop``."""
    diverged: str | None = None
    """A message when the loss became NaN or infinite; the model is the last good epoch's."""
    fit_seconds: float = 0.0
    """Wall time of the training loop alone."""
    ranker_seconds: float = 0.0
    """Wall time of fitting the item model that ranks top-N lists (before the training loop)."""
    auto: dict | None = None
    """With ``config.auto``: what Auto tried and picked (:class:`cf.training.auto.AutoChoice` as a dict)."""
    setup_seconds: float = 0.0
    """Wall time of getting the loop ready, apart from ``fit_seconds``: building the optimiser and, the
    first time in a process, loading the compiled kernels (seconds then, next to nothing after)."""
    placement: Placement | None = None
    """Where and how the fit ran: device (and why), engine, batch, movie cap (:mod:`cf.placement`)."""
    phases: dict[str, float] = field(default_factory=dict)
    """Seconds of each phase, in order: ``auto`` (the search), ``index``, ``item_model``, ``neighbours``,
    ``warm_up``, ``training``; callers add theirs (the command line: ``read``, ``rating_scores``, ``topn``)."""


def fit_once(
    train: Ratings,
    config: TrainConfig,
    placement: Placement,
    valid: Ratings | None = None,
    movies: Movies | None = None,
    callback: Callable[[EpochReport], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    progress: Callable[[BatchProgress], None] | None = None,
    *,
    rank: bool = True,
) -> FitResult:
    """Train one model with fixed settings (no Auto) where ``placement`` says; see :func:`cf.training.fit.fit`.

    ``config`` is checked and holds the settings to train with; the model's config gets the
    placement's batch and movie cap written in.
    """
    config = replace(config, batch_size=placement.batch_size, ranker_max_items=placement.ranker_max_items)
    device = placement.torch_device()
    started = time.perf_counter()
    if device.type == "cuda":  # the CUDA context, on first use in a process: warm-up, not indexing
        torch.empty(1, device=device)
        torch.cuda.synchronize(device)
    device_start = time.perf_counter() - started
    started = time.perf_counter()
    users, items, (user_index, item_index, ratings) = index_ratings(train)
    baseline = BiasBaseline.fit(user_index, item_index, ratings.astype(np.float64), len(users), len(items))
    u, i, r = (torch.from_numpy(a).to(device) for a in (user_index, item_index, ratings))
    with _SEEDED_INIT, torch.random.fork_rng(devices=[]):  # torch's generator is process-wide
        torch.manual_seed(config.seed)
        model = build_model(
            config.model, len(users), len(items), config.n_factors, train.scale, baseline.mean, tuple(config.hidden)
        ).to(device)
    known = known_ratings(train, valid, users, items, (user_index, item_index))
    movies = movies.covering(items.ids) if movies is not None else Movies.placeholder(items.ids)
    recommender = Recommender(
        model=model, users=users, items=items, baseline=baseline, scale=train.scale, known=known,
        movies=movies, config=config, placement=placement,
    )  # fmt: skip
    phases = {"index": time.perf_counter() - started}
    started = time.perf_counter()
    if rank:
        recommender.fit_ranker()  # closed form, from the ratings alone: epoch snapshots share it
    phases["item_model"] = time.perf_counter() - started
    started = time.perf_counter()
    if config.knn_blend > 0:
        recommender.fit_neighbours()  # before the epochs: their validation RMSE is the blend's
    phases["neighbours"] = time.perf_counter() - started
    scored = _validation_indices(valid, users, items)
    if distributed.active():  # this process's share of the rows under torchrun
        mine = distributed.shard_rows(len(r), config.seed).to(device)
        u, i, r = u[mine], i[mine], r[mine]
    started = time.perf_counter()
    loop = make_loop(model, config, u, i, r, device, placement)
    phases["warm_up"] = device_start + time.perf_counter() - started
    result = FitResult(
        recommender, ranker_seconds=phases["item_model"], setup_seconds=phases["warm_up"], placement=placement
    )
    with cpu_settings(placement):
        run_epochs(loop, result, scored, callback, should_stop, progress)
    phases["training"] = result.fit_seconds
    result.fit_seconds += phases["neighbours"]
    result.phases = phases
    return result


def _validation_indices(valid: Ratings | None, users: IdMap, items: IdMap):
    """(user indices, movie indices, ratings) of the validation rows, or None without any."""
    if valid is None or not valid.n_ratings:
        return None
    frame = valid.frame
    return users.to_index(frame["user"]), items.to_index(frame["item"]), frame["rating"].to_numpy()


def make_loop(
    model: torch.nn.Module,
    config: TrainConfig,
    u: torch.Tensor,
    i: torch.Tensor,
    r: torch.Tensor,
    device: torch.device,
    placement: Placement | None = None,
) -> TrainingLoop:
    """The training loop that ``placement`` names: row-wise (compiled lazy Adam), lazy (the same in torch
    operations, for GPUs) or torch (autograd).

    ``placement`` None decides one here for these rows on ``device`` (:func:`cf.placement.place`),
    which raises :class:`~cf.config.ConfigError` when ``config.engine`` cannot run there.
    Loading the loop's kernels (the first time in a process) happens here, not in the first epoch.
    """
    from cf.training import rowwise

    if placement is None:  # decided for this model (its kind, not the config's) on ``device``
        placement = place(len(r), replace(config, device=str(device), model=model_kind(model)))
    config = replace(config, batch_size=placement.batch_size)
    if placement.engine == "rowwise":
        rowwise.warm_up()  # one-time kernel loading, here rather than in the first epoch's time
        return rowwise.RowwiseLoop(model, config, u, i, r, device, threads=placement.threads)
    if placement.engine == "lazy":
        from cf.training.lazy import LazyTorchLoop

        loop = LazyTorchLoop(model, config, u, i, r, device)
    else:
        loop = TorchLoop(model, config, u, i, r, device)
    loop.warm_up()
    return loop


def model_kind(model: torch.nn.Module) -> str:
    """The :data:`~cf.config.MODEL_KINDS` name of a model instance."""
    if isinstance(model, EmbeddingDotBias):
        return "dot-bias"
    return "dot" if isinstance(model, EmbeddingDot) else "nn"


_SEEDED_INIT = threading.Lock()
"""Held while a model is initialised from the seeded global generator: concurrent fits (Auto's
trials, app sessions) would otherwise draw from each other's seeds."""
_THREADS_LOCK = threading.Lock()
_single_threaded_runs = 0
_saved_threads = 0


@contextlib.contextmanager
def cpu_settings(placement: Placement) -> Iterator[None]:
    """Fast CPU training settings for the duration of a run, restored afterwards.

    Denormal floats are flushed to zero in this thread (the decaying Adam moments of rarely
    seen rows otherwise slow the CPU several times). Small batches (``placement.threads`` 1) use one thread: threads
    only add waits there, worse when sessions share the cores. The thread count is
    process-wide, so concurrent runs (app sessions) share one count: the first run sets it,
    the last one restores it.
    """
    global _single_threaded_runs, _saved_threads
    single = placement.device_type == "cpu" and placement.threads == 1
    torch.set_flush_denormal(True)
    if single:
        with _THREADS_LOCK:
            if _single_threaded_runs == 0:
                _saved_threads = torch.get_num_threads()
                torch.set_num_threads(1)
            _single_threaded_runs += 1
    try:
        yield
    finally:
        torch.set_flush_denormal(False)
        if single:
            with _THREADS_LOCK:
                _single_threaded_runs -= 1
                if _single_threaded_runs == 0:
                    torch.set_num_threads(_saved_threads)


def run_epochs(
    loop: TrainingLoop,
    result: FitResult,
    scored: tuple[np.ndarray, np.ndarray, np.ndarray] | None,
    callback: Callable[[EpochReport], None] | None,
    should_stop: Callable[[], bool] | None,
    progress: Callable[[BatchProgress], None] | None = None,
) -> None:
    """The epochs: train, check, snapshot, score the validation rows, report."""
    model, config, recommender = loop.model, loop.config, result.recommender
    started = time.perf_counter()
    last_good = _snapshot(model)
    batches_total = config.epochs * loop.steps_per_epoch
    batches_done = 0
    epoch = 0

    def after_batch() -> bool:
        nonlocal batches_done
        batches_done += 1
        if progress is not None:
            progress(BatchProgress(batches_done, batches_total, epoch, config.epochs))
        return should_stop is not None and should_stop()

    for epoch in range(1, config.epochs + 1):
        loss, stopped = loop.run_epoch(after_batch)
        if stopped:
            result.stopped = True
            break
        if not math.isfinite(loss):
            result.diverged = _divergence_message(epoch, loss, config)
            if epoch == 1:
                raise TrainingDiverged(result.diverged)
            break
        last_good = _snapshot(model)
        model.eval()
        valid_rmse = rmse(recommender.predict_indices(*scored[:2]), scored[2]) if scored else None
        seconds = time.perf_counter() - started
        eta = seconds / epoch * (config.epochs - epoch)
        report = EpochReport(epoch, config.epochs, loss, valid_rmse, seconds, eta, recommender.copy)
        result.history.append(report)
        if callback is not None:
            callback(report)
        if should_stop is not None and should_stop():
            result.stopped = epoch < config.epochs
            break
    model.load_state_dict(last_good)
    model.eval()
    result.fit_seconds = time.perf_counter() - started


def index_ratings(ratings: Ratings) -> tuple[IdMap, IdMap, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Id maps of the users and movies, and the ratings as (int32 user index, int32 movie index, float32 rating)."""
    frame = ratings.frame
    users, items = IdMap.from_values(frame["user"]), IdMap.from_values(frame["item"])
    arrays = (
        users.to_index(frame["user"]).astype(np.int32),
        items.to_index(frame["item"]).astype(np.int32),
        frame["rating"].to_numpy(np.float32),
    )
    return users, items, arrays


def _snapshot(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {name: value.detach().clone() for name, value in model.state_dict().items()}


def _divergence_message(epoch: int, loss: float, config: TrainConfig) -> str:
    return (
        f"Training diverged in epoch {epoch}: the loss became {loss}. "
        f"Lower the learning rate (now {config.lr:g}; try {config.lr / 10:g}) or raise the regularisation. "
        + ("The model of the last finished epoch is kept." if epoch > 1 else "No epoch finished.")
    )


class TorchLoop:
    """One optimiser and schedule over shuffled mini-batches (autograd; any device)."""

    def __init__(self, model, config: TrainConfig, u, i, r, device: torch.device):
        self.model, self.config, self.u, self.i, self.r = model, config, u, i, r
        self.n = len(r)
        self.batch = min(config.batch_size, max(1, self.n))
        self.steps_per_epoch = distributed.agree_on_steps(math.ceil(self.n / self.batch), device)
        self.forward = distributed.wrap(model, device)
        steps = config.epochs * self.steps_per_epoch
        fused = device.type in ("cpu", "cuda")
        self.optimiser = torch.optim.Adam(model.parameters(), lr=config.lr, fused=fused or None)
        self.schedule = torch.optim.lr_scheduler.OneCycleLR(self.optimiser, max_lr=config.lr, total_steps=steps)
        shuffle_on = device if device.type == "cuda" else torch.device("cpu")
        self.generator = torch.Generator(device=shuffle_on).manual_seed(config.seed + distributed.rank())

    def warm_up(self) -> None:
        """One step of a throw-away copy of the model on a few rows: kernel loading and the device's
        one-time set-up happen here (measured as warm-up), not in the first epoch. The model, its
        optimiser and the shuffling are untouched."""
        if self.n == 0 or distributed.active():
            return
        import copy

        spare = copy.deepcopy(self.model).train()
        fused = self.u.device.type in ("cpu", "cuda")
        optimiser = torch.optim.Adam(spare.parameters(), lr=self.config.lr, fused=fused or None)
        rows = slice(0, min(self.n, self.batch))
        predicted, penalty = spare(self.u[rows], self.i[rows], penalty=True)
        ((predicted - self.r[rows]).pow(2).sum() + penalty).backward()
        optimiser.step()
        if self.u.device.type == "cuda":
            torch.cuda.synchronize(self.u.device)

    def run_epoch(self, should_stop: Callable[[], bool] | None) -> tuple[float, bool]:
        """Return (mean squared error of the epoch, whether a stop was asked for).

        ``should_stop`` is called after every batch (:func:`fit` reports progress from it).
        """
        self.model.train()
        order = torch.randperm(self.n, generator=self.generator, device=self.generator.device).to(self.u.device)
        u, i, r = self.u[order], self.i[order], self.r[order]
        total = torch.zeros((), device=self.u.device)
        wd = self.config.weight_decay
        for start in range(0, self.steps_per_epoch * self.batch, self.batch):
            bu, bi, br = u[start : start + self.batch], i[start : start + self.batch], r[start : start + self.batch]
            predicted, penalty = self.forward(bu, bi, penalty=True)
            error = (predicted - br).pow(2).sum()
            loss = (error + wd * penalty) / len(br)
            self.optimiser.zero_grad(set_to_none=True)
            loss.backward()
            self.optimiser.step()
            self.schedule.step()
            total += error.detach()
            if should_stop is not None and should_stop():
                return float("nan"), True
        return distributed.mean_over_ranks(total, min(self.n, self.steps_per_epoch * self.batch)), False
