"""cf: train and explore collaborative-filtering models on MovieLens-style ratings.

Subpackages: :mod:`cf.data` (tables, readers, MovieLens, demo data),
:mod:`cf.models` (the rating models and the bias baseline) and :mod:`cf.training` (the fit
loop and its engines); beside them ``recommend``, ``foldin``, ``persist``, ``export``,
``metrics``, ``evaluation``, ``projection``, ``plots``, ``config``, ``settings``, ``splits``
(every train/test split) and the command line.

Reading data and checking settings need no torch; the model, training and recommender
names load torch when first used, so ``import cf`` is quick.
"""

from importlib import import_module

from cf.config import ConfigError, TrainConfig, TrainingDiverged
from cf.data import (
    DataError,
    IdMap,
    Movies,
    Ratings,
    load_dataset,
    load_movies,
    load_ratings,
)
from cf.metrics import mae, rmse
from cf.models import BiasBaseline
from cf.placement import Placement, auto_batch_size, place
from cf.splits import random_split, temporal_split

_LAZY = {
    "Scores": "cf.evaluation",
    "TopNReport": "cf.evaluation",
    "evaluate": "cf.evaluation",
    "evaluate_all": "cf.evaluation",
    "evaluate_topn": "cf.evaluation",
    "evaluate_new_people": "cf.evaluation",
    "EmbeddingDot": "cf.models",
    "EmbeddingDotBias": "cf.models",
    "EmbeddingNN": "cf.models",
    "build_model": "cf.models",
    "sigmoid_range": "cf.models",
    "Recommender": "cf.recommend",
    "UnknownMovieError": "cf.recommend",
    "UnknownUserError": "cf.recommend",
    "BatchProgress": "cf.training",
    "EpochReport": "cf.training",
    "FitResult": "cf.training",
    "fit": "cf.training",
    "train_model": "cf.training",
    "validation_split": "cf.training",
}


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'cf' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "BatchProgress", "BiasBaseline", "ConfigError", "DataError", "EmbeddingDot", "EmbeddingDotBias", "EmbeddingNN",
    "EpochReport", "FitResult", "IdMap", "Movies", "Ratings", "Recommender", "Scores", "TopNReport", "TrainConfig",
    "TrainingDiverged", "UnknownMovieError", "UnknownUserError", "auto_batch_size", "build_model", "evaluate",
    "evaluate_all", "evaluate_new_people", "evaluate_topn", "fit",
    "load_dataset", "load_movies", "load_ratings", "mae", "place", "Placement", "random_split", "rmse",
    "sigmoid_range", "temporal_split", "train_model", "validation_split",
]  # fmt: skip
__version__ = "0.1.0"
