"""Top-N lists: the one function that ranks the catalogue for one person or many.

Known users, folded-in new people and the all-users export all go through :func:`top_n`.
Each pick carries the rating model's predicted stars, the ``score`` the list is ranked by
and, where one exists, the liked movie that drives it ("because you liked").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

RANK_BY = ("ranker", "rating")
"""``ranker``: the item model trained for top-N (the default); ``rating``: highest predicted stars."""


@dataclass
class Person:
    """Whom a list is for: the movies they rated (indices) with their stars.

    Attributes
    ----------
    items, ratings
        Movie indices and the stars given.
    user_index
        The row of a known user in the rating model, or None for a new person.
    folded
        A new person's vector fitted by :func:`cf.foldin.fold_in` (None for known users).
    """

    items: np.ndarray
    ratings: np.ndarray
    user_index: int | None = None
    folded: object | None = None


def top_n(
    rec,
    people: Sequence[Person],
    n: int = 10,
    min_ratings: int = 0,
    rank_by: str = "ranker",
    novelty: float = 0.0,
) -> list[pd.DataFrame]:
    """The ``n`` best movies each person has not rated, one table per person.

    Parameters
    ----------
    rec
        A fitted :class:`cf.recommend.Recommender`.
    min_ratings
        Leave out movies with fewer ratings in the training data.
    rank_by
        One of :data:`RANK_BY`; ``ranker`` falls back to ``rating`` when the recommender has
        no item model (files without one) or the person rated nothing it knows.
    novelty
        0 ranks as the model does; up to 1 moves lists from popular towards niche movies
        (scores divided by popularity to this power).
    """
    if rank_by not in RANK_BY:
        raise ValueError(f"rank_by must be one of {', '.join(RANK_BY)}, not {rank_by!r}")
    scores = rank_scores(rec, people, rank_by)
    popularity = np.log1p(rec.item_counts).astype(np.float32)
    if novelty > 0:
        scores = _towards_niche(scores, rec.item_counts, novelty)
    scores = scores + 1e-6 * popularity / max(float(popularity.max()), 1.0)  # ties: the better known first
    scores[:, rec.item_counts < min_ratings] = -np.inf
    tables = []
    for row, person in enumerate(people):
        line = scores[row]
        line[np.asarray(person.items, np.int64)] = -np.inf
        top = top_indices(line, n)
        top = top[np.isfinite(line[top])]
        tables.append(_table(rec, person, top, rank_by).assign(score=line[top]))  # the score it is ranked by
    return tables


def rank_scores(rec, people: Sequence[Person], rank_by: str = "ranker") -> np.ndarray:
    """People x movies scores of the chosen ranking (higher is better); ``-inf`` where a movie cannot be ranked."""
    return rank_scores_on_device(rec, people, rank_by).cpu().numpy()


def rank_scores_on_device(rec, people: Sequence[Person], rank_by: str = "ranker") -> torch.Tensor:
    """:func:`rank_scores` as a float32 tensor on the device that scores (the model's, or the CPU)."""
    ranker = rec.ranker if rank_by == "ranker" else None
    if ranker is not None:
        rows = liked_rows(rec, people)
        scores = ranker.score_on_device(rows)
        empty = np.flatnonzero(np.asarray(rows.sum(axis=1)).ravel() <= 0)
        if len(empty):  # nothing liked that the item model knows: rank by predicted stars instead
            fallback = rating_scores(rec, [people[i] for i in empty])
            scores[torch.from_numpy(empty).to(scores.device)] = fallback.to(scores.device)
        return scores
    return rating_scores(rec, people)


def liked_rows(rec, people: Sequence[Person]):
    """The item model's input rows for ``people``: their rated movies, each weighted by how much they liked it."""
    lengths = np.array([len(p.items) for p in people], dtype=np.int64)
    rated = [np.asarray(p.items, np.int64) for p in people] or [np.zeros(0, np.int64)]
    stars = [np.asarray(p.ratings, np.float32) for p in people] or [np.zeros(0, np.float32)]
    weights = rec.interaction_weights(np.concatenate(stars))  # once for everyone, not per person
    return rec.ranker.rows_of(np.concatenate(rated), weights, lengths)


def rating_scores(rec, people: Sequence[Person]) -> torch.Tensor:
    """Unclipped predicted stars of every movie for each person, on the model's device."""
    from cf.foldin import score_folded

    n_items = len(rec.items)
    folded = [row for row, person in enumerate(people) if person.folded is not None]
    if not folded and all(person.user_index is not None and person.user_index >= 0 for person in people):
        users = np.array([person.user_index for person in people], np.int64)
        return rec.score_users_on_device(users, clip=False)  # the evaluation's case: no second block to copy into
    out = torch.empty((len(people), n_items), dtype=torch.float32, device=rec.device)
    for row in folded:
        out[row] = torch.from_numpy(score_folded(rec, people[row].folded, clip=False)).to(rec.device)
    # every known person in one call (matrix products in blocks): a busy server hands the GIL back slowly
    others = np.setdiff1d(np.arange(len(people)), folded)
    users = np.array([-1 if people[r].user_index is None else people[r].user_index for r in others], np.int64)
    known, unknown = others[users >= 0], others[users < 0]
    if len(known):
        out[torch.from_numpy(known).to(rec.device)] = rec.score_users_on_device(users[users >= 0], clip=False)
    if len(unknown):  # no vector: the bias baseline
        pairs = rec.predict_indices(np.full(n_items, -1), np.arange(n_items), clip=False)
        out[torch.from_numpy(unknown).to(rec.device)] = torch.from_numpy(pairs.astype(np.float32)).to(rec.device)
    return out


def _towards_niche(scores: np.ndarray, counts: np.ndarray, novelty: float) -> np.ndarray:
    """Scores shifted to be positive, then divided by ``count ** novelty``."""
    finite = np.isfinite(scores)
    low = np.where(finite, scores, np.inf).min(axis=1, keepdims=True)
    shifted = np.where(finite, scores - np.where(np.isfinite(low), low, 0) + 1e-3, -np.inf)
    return shifted / np.maximum(counts, 1).astype(np.float32) ** float(novelty)


def _table(rec, person: Person, top: np.ndarray, rank_by: str) -> pd.DataFrame:
    table = rec.describe(top)
    table.insert(3, "predicted", predicted_stars(rec, person, top))
    table["because_you_liked"] = because_you_liked(rec, person, top, rank_by)
    return table


def predicted_stars(rec, person: Person, items: np.ndarray) -> np.ndarray:
    """The rating model's stars for ``items`` (clipped to the scale)."""
    from cf.foldin import score_folded

    if person.folded is not None:
        return score_folded(rec, person.folded)[items]
    index = -1 if person.user_index is None else person.user_index
    return rec.predict_indices(np.full(len(items), index), items)


def because_you_liked(rec, person: Person, picks: np.ndarray, rank_by: str = "ranker") -> list[str]:
    """For each pick, the title of a liked movie that is a real reason for it, or "" (see :mod:`cf.reasons`)."""
    from cf.reasons import because_you_liked as reasons

    by_item_model = rank_by == "ranker" and rec.ranker is not None
    return reasons(rec, person.items, person.ratings, picks, by_item_model)


def top_indices(scores: np.ndarray, n: int) -> np.ndarray:
    """Indices of the ``n`` highest scores, best first (ties by index)."""
    n = max(0, min(n, len(scores)))
    if n == 0:
        return np.array([], dtype=np.int64)
    part = np.argpartition(-scores, n - 1)[:n]
    return part[np.lexsort((part, -scores[part]))]
