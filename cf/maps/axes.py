"""Axes with meaning: each axis runs from one concept to another in the movies' vector space.

A concept is a set of movies: one movie, a genre (all its movies) or the matches of a search.
Its point is the mean of their unit vectors (directions, as the model compares them), weighted by
``log(1 + ratings)`` when the ratings are given, so that rarely rated movies, whose vectors are
rough, pull it less (on latest-small, with the default model, a Children → Horror axis then puts
80% of the horror films with 10 ratings or more past the midpoint of the two genres, against 78%
unweighted, and 72% of the children's films before it). The
axis is the unit direction from the first concept's point to the second's, and a movie's
coordinate is its unit vector's position along it, so movies like the second concept score high.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from cf.maps.layouts import unit_rows

_YEAR = re.compile(r"\s*\(\d{4}\)\s*$")


@dataclass(frozen=True)
class Concept:
    """A named set of movies (row indices into the vectors)."""

    name: str
    members: tuple[int, ...]


def concept_point(unit: np.ndarray, concept: Concept, weights: np.ndarray | None = None) -> np.ndarray:
    """The mean unit vector of the concept's movies (weighted by ``weights``, one per movie, if given)."""
    if not concept.members:
        raise ValueError(f"“{concept.name}” matches no movie: choose another movie, genre or search term.")
    members = list(concept.members)
    if weights is None or not np.asarray(weights)[members].sum() > 0:
        return unit[members].mean(axis=0)
    return np.average(unit[members], axis=0, weights=np.asarray(weights, dtype=np.float64)[members])


def concept_axis(unit: np.ndarray, low: Concept, high: Concept, weights: np.ndarray | None = None) -> np.ndarray:
    """The unit direction from ``low``'s point to ``high``'s."""
    direction = concept_point(unit, high, weights) - concept_point(unit, low, weights)
    norm = float(np.linalg.norm(direction))
    if norm < 1e-9:
        raise ValueError(f"“{low.name}” and “{high.name}” are the same point: choose two different concepts.")
    return direction / norm


@dataclass
class CustomAxes:
    """Axes from concept to concept in the movies' unit-vector space (one column of ``directions`` each)."""

    directions: np.ndarray
    labels: list[str]

    @classmethod
    def fit(
        cls, vectors: np.ndarray, pairs: list[tuple[Concept, Concept]], n_ratings: np.ndarray | None = None
    ) -> CustomAxes:
        """The axes ``low → high`` for each pair, in the space of ``vectors`` (the movies); ``n_ratings``
        (per movie) weighs the concepts' movies by ``log(1 + ratings)``."""
        unit = unit_rows(vectors).astype(np.float64)
        weights = None if n_ratings is None else np.log1p(np.asarray(n_ratings, dtype=np.float64))
        directions = np.stack([concept_axis(unit, low, high, weights) for low, high in pairs], axis=1)
        return cls(directions, [f"{low.name} → {high.name}" for low, high in pairs])

    def movies(self, vectors: np.ndarray) -> np.ndarray:
        """Movie coordinates: their directions along the axes, centred so 0 is the average movie."""
        unit = unit_rows(vectors).astype(np.float64)
        return (unit - unit.mean(axis=0)) @ self.directions

    def users(self, vectors: np.ndarray) -> np.ndarray:
        """User coordinates: how much more the model expects each to like one end than the other
        (a user's score of a movie is a dot product, so this is the score's change along the axis)."""
        return np.asarray(vectors, dtype=np.float64) @ self.directions


def genre_concept(genre_lists: list[list[str]], genre: str) -> Concept:
    """All movies that list ``genre``."""
    return Concept(genre, tuple(i for i, genres in enumerate(genre_lists) if genre in genres))


MAX_SEARCH_MOVIES = 20
"""A search term stands for the mean of its best matches, at most this many."""


def resolve_concept(
    text: str, genre_lists: list[list[str]], titles: list[str], search: Callable[[str], np.ndarray]
) -> Concept:
    """What a person typed as an axis end: a genre (its name), one movie (its title) or a search term.

    ``search`` returns the row indices of the titles matching a text, best first. A genre name
    wins; a search whose best match has exactly the typed title (the year optional) is that
    movie; other text stands for its best :data:`MAX_SEARCH_MOVIES` matches.
    """
    text = text.strip()
    if not text:
        raise ValueError("An axis end is empty: type a genre, a movie title or a search term.")
    genres = {g.casefold(): g for genres in genre_lists for g in genres}
    if text.casefold() in genres:
        return genre_concept(genre_lists, genres[text.casefold()])
    matches = np.asarray(search(text), dtype=np.int64)
    if not len(matches):
        raise ValueError(f"“{text}” is no genre and matches no title: try a genre name or part of a title.")
    best = titles[int(matches[0])]
    if best.casefold() == text.casefold() or _YEAR.sub("", best).strip().casefold() == text.casefold():
        return Concept(best, (int(matches[0]),))
    chosen = matches[:MAX_SEARCH_MOVIES]
    return Concept(f"“{text}” ({len(chosen)} movies)" if len(chosen) > 1 else best, tuple(int(i) for i in chosen))
