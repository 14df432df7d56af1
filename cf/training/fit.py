"""Fitting: the placement and Auto around one fit, the validation split, and :func:`train_model`.

:func:`fit` decides the placement once (:mod:`cf.placement`), runs Auto's search when asked
(:mod:`cf.training.auto`), then trains with :func:`cf.training.loop.fit_once`.
:func:`validation_split` lives in :mod:`cf.splits` (Auto uses it too).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace

from cf.config import TrainConfig
from cf.data import Movies, Ratings
from cf.placement import place
from cf.splits import validation_split
from cf.training.auto import choose_settings
from cf.training.loop import BatchProgress, EpochReport, FitResult, fit_once

__all__ = ["fit", "train_model", "validation_split"]


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

    The device, engine, batch, item-model cap and threads are decided once, first
    (:func:`cf.placement.place`), and kept in ``FitResult.placement`` and the recommender; a
    device asked for and missing raises :class:`~cf.config.ConfigError` before any work.
    """
    config = (config or TrainConfig()).validate()
    placement = place(train.n_ratings, config, train.n_items)  # once, before any work
    auto, searched = None, 0.0
    if config.auto:
        started = time.perf_counter()
        auto = choose_settings(train, config, should_stop, placement)
        picked = {"weight_decay": auto.weight_decay, "epochs": auto.epochs, "lr": auto.lr, "knn_blend": auto.knn_blend}
        config = replace(config, **picked)
        searched = time.perf_counter() - started
    result = fit_once(train, config, placement, valid, movies, callback, should_stop, progress, rank=rank)
    if auto is not None:
        result.phases = {"auto": searched, **result.phases}
        result.auto = auto.to_dict()
        result.fit_seconds += auto.seconds
    return result


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
