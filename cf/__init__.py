"""cf: train and explore collaborative-filtering models on MovieLens-style ratings."""

from cf.data import DataError, IdMap, Movies, Ratings, random_split, temporal_split
from cf.evaluate import evaluate
from cf.metrics import BiasBaseline, mae, ranking_metrics, rmse
from cf.models import EmbeddingDot, EmbeddingDotBias, EmbeddingNN, build_model, sigmoid_range
from cf.readers import load_dataset, load_movies, load_ratings
from cf.recommend import Recommender, UnknownMovieError, UnknownUserError
from cf.train import (
    ConfigError,
    EpochReport,
    FitResult,
    TrainConfig,
    TrainingDiverged,
    fit,
    resolve_device,
    train_model,
    validation_split,
)

__all__ = [
    "BiasBaseline", "ConfigError", "DataError", "EmbeddingDot", "EmbeddingDotBias", "EmbeddingNN",
    "EpochReport", "FitResult", "IdMap", "Movies", "Ratings", "Recommender", "TrainConfig",
    "TrainingDiverged", "UnknownMovieError", "UnknownUserError", "build_model", "evaluate", "fit", "load_dataset",
    "load_movies", "load_ratings", "mae", "random_split", "ranking_metrics", "resolve_device", "rmse",
    "sigmoid_range", "temporal_split", "train_model", "validation_split",
]  # fmt: skip
__version__ = "0.1.0"
