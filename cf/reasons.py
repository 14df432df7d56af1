"""Reasons for picks ("because you liked"): the liked movie named beside a pick, only where it is a real reason.

A liked movie is a reason for a pick when it is **a movie of the same kind**: its match with
the pick (:mod:`cf.similar`, the list of the Movies screen) is at least :data:`MATCH_FLOOR` and
the two share a genre other than Drama and Comedy, or the match is at least :data:`CLOSE_MATCH`
(or either movie has no genres); and, when the item model ranks the list, when it **adds a real
part of the pick's score**: at least :data:`MIN_PART` of what the liked movie that adds most
adds (people who rated hundreds of movies spread a score over many, so a share of the whole
would name nothing for them). Of those, the one that adds most
(item model) or matches best (lists ranked by predicted stars, where no single rating's part can
be told) is named; otherwise none.

On MovieLens latest-small this drops "Ran, Secrets & Lies, 8 1/2 because you liked Alien"
(matches 0.05-0.12) and "Finding Nemo because you liked Pulp Fiction" (0.15), and keeps
"Aliens because you liked Alien" (0.62) and "Misery because you liked The Shining".
"""

from __future__ import annotations

import numpy as np

from cf.metrics import relevance_threshold
from cf.similar import BROAD_GENRES, for_recommender

MATCH_FLOOR = 0.2
"""The least match (0-1) for a liked movie to be named: on latest-small, 95% of pairs of the 1,000 most
rated movies match less, and the 10th best match of a well-known movie is about 0.26."""
CLOSE_MATCH = 0.3
"""A match this close names a liked movie whatever the genres (on latest-small, about a well-known movie's
5th best match)."""
MIN_PART = 0.5
"""A liked movie named for a pick ranked by the item model adds at least this part of what the top one adds."""


def because_you_liked(rec, items: np.ndarray, ratings: np.ndarray, picks: np.ndarray, by_item_model: bool) -> list[str]:
    """For each pick (movie index), the title of the liked movie that is a real reason for it, or "".

    ``items`` and ``ratings`` are the person's movies (indices) and stars; liked ones are those
    at the relevance threshold or above (every one, for files without stars). ``by_item_model``:
    the list was ranked by ``rec.ranker`` (reasons must add to its score).
    """
    items, ratings = np.asarray(items, np.int64), np.asarray(ratings, np.float32)
    liked = ratings >= relevance_threshold(rec.scale) if rec.has_ratings else np.ones(len(items), bool)
    out = [""] * len(picks)
    if not liked.any() or not len(picks):
        return out
    liked_items, weights = items[liked], rec.interaction_weights(ratings[liked])
    names, similarity, kinds = rec.titles(), for_recommender(rec), _kinds(rec)
    for row, pick in enumerate(np.asarray(picks, np.int64)):
        match = similarity.scores(int(pick))[liked_items]
        alike = match >= np.where(_same_kind(kinds, int(pick), liked_items), MATCH_FLOOR, CLOSE_MATCH)
        strength = np.where(alike, match, -np.inf)
        if by_item_model:
            parts = rec.ranker.contributions(liked_items, weights, int(pick))
            enough = parts >= max(MIN_PART * float(parts.max(initial=0.0)), 1e-12)
            strength = np.where(alike & enough, parts, -np.inf)
        best = int(np.argmax(strength))
        if np.isfinite(strength[best]):
            out[row] = str(names[liked_items[best]])
    return out


def _kinds(rec) -> list[frozenset[str]]:
    """Each movie's genres other than the broad ones (empty: no genres at all), kept on the recommender."""
    cached = rec.__dict__.get("_movie_kinds")
    if cached is None:
        genres = rec.movies.frame.reindex(rec.items.ids)["genres"]
        cached = [frozenset(g) - BROAD_GENRES if isinstance(g, list) and g else None for g in genres]
        rec.__dict__["_movie_kinds"] = cached
    return cached


def _same_kind(kinds: list, pick: int, others: np.ndarray) -> np.ndarray:
    """Whether each of ``others`` shares a genre other than Drama and Comedy with ``pick`` (True where
    either has no genres at all, so that the match alone decides)."""
    mine = kinds[pick]
    return np.array([mine is None or kinds[o] is None or bool(mine & kinds[o]) for o in others.tolist()], bool)
