"""Where and how a fit runs, decided once: device, training engine, batch, item-model movie cap, threads.

:func:`place` makes the one decision for a fit, in this order: the device asked for in the
settings, else the ``CF_DEVICE`` environment variable, else the data's size and the hardware.
Every part of training reads the :class:`Placement` it returns; the fitted recommender keeps
it, and so does its model file (a model trained on CUDA keeps its 40,000-movie cap when it is
loaded on a CPU).

``auto`` trains small data on the CPU even where a GPU exists: below :data:`GPU_CROSSOVER`
ratings the CPU's compiled row-wise loop finishes first (MovieLens latest-small: 0.13 s on
2 CPU cores against 1.2 s on an H200; Auto 1.0 s against 26.7 s). The crossover is measured
(see :data:`GPU_CROSSOVER`); ``scripts/gpu_check.sh`` prints the CPU-vs-CUDA times again.

Torch is imported only when the hardware is looked at, so forms can size batches cheaply.
"""

from __future__ import annotations

import math
import os
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING

from cf.config import LIMITS, SMALL_BATCH, ConfigError, TrainConfig

if TYPE_CHECKING:
    import torch

GPU_CROSSOVER = 300_000
"""With ``auto``, fits of fewer ratings than this run on the CPU even where a GPU exists.

Measured by ``benchmarks.scale crossover`` (a default fit) on an NVIDIA H200 against its host's
16 CPU cores (docs/bench/h200-2026-12-04/crossover.txt): 100k ratings CPU 0.45 s, CUDA 0.83 s;
500k CPU 2.89 s, CUDA 1.54 s; 2M CPU 9.40 s, CUDA 2.17 s. The two cross between 100k and 500k;
a CPU with fewer cores is slower, which moves the crossing lower, so 300,000 sits below the
middle: latest-small (100k) stays on the CPU, 500k and up go to the GPU.
"""
AUTO_STEPS = {"cpu": 512, "cuda": 128}
"""Steps per epoch the automatic batch aims at, by device type (others use the CPU's)."""
MOVIE_CAP = {"cpu": 6_000, "cuda": 40_000}
"""Default cap on the movies in the item model, by device type (others use the CPU's)."""
ITEM_MODEL_COPIES = 4
"""Square float32 matrices alive at once while the item model is solved (Gram, factor, identity, weights)."""
ROWWISE_MODELS = ("dot", "dot-bias")
"""Models the row-wise CPU loop trains."""


@dataclass(frozen=True)
class Placement:
    """How one fit runs; decided by :func:`place` and kept with the model.

    Attributes
    ----------
    device
        A torch device name: ``cpu``, ``cuda``, ``cuda:1``, ``mps``.
    engine
        ``rowwise`` (compiled lazy Adam on the CPU), ``lazy`` (lazy Adam in torch operations, for GPUs)
        or ``torch`` (autograd).
    batch_size
        Ratings per training step.
    ranker_max_items
        The most movies the item model covers.
    threads
        CPU threads the training loop uses (1 for small batches; ignored on a GPU).
    reason
        The choice of device in plain words, for people.
    """

    device: str
    engine: str
    batch_size: int
    ranker_max_items: int
    threads: int
    reason: str

    @property
    def device_type(self) -> str:
        """``cpu``, ``cuda`` or ``mps``."""
        return self.device.split(":")[0]

    def torch_device(self) -> torch.device:
        import torch

        return torch.device(self.device)

    def sentence(self) -> str:
        """What was decided, in one line: device (and why), engine, batch, movie cap."""
        return (
            f"{self.reason}; {self.engine} training loop, batch {self.batch_size:,}, "
            f"item model of at most {self.ranker_max_items:,} movies"
        )

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> Placement:
        """Inverse of :meth:`to_dict` (model files); raises ``ValueError`` on a malformed record."""
        try:
            placement = cls(
                device=str(values["device"]),
                engine=str(values["engine"]),
                batch_size=int(values["batch_size"]),
                ranker_max_items=int(values["ranker_max_items"]),
                threads=int(values["threads"]),
                reason=str(values["reason"]),
            )
        except (KeyError, TypeError) as error:
            raise ValueError(f"the placement record is malformed ({error})") from None
        if placement.engine not in ("rowwise", "lazy", "torch") or placement.ranker_max_items < 2:
            raise ValueError("the placement record is malformed")
        return placement


