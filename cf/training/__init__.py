"""Training: one fit with live callbacks and a cooperative stop, and its engines.

Modules: :mod:`cf.training.fit` (``fit``: the placement and Auto around one fit, ``train_model``),
:mod:`cf.training.loop` (one fit, the torch loop), :mod:`cf.splits` (the validation
split), :mod:`cf.training.auto` (Auto's search), :mod:`cf.training.rowwise` (the row-wise CPU
loop) over :mod:`cf.training.kernels` (numba), and :mod:`cf.training.distributed` (``torchrun``).
Where a fit runs is decided in :mod:`cf.placement`.
"""

from cf.config import LIMITS, ConfigError, TrainConfig, TrainingDiverged
from cf.placement import Placement, auto_batch_size, place
from cf.splits import validation_split
from cf.training.fit import fit, train_model
from cf.training.loop import BatchProgress, EpochReport, FitResult, cpu_settings, index_ratings, make_loop

__all__ = [
    "LIMITS", "BatchProgress", "ConfigError", "EpochReport", "FitResult", "Placement", "TrainConfig",
    "TrainingDiverged", "auto_batch_size", "cpu_settings", "fit", "index_ratings", "make_loop", "place",
    "train_model", "validation_split",
]  # fmt: skip
