"""Every way the ratings are split into a part to learn from and a part to score, in one place.

* :func:`random_split`: a seeded random share held out (:func:`held_out_mask` is its draw);
* :func:`temporal_split`: each user's latest ratings held out;
* :func:`fold_splits`: k folds (every rating tested once) or repeated random splits, for
  cross-validation (:mod:`cf.crossval`), checked by :func:`check_folds`;
* :func:`validation_split`: the training loop's own check, a random share whose users and
  movies all stay known in training.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd

from cf.config import ConfigError
from cf.data.tables import Ratings

METHODS = ("kfold", "random")
"""Cross-validation's ways to split: ``kfold``, every rating is tested once; ``random``, repeated
random splits of ``test_frac``."""


def random_split(ratings: Ratings, test_frac: float, seed: int = 0) -> tuple[Ratings, Ratings]:
    """Hold out a random ``test_frac`` of the ratings (seeded)."""
    mask = held_out_mask(ratings.n_ratings, test_frac, seed)
    return ratings.subset(~mask, "train"), ratings.subset(mask, "test")


def held_out_mask(n: int, frac: float, seed: int) -> np.ndarray:
    """The seeded draw behind :func:`random_split`: True for about ``frac`` of ``n`` rows."""
    _check_frac(frac)
    return np.random.default_rng(seed).random(n) < frac


def temporal_split(ratings: Ratings, test_frac: float) -> tuple[Ratings, Ratings]:
    """Hold out each user's latest ``test_frac`` of ratings (by timestamp, then row order).

    Users with a single rating keep it in training.
    """
    _check_frac(test_frac)
    frame = ratings.frame
    order = frame.sort_values(["user", "timestamp"], kind="stable")
    rank = order.groupby("user", sort=False).cumcount(ascending=False)
    counts = order.groupby("user", sort=False)["item"].transform("size")
    n_test = np.floor(counts * test_frac + 0.5).clip(upper=counts - 1)
    held = pd.Series(False, index=frame.index)
    held.loc[order.index] = (rank < n_test).to_numpy()
    mask = held.to_numpy()
    return ratings.subset(~mask, "train"), ratings.subset(mask, "test")


def _check_frac(frac: float) -> None:
    if not 0.0 < frac < 1.0:
        raise ValueError(f"the held-out share must be between 0 and 1 (exclusive), got {frac}")


def fold_splits(
    ratings: Ratings, folds: int = 5, seed: int = 0, method: str = "kfold", test_frac: float = 0.2
) -> Iterator[tuple[Ratings, Ratings]]:
    """Yield (train, test) for each fold.

    ``kfold`` shuffles the ratings (seeded) and deals them into ``folds`` parts of nearly
    equal size; each part is the test set once. ``random`` draws ``test_frac`` of the
    ratings afresh for each of ``folds`` splits (seeds ``seed``, ``seed + 1``, ...).
    """
    check_folds(ratings, folds, method, test_frac)
    if method == "kfold":
        order = np.random.default_rng(seed).permutation(ratings.n_ratings)
        assigned = np.empty(ratings.n_ratings, dtype=np.int64)
        assigned[order] = np.arange(ratings.n_ratings) % folds
        for fold in range(folds):
            held = assigned == fold
            yield ratings.subset(~held, "train"), ratings.subset(held, "test")
    else:
        for fold in range(folds):
            held = held_out_mask(ratings.n_ratings, test_frac, seed + fold)
            yield ratings.subset(~held, "train"), ratings.subset(held, "test")


def check_folds(ratings: Ratings, folds: int, method: str, test_frac: float) -> None:
    """Raise :class:`ConfigError` saying what to change when the folds cannot be made."""
    if method not in METHODS:
        raise ConfigError(f"method must be one of {', '.join(METHODS)}, not {method!r}")
    if not isinstance(folds, (int, np.integer)) or not 2 <= folds <= 20:
        raise ConfigError(f"folds must be a whole number from 2 to 20; got {folds!r}")
    if method == "random" and not 0 < test_frac < 1:
        raise ConfigError(f"the test share of a random split must be between 0 and 1; got {test_frac!r}")
    if ratings.n_ratings < 5 * folds:
        raise ConfigError(
            f"{ratings.n_ratings} ratings are too few for {folds} folds: "
            f"use at least {5 * folds} ratings or fewer folds"
        )


def validation_split(ratings: Ratings, frac: float, seed: int) -> tuple[Ratings, Ratings | None, str | None]:
    """Hold out ``frac`` of the ratings whose user and movie stay in training.

    The same seeded draw as :func:`random_split`; a drawn rating whose user or movie
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