def place(
    n_ratings: int, config: TrainConfig, n_movies: int | None = None, *, gpu_crossover: int | None = None
) -> Placement:
    """The placement of a fit of ``n_ratings`` training ratings (of ``n_movies`` movies) with ``config``.

    Raises :class:`ConfigError`, before any work, for a device that is asked for and missing,
    an engine that cannot run there, or an item model that will not fit in memory.
    """
    device, reason = choose_device(config.device, n_ratings, gpu_crossover or GPU_CROSSOVER, config.engine)
    kind = device.split(":")[0]
    engine = choose_engine(config, kind)
    batch = config.batch_size or auto_batch_size(n_ratings, kind)
    cap = choose_movie_cap(config.ranker_max_items, device, n_movies)
    threads = 1 if kind != "cpu" or batch <= SMALL_BATCH else _cpu_threads()
    return Placement(device, engine, int(batch), cap, threads, reason)


def choose_device(asked: str, n_ratings: int, crossover: int = GPU_CROSSOVER, engine: str = "auto") -> tuple[str, str]:
    """(device name, reason): ``asked`` unless ``auto``; the CPU for the row-wise ``engine``; then
    ``CF_DEVICE``; then the data's size and the hardware."""
    if asked != "auto":
        return check_device(asked), f"{_label(asked)}: asked for"
    if engine == "rowwise":
        return "cpu", "CPU: the row-wise training loop was asked for (it runs on the CPU)"
    env = os.environ.get("CF_DEVICE", "auto").strip() or "auto"
    if env != "auto":
        return check_device(env), f"{_label(env)}: set by CF_DEVICE={env}"
    gpu = _gpu_name()
    if gpu is None:
        return "cpu", "CPU: no GPU on this machine"
    if n_ratings < crossover:
        return "cpu", (
            f"CPU: {n_ratings:,} ratings is small data; the CPU is faster than the {_label(gpu)} "
            f"below {crossover:,} ratings"
        )
    return gpu, f"{_label(gpu)}: {n_ratings:,} ratings is large data (the GPU is faster from {crossover:,} ratings)"


def check_device(name: str) -> str:
    """``name`` if this machine has that device, else :class:`ConfigError` saying what to use instead."""
    import torch

    try:
        device = torch.device(name)
    except (RuntimeError, ValueError):
        raise ConfigError(f"device {name!r} is not a device name; use auto, cpu, cuda, cuda:1 or mps") from None
    if device.type == "cuda":
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if count <= (device.index or 0):
            found = f"this machine has {count} CUDA GPU(s)" if count else "torch sees no CUDA GPU here"
            raise ConfigError(f"device {name!r} is not available: {found}; use auto or cpu")
    elif device.type == "mps" and not _has_mps():
        raise ConfigError(f"device {name!r} is not available: this machine has no Apple GPU; use auto or cpu")
    elif device.type not in ("cpu", "cuda", "mps"):
        raise ConfigError(f"device {name!r} is not supported; use auto, cpu, cuda or mps")
    return str(device)


def choose_engine(config: TrainConfig, device_type: str) -> str:
    """The training loop: ``rowwise`` for the dot models on one CPU process with numba, ``lazy`` (the same
    lazy Adam in torch operations, :mod:`cf.training.lazy`) for them on a GPU in one process, else
    ``torch`` (autograd). ``config.engine`` ``torch`` or ``rowwise`` asks for one; an impossible ask raises."""
    usable = device_type == "cpu" and config.model in ROWWISE_MODELS and _has_numba() and not _distributed()
    if config.engine == "rowwise" and not usable:
        raise ConfigError(
            "engine 'rowwise' trains the dot and dot-bias models on a CPU in one process "
            "(and needs numba); use engine 'torch' or 'auto' here"
        )
    if config.engine == "torch":
        return "torch"
    if usable:
        return "rowwise"
    lazy = device_type != "cpu" and config.model in ROWWISE_MODELS and not _distributed()
    return "lazy" if lazy else "torch"


