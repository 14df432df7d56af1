"""Training: the fit loop with live callbacks and a cooperative stop, and its engines.

Modules: :mod:`cf.training.trainer` (``fit``, the torch loop), :mod:`cf.training.rowwise`
(the row-wise CPU loop) over :mod:`cf.training.kernels` (numba), and
:mod:`cf.training.distributed` (``torchrun``).
"""

from cf.config import LIMITS, ConfigError, TrainConfig, TrainingDiverged, auto_batch_size
from cf.training.trainer import (
    BatchProgress,
    EpochReport,
    FitResult,
    cpu_settings,
    fit,
    index_ratings,
    make_loop,
    resolve_device,
    train_model,
    validation_split,
)

__all__ = [
    "LIMITS", "BatchProgress", "ConfigError", "EpochReport", "FitResult", "TrainConfig", "TrainingDiverged",
    "auto_batch_size", "cpu_settings", "fit", "index_ratings", "make_loop", "resolve_device", "train_model",
    "validation_split",
]  # fmt: skip
