"""cf: train and explore collaborative-filtering models on MovieLens-style ratings.

Reading data and checking settings need no torch; the model, training and recommender
names load torch when first used, so ``import cf`` is quick.
"""

from importlib import import_module

from cf.config import ConfigError, TrainConfig, TrainingDiverged, auto_batch_size
from cf.data import DataError, IdMap, Movies, Ratings, random_split, temporal_split
from cf.metrics import BiasBaseline, mae, ranking_metrics, rmse
from cf.readers import load_dataset, load_movies, load_ratings

_LAZY = {
    "evaluate": "cf.evaluation",
    "EmbeddingDot": "cf.models",
    "EmbeddingDotBias": "cf.models",
    "EmbeddingNN": "cf.models",
    "build_model": "cf.models",
    "sigmoid_range": "cf.models",
    "Recommender": "cf.recommend",
    "UnknownMovieError": "cf.recommend",
    "UnknownUserError": "cf.recommend",
    "BatchProgress": "cf.train",
    "EpochReport": "cf.train",
    "FitResult": "cf.train",
    "fit": "cf.train",
    "resolve_device": "cf.train",
    "train_model": "cf.train",
    "validation_split": "cf.train",
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
    "EpochReport", "FitResult", "IdMap", "Movies", "Ratings", "Recommender", "TrainConfig",
    "TrainingDiverged", "UnknownMovieError", "UnknownUserError", "auto_batch_size", "build_model", "evaluate", "fit",
    "load_dataset", "load_movies", "load_ratings", "mae", "random_split", "ranking_metrics", "resolve_device", "rmse",
    "sigmoid_range", "temporal_split", "train_model", "validation_split",
]  # fmt: skip
__version__ = "0.1.0"