def auto_batch_size(n_ratings: int, device_type: str = "cpu") -> int:
    """The automatic batch size: 1,024 for small data; above that, the power of two that
    keeps an epoch at 512 steps or fewer on a CPU (65,536 for MovieLens 25M), 128 on a
    CUDA GPU (262,144 for 25M).

    Small data learns best from many small steps; at millions of ratings the per-step
    costs dominate, and a bigger batch trains several times faster per epoch at the same
    accuracy (measured on a 5M-rating synthetic table: 4x the batch gave the same
    validation RMSE, 0.667 against 0.668).
    """
    steps = AUTO_STEPS.get(device_type, AUTO_STEPS["cpu"])
    if n_ratings <= steps * 1024:
        return 1024
    return int(min(LIMITS["batch_size"][1], 2 ** math.ceil(math.log2(n_ratings / steps))))


def choose_movie_cap(asked: int | None, device: str, n_movies: int | None = None) -> int:
    """The item model's movie cap: ``asked``, or :data:`MOVIE_CAP` for the device, checked against memory.

    Raises :class:`ConfigError` when the item model (of the cap or of ``n_movies``, the fewer)
    will not fit in the device's free memory; nothing shrinks silently.
    """
    kind = device.split(":")[0]
    cap = int(asked or MOVIE_CAP.get(kind, MOVIE_CAP["cpu"]))
    size = min(cap, n_movies) if n_movies is not None else cap
    free = _free_bytes(device)
    if free is None or item_model_bytes(size) <= free:
        return cap
    fits = max(2, int(math.sqrt(free / (4 * ITEM_MODEL_COPIES))))
    raise ConfigError(
        f"the item model of {size:,} movies needs about {item_model_bytes(size) / 1e9:.1f} GB on "
        f"{_label(device)}, which has {free / 1e9:.1f} GB free: set ranker_max_items to at most {fits:,}, "
        "train on another device, or train on a sample"
    )


def check_item_model(n_movies: int, device: str) -> None:
    """Raise :class:`ConfigError` when an item model of ``n_movies`` movies will not fit on ``device`` now
    (a model trained elsewhere, loaded here with its cap), saying what to change."""
    free = _free_bytes(device)
    if free is not None and item_model_bytes(n_movies) > free:
        fits = max(2, int(math.sqrt(free / (4 * ITEM_MODEL_COPIES))))
        raise ConfigError(
            f"this model's item model covers {n_movies:,} movies and needs about "
            f"{item_model_bytes(n_movies) / 1e9:.1f} GB on {_label(device)}, which has {free / 1e9:.1f} GB free: "
            f"load it on a machine with more memory or a GPU, or retrain with ranker_max_items at most {fits:,}"
        )


def item_model_bytes(n_movies: int) -> int:
    """Memory the item model's solve takes for ``n_movies`` movies (:data:`ITEM_MODEL_COPIES` float32 squares)."""
    return ITEM_MODEL_COPIES * 4 * n_movies * n_movies


def with_placement(config: TrainConfig, placement: Placement) -> TrainConfig:
    """A copy of ``config`` with the placement's device, engine, batch and cap written in (what the model used)."""
    return replace(
        config,
        device=placement.device,
        engine=placement.engine,
        batch_size=placement.batch_size,
        ranker_max_items=placement.ranker_max_items,
    )


def torchrun_device(local_rank: int) -> str:
    """The device of one ``torchrun`` process: its own GPU where there are GPUs, else the CPU."""
    import torch

    return f"cuda:{local_rank}" if torch.cuda.is_available() else "cpu"


def _label(device: str) -> str:
    return device.upper() if ":" not in device else device.split(":")[0].upper() + ":" + device.split(":")[1]


def _gpu_name() -> str | None:
    import torch

    if torch.cuda.is_available():
        return "cuda"
    return "mps" if _has_mps() else None


def _has_mps() -> bool:
    import torch

    return getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available()


def _distributed() -> bool:
    """True inside a ``torchrun`` process group of more than one process (:mod:`cf.training.distributed`)."""
    import torch.distributed as dist

    return dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1


def _has_numba() -> bool:
    try:
        import numba  # noqa: F401
    except ImportError:
        return False
    return True


def _cpu_threads() -> int:
    import torch

    return torch.get_num_threads()


def _free_bytes(device: str) -> int | None:
    """Free memory on ``device`` in bytes (None where it cannot be told)."""
    kind = device.split(":")[0]
    if kind == "cuda":
        import torch

        return int(torch.cuda.mem_get_info(torch.device(device))[0])
    if kind == "cpu":
        try:
            with open("/proc/meminfo") as info:
                for line in info:
                    if line.startswith("MemAvailable:"):
                        return int(line.split()[1]) * 1024
        except (OSError, ValueError, IndexError):
            return None
    return None
