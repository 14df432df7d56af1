"""Training: the configuration, the fit loop with live callbacks, a cooperative stop."""

from __future__ import annotations

import contextlib
import math
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Protocol

import numpy as np
import pandas as pd
import torch

from cf.config import (  # noqa: F401 - re-exported
    LIMITS,
    SMALL_BATCH,
    ConfigError,
    TrainConfig,
    TrainingDiverged,
    auto_batch_size,
)
from cf.data import IdMap, Movies, Ratings, held_out_mask
from cf.metrics import rmse
from cf.models import BiasBaseline, build_model
from cf.recommend import Recommender, known_ratings
from cf.training import distributed


class TrainingLoop(Protocol):
    """What :func:`fit` needs of a training loop (:class:`_Loop` and :class:`cf.training.rowwise.RowwiseLoop`)."""

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
    """The outcome of :func:`fit`."""

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


def resolve_device(name: str = "auto") -> torch.device:
    """The device: ``name`` if given, else ``CF_DEVICE``, else CUDA, MPS, CPU in that order.

    Raises :class:`ConfigError` for a device name torch does not know or a device this machine lacks.
    """
    if name == "auto":
        name = os.environ.get("CF_DEVICE", "auto")
    if name != "auto":
        return _available_device(name)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def _available_device(name: str) -> torch.device:
    try:
        device = torch.device(name)
    except (RuntimeError, ValueError):
        raise ConfigError(f"device {name!r} is not a device name; use auto, cpu, cuda, cuda:1 or mps") from None
    if device.type == "cuda":
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if count <= (device.index or 0):
            found = f"this machine has {count} CUDA GPU(s)" if count else "torch sees no CUDA GPU here"
            raise ConfigError(f"device {name!r} is not available: {found}; use auto or cpu")
    elif device.type == "mps" and not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
        raise ConfigError(f"device {name!r} is not available: this machine has no Apple GPU; use auto or cpu")
    elif device.type != "cpu":
        raise ConfigError(f"device {name!r} is not supported; use auto, cpu, cuda or mps")
    return device


def validation_split(ratings: Ratings, frac: float, seed: int) -> tuple[Ratings, Ratings | None, str | None]:
    """Hold out ``frac`` of the ratings whose user and movie stay in training.

    The same seeded draw as :func:`cf.data.random_split`; a drawn rating whose user or movie
    has no other rating in training stays in training. Both parts keep the file's order.
    Returns (train, valid or None, a note for the person when no split was possible).
    """
    if frac <= 0:
        return ratings, None, None
    frame = ratings.frame
    drawn = held_out_mask(ratings.n_ratings, frac, seed)
    held = drawn.copy()
    for column in ("user", "item"):
        codes, uniques = pd.factorize(frame[column])
        in_training = np.bincount(codes[~drawn], minlength=len(uniques)) > 0
        held &= in_training[codes]
    if not held.any():
        note = (
            "No validation split was possible: the held-out ratings would all belong to users or "
            "movies with no other rating. Training on all ratings without one."
        )
        return ratings, None, note
    return ratings.subset(~held, "train"), ratings.subset(held, "validation"), None


