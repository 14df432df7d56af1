"""The validation split: hold out a seeded share of ratings whose user and movie stay in training."""

from __future__ import annotations

import numpy as np
import pandas as pd

from cf.data import Ratings, held_out_mask


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
