"""The one genre that stands for a movie on a map, chosen among its listed genres.

MovieLens lists a movie's genres alphabetically ("Adventure|Animation|Children|Comedy|
Fantasy" for Toy Story), so the first listed genre says little: Action and Adventure would
colour most of a map and Animation none of it. A movie's *distinctive* genre is its rarest
listed genre in the catalogue (Toy Story: Animation), among the genres the map has colours
for: a few chosen to recolour as few movies as possible (:func:`colour_genres`), or the
ones a person picked.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np

OTHER = "Other"
"""Group of movies with none of the coloured genres."""
NO_GENRE = "No genre"
"""Group of movies without genres."""
NOT_GENRES: frozenset[str] = frozenset({"IMAX", "(no genres listed)"})
"""Labels in MovieLens genre lists that say how a movie was shown, or that none is known: never a colour."""


def _clean(genre_lists: Iterable[Sequence[str] | object]) -> list[list[str]]:
    lists = [list(g) if isinstance(g, (list, tuple, np.ndarray)) else [] for g in genre_lists]
    return [[g for g in genres if g not in NOT_GENRES] for genres in lists]


def catalogue_counts(genre_lists: Iterable[Sequence[str] | object]) -> Counter[str]:
    """How many movies list each genre."""
    return Counter(g for genres in _clean(genre_lists) for g in set(genres))


def rarest(genres: Sequence[str], counts: Counter[str], among: set[str] | None = None) -> str | None:
    """The genre of ``genres`` (within ``among``, if given) that the fewest movies list; ties by name."""
    candidates = [g for g in genres if among is None or g in among]
    return min(candidates, key=lambda g: (counts[g], g), default=None)


def genre_groups(
    genre_lists: Iterable[Sequence[str] | object], n_top: int = 10, among: Sequence[str] | None = None
) -> tuple[list[str], list[str]]:
    """Each movie's colour group, its distinctive genre, and the groups in legend order.

    Parameters
    ----------
    genre_lists
        One list of genres per movie (anything else counts as none).
    n_top
        Without ``among``: how many genres to colour (see :func:`colour_genres`).
    among
        The genres to colour, as a person picked them; the others are :data:`OTHER`.

    Returns
    -------
    (group per movie, legend order: the coloured genres, most movies first, then
    :data:`OTHER` and :data:`NO_GENRE` when present).
    """
    lists = _clean(genre_lists)
    counts = catalogue_counts(lists)
    shown = {g for g in among if g in counts} if among is not None else colour_genres(lists, n_top)
    groups = [(rarest(genres, counts, shown) or OTHER) if genres else NO_GENRE for genres in lists]
    sizes = Counter(groups)
    order = sorted((g for g in sizes if g in shown), key=lambda g: (-sizes[g], g))
    return groups, order + [g for g in (OTHER, NO_GENRE) if g in sizes]


def colour_genres(genre_lists: Iterable[Sequence[str] | object], n_top: int = 10) -> set[str]:
    """The ``n_top`` genres that best colour these movies by their distinctive genre.

    Starting from every genre, drop one at a time the genre whose loss recolours the fewest
    movies: those it is the distinctive genre of, counting twice those left with no
    coloured genre (grey). Rare genres that always come with a rarer one go first (Film-Noir),
    rare genres that stand alone (Documentary) and distinctive ones (Animation) stay.
    """
    lists = _clean(genre_lists)
    counts = catalogue_counts(lists)
    combos = Counter(tuple(sorted(set(genres))) for genres in lists if genres)  # few distinct lists
    shown = set(counts)
    while len(shown) > max(0, n_top):
        cost: Counter[str] = Counter()
        for combo, n in combos.items():
            present = [g for g in combo if g in shown]
            if present:
                cost[rarest(present, counts)] += n * (2 if len(present) == 1 else 1)
        shown.remove(min(shown, key=lambda g: (cost[g], g)))
    return shown


def genres_by_count(genre_lists: Iterable[Sequence[str] | object]) -> list[str]:
    """Every genre in the lists, most listed first (for a person to pick from)."""
    counts = catalogue_counts(genre_lists)
    return [g for g, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