def fit(
    train: Ratings,
    config: TrainConfig | None = None,
    valid: Ratings | None = None,
    movies: Movies | None = None,
    callback: Callable[[EpochReport], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    progress: Callable[[BatchProgress], None] | None = None,
    *,
    rank: bool = True,
) -> FitResult:
    """Train a model on ``train`` and return a :class:`FitResult` holding the recommender.

    Parameters
    ----------
    train
        The training ratings.
    config
        Settings; :class:`TrainConfig` defaults when None. ``valid_frac`` is not applied
        here: split first with :func:`validation_split`, or call :func:`train_model`.
    valid
        Optional held-out ratings, scored after each epoch (unknown ids use the fallback).
    movies
        Titles and genres; movies missing from it are named ``Movie <id>``.
    callback
        Called after each epoch with an :class:`EpochReport`.
    should_stop
        Polled after each batch (and after each epoch); when it returns True the run ends
        with the model of the last finished epoch.
    progress
        Called after each batch with a :class:`BatchProgress` (batches done and in all, the epoch).
    rank
        Fit the item model that ranks top-N lists (False only for throw-away fits).

    With ``config.auto`` the regularisation, epochs, learning rate and neighbour blend are
    first picked on an internal split of ``train`` (:func:`cf.training.auto.choose_settings`);
    the time of that search counts in ``fit_seconds`` (as does fitting the item neighbours
    when ``knn_blend`` is above 0) and the model's config holds the picked values. ``progress``
    and ``callback`` hear only the final training, not the search.
    """
    config = (config or TrainConfig()).validate()
    auto = None
    if config.auto:
        from cf.training.auto import choose_settings

        auto = choose_settings(train, config, should_stop)
        picked = {"weight_decay": auto.weight_decay, "epochs": auto.epochs, "lr": auto.lr, "knn_blend": auto.knn_blend}
        config = replace(config, **picked)
    device = resolve_device(config.device)
    config = config.sized_for(train.n_ratings, device.type)  # the one place the batch is sized
    users, items, (user_index, item_index, ratings) = index_ratings(train)
    baseline = BiasBaseline.fit(user_index, item_index, ratings.astype(np.float64), len(users), len(items))
    u, i, r = (torch.from_numpy(a).to(device) for a in (user_index, item_index, ratings))
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(config.seed)
        model = build_model(
            config.model, len(users), len(items), config.n_factors, train.scale, baseline.mean, tuple(config.hidden)
        ).to(device)
    known = known_ratings(train, valid, users, items)
    movies = movies.covering(items.ids) if movies is not None else Movies.placeholder(items.ids)
    recommender = Recommender(
        model=model,
        users=users,
        items=items,
        baseline=baseline,
        scale=train.scale,
        known=known,
        movies=movies,
        config=config,
    )
    started = time.perf_counter()
    if rank:
        recommender.fit_ranker()  # closed form, from the ratings alone: epoch snapshots share it
    ranker_seconds = time.perf_counter() - started
    started = time.perf_counter()
    if config.knn_blend > 0:
        recommender.fit_neighbours()  # before the epochs: their validation RMSE is the blend's
    neighbours_seconds = time.perf_counter() - started
    scored = None
    if valid is not None and valid.n_ratings:
        scored = (
            users.to_index(valid.frame["user"]),
            items.to_index(valid.frame["item"]),
            valid.frame["rating"].to_numpy(),
        )
    if distributed.active():  # this process's share of the rows under torchrun
        mine = distributed.shard_rows(len(r), config.seed).to(device)
        u, i, r = u[mine], i[mine], r[mine]
    setup_started = time.perf_counter()
    loop = make_loop(model, config, u, i, r, device)
    result = FitResult(recommender, ranker_seconds=ranker_seconds, setup_seconds=time.perf_counter() - setup_started)
    with cpu_settings(device, config.batch_size):
        _run(loop, result, scored, callback, should_stop, progress)
    result.fit_seconds += neighbours_seconds
    if auto is not None:
        result.auto = auto.to_dict()
        result.fit_seconds += auto.seconds
    return result


def make_loop(model: torch.nn.Module, config: TrainConfig, u, i, r, device: torch.device) -> TrainingLoop:
    """The training loop for ``config.engine``: row-wise (compiled lazy Adam) or torch (autograd, dense Adam).

    ``auto`` takes the row-wise loop for the dot models on one CPU process, the torch loop
    otherwise (the neural model, GPUs, ``torchrun``). ``config.batch_size`` None is sized for
    these rows (:func:`fit` passes a config it sized). Asking for ``rowwise`` where it
    cannot run raises :class:`ConfigError` saying why.
    """
    from cf.training import rowwise

    if config.batch_size is None:
        config = config.sized_for(len(r), device.type)
    usable = rowwise.supports(model, device) and not distributed.active()
    if config.engine == "rowwise" and not usable:
        raise ConfigError(
            "engine 'rowwise' trains the dot and dot-bias models on a CPU in one process "
            "(and needs numba); use engine 'torch' or 'auto' here"
        )
    if config.engine == "rowwise" or (config.engine == "auto" and usable):
        rowwise.warm_up()  # one-time kernel loading, here rather than in the first epoch's time
        return rowwise.RowwiseLoop(model, config, u, i, r, device)
    return _Loop(model, config, u, i, r, device)


_THREADS_LOCK = threading.Lock()
_single_threaded_runs = 0
_saved_threads = 0


@contextlib.contextmanager
def cpu_settings(device: torch.device, batch_size: int) -> Iterator[None]:
    """Fast CPU training settings for the duration of a run, restored afterwards.

    Denormal floats are flushed to zero in this thread (the decaying Adam moments of rarely
    seen rows otherwise slow the CPU several times). Small batches use one thread: threads
    only add waits there, worse when sessions share the cores. The thread count is
    process-wide, so concurrent runs (app sessions) share one count: the first run sets it,
    the last one restores it.
    """
    global _single_threaded_runs, _saved_threads
    single = device.type == "cpu" and batch_size <= SMALL_BATCH
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


def _run(
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


def train_model(
    ratings: Ratings,
    config: TrainConfig | None = None,
    movies: Movies | None = None,
    callback: Callable[[EpochReport], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    progress: Callable[[BatchProgress], None] | None = None,
) -> tuple[FitResult, Ratings | None, str | None]:
    """Split off ``config.valid_frac`` for validation, then :func:`fit`.

    Returns (result, the validation ratings or None, a note when no split was possible).
    """
    config = (config or TrainConfig()).validate()
    train, valid, note = validation_split(ratings, config.valid_frac, config.seed)
    return fit(train, config, valid, movies, callback, should_stop, progress), valid, note


def _snapshot(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {name: value.detach().clone() for name, value in model.state_dict().items()}


def _divergence_message(epoch: int, loss: float, config: TrainConfig) -> str:
    return (
        f"Training diverged in epoch {epoch}: the loss became {loss}. "
        f"Lower the learning rate (now {config.lr:g}; try {config.lr / 10:g}) or raise the regularisation. "
        + ("The model of the last finished epoch is kept." if epoch > 1 else "No epoch finished.")
    )


class _Loop:
    """One optimiser and schedule over shuffled mini-batches."""

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
