"""Names for taste regions that their members live up to.

A name is one genre or two ("Horror & Thriller": a member is true to it when it lists either).
Among the names that hold for at least :data:`MIN_TRUTH` of a region's members, the one whose
share in the region exceeds its share among all the clustered movies the most wins (so a name
says what sets the region apart, not what every region has), if it and each of its genres are at
least :data:`MIN_LIFT` times as common there. Genres that say nothing of taste (:data:`IGNORED`) never name a region.
Each name is used once: a region whose best name is taken gets its next one, and a region no
genre sets apart is named by its best-known title ("Like Forrest Gump").
"""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd

IGNORED = frozenset({"IMAX", "(no genres listed)"})
"""Genres that say how a movie was shown or that nothing is known, not what it is."""
MIN_TRUTH = 0.6
"""The least share of a region's members that must list a genre of its name."""
MIN_LIFT = 1.5
"""Each genre of a name, and the name as a whole, must be at least this many times as common in the region
as among all the clustered movies."""
PAIR_COST = 0.05
"""A two-genre name must cover this much more than a one-genre name to be preferred (shorter is plainer)."""
N_TITLES = 3
"""Best-known titles listed for each region."""


def name_regions(
    members: np.ndarray, clustered: np.ndarray, titles: list[str], genre_lists: list[list[str]], n_ratings: np.ndarray
) -> pd.DataFrame:
    """One row per region of the ``clustered`` movies (``members`` holds each one's region): ``region``,
    ``name``, ``genres``, ``titles``, ``movies`` and ``truth``, largest region first."""
    has = _genre_table(clustered, genre_lists)
    regions = np.unique(members)
    options = {int(r): _candidates(has, members == r) for r in regions}
    names = _assign(options)
    rows = []
    for region in regions:
        inside = clustered[members == region]
        best = inside[np.argsort(-n_ratings[inside], kind="stable")[:N_TITLES]]
        genres = names.get(int(region))
        truth = float(has.loc[members == region, list(genres)].any(axis=1).mean()) if genres else float("nan")
        rows.append(
            {
                "region": int(region),
                "name": " & ".join(genres) if genres else _by_titles(titles[best[0]]),
                "genres": ", ".join(genres or ()),
                "titles": "; ".join(titles[i] for i in best),
                "movies": len(inside),
                "truth": truth,
            }
        )
    table = pd.DataFrame(rows).sort_values(["movies", "region"], ascending=[False, True], kind="stable")
    return table.reset_index(drop=True)


def _genre_table(clustered: np.ndarray, genre_lists: list[list[str]]) -> pd.DataFrame:
    """Movies (the clustered ones, in order) x genres: True where the movie lists the genre."""
    lists = [[g for g in genre_lists[i] if g not in IGNORED] for i in clustered]
    genres = sorted({g for genres in lists for g in genres})
    return pd.DataFrame([[g in set(genres_i) for g in genres] for genres_i in lists], columns=genres, dtype=bool)


def _candidates(has: pd.DataFrame, inside: np.ndarray) -> list[tuple[float, tuple[str, ...]]]:
    """A region's possible names, best first: (score, genres), where the score is the share of the region
    covered minus the share of all clustered movies covered (less :data:`PAIR_COST` for two genres)."""
    if has.empty or not inside.any():
        return []
    within, overall = has[inside].mean(), has.mean()
    lift = within / overall.where(overall > 0, 1.0)
    top = [g for g in lift.sort_values(ascending=False, kind="stable").index if lift[g] >= MIN_LIFT][:8]
    found = []
    for size in (1, 2):
        for genres in combinations(top, size):
            cover = float(has.loc[inside, list(genres)].any(axis=1).mean())
            base = float(has[list(genres)].any(axis=1).mean())
            if cover >= MIN_TRUTH and cover >= MIN_LIFT * base:
                found.append((cover - base - PAIR_COST * (size - 1), tuple(sorted(genres, key=lambda g: -within[g]))))
    return sorted(found, key=lambda option: -option[0])


def _assign(options: dict[int, list[tuple[float, tuple[str, ...]]]]) -> dict[int, tuple[str, ...]]:
    """Each region's name, no name twice: the regions with the strongest best name choose first."""
    order = sorted(options, key=lambda r: -(options[r][0][0] if options[r] else -np.inf))
    taken: set[frozenset[str]] = set()
    names = {}
    for region in order:
        for _score, genres in options[region]:
            if frozenset(genres) not in taken:
                taken.add(frozenset(genres))
                names[region] = genres
                break
    return names


def _by_titles(title: str) -> str:
    """A region named by its best-known title, shortened: ``Like Forrest Gump``."""
    from cf.maps.labels import short_title

    return "Like " + short_title(title, 24)
