"""The tables a map draws: users with their activity, coordinates joined to points, title searches by
pattern, concept axes from typed text, and the axis titles in words."""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import pandas as pd

from cf.maps import axes as concept_axes

NEARBY = "Nearby movies are liked by the same people"
"""What a map's distances mean, in words (its subtitle)."""
ALONG_AXES = "Each axis runs from one kind of movie to the other"
"""The subtitle of a map on concept axes."""


def user_table(rec) -> pd.DataFrame:
    """One row per user of a :class:`cf.recommend.Recommender` (most active first): ``index``, ``userId``,
    ``n_ratings`` and ``mean_rating``."""
    known, n = rec.known, len(rec.users)
    counts = np.bincount(known["user"], minlength=n)
    sums = np.bincount(known["user"], known["rating"], minlength=n)
    table = pd.DataFrame(
        {
            "index": np.arange(n),
            "userId": rec.users.ids.to_numpy(),
            "n_ratings": counts,
            "mean_rating": np.where(counts > 0, sums / np.maximum(counts, 1), np.nan),
        }
    )
    table = table.sort_values(["n_ratings", "userId"], ascending=[False, True], kind="stable")
    return table.reset_index(drop=True)


def with_coords(points: pd.DataFrame, xyz: np.ndarray) -> pd.DataFrame:
    """``points`` (with an ``index`` column into ``xyz``'s rows) with columns ``x``, ``y`` (and ``z``)."""
    points = points.copy()
    rows = points["index"].to_numpy().astype(int)
    for k, axis in enumerate("xyz"[: xyz.shape[1]]):
        points[axis] = xyz[rows, k]
    return points


def pattern_matches(titles: pd.Series, pattern: str) -> np.ndarray:
    """A mask of the titles a regular expression finds (any case); ValueError in words when it is not one."""
    try:
        compiled = re.compile(pattern, re.IGNORECASE)
    except re.error as error:
        raise ValueError(f"“{pattern}” is not a valid regular expression ({error}).") from None
    return np.array([bool(compiled.search(str(title))) for title in titles], dtype=bool)


def custom_axes(rec, pairs: list[tuple[str, str]], search: Callable[[str], np.ndarray]) -> concept_axes.CustomAxes:
    """Axes from the typed ends (genre, title or search term; see :func:`cf.maps.axes.resolve_concept`),
    weighing the concepts' movies by their ratings; ValueError in words when an end does not resolve."""
    meta = rec.movies.frame.reindex(rec.items.ids)
    genre_lists = [g if isinstance(g, list) else [] for g in meta["genres"]]
    titles = meta["title"].fillna("").astype(str).tolist()
    concepts = [
        (
            concept_axes.resolve_concept(low, genre_lists, titles, search),
            concept_axes.resolve_concept(high, genre_lists, titles, search),
        )
        for low, high in pairs
    ]
    return concept_axes.CustomAxes.fit(rec.item_vectors(), concepts, n_ratings=rec.item_counts)


def axis_titles(method: str, labels: list[str]) -> list[str]:
    """The axis titles a reader sees: ``← Horror · Romance →`` for a concept axis (``Horror → Romance``),
    the name a person gave a PCA axis (``PC1 (12.3%): serious ↔ light``), else none (the axes of PCA,
    t-SNE and UMAP have no meaning in words; the map's subtitle says what nearness means)."""
    out = []
    for label in labels:
        if method == "axes" and " → " in label:
            low, high = label.split(" → ", 1)
            out.append(f"← {low} · {high} →")
        elif method == "pca" and ": " in label:
            out.append(label.split(": ", 1)[1])
        else:
            out.append("")
    return out
