"""Taste regions: k-means clusters of movie directions, each named from its genres and best-known titles."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cf.maps.layouts import unit_rows


@dataclass
class Regions:
    """Clusters of movies.

    Attributes
    ----------
    labels
        The region of every movie (0 to k-1).
    table
        One row per region: ``region``, ``name``, ``genres`` (the dominant ones), ``titles``
        (the most rated), ``movies`` (how many), largest region first.
    """

    labels: np.ndarray
    table: pd.DataFrame

    def names(self) -> np.ndarray:
        """Each movie's region name."""
        lookup = dict(zip(self.table["region"], self.table["name"]))
        return np.array([lookup[label] for label in self.labels], dtype=object)


def kmeans(unit: np.ndarray, k: int, seed: int = 0, weights: np.ndarray | None = None) -> np.ndarray:
    """k-means labels of the rows (scikit-learn, several starts; the same seed gives the same labels)."""
    from sklearn.cluster import KMeans

    k = max(1, min(k, len(unit)))
    model = KMeans(n_clusters=k, n_init=4, random_state=seed)
    return model.fit_predict(unit, sample_weight=weights).astype(int)


def dominant_genres(genre_lists: list[list[str]], members: np.ndarray, n: int = 2) -> list[str]:
    """The ``n`` genres most over-represented among ``members`` (share in the region / share overall)."""
    overall = pd.Series([g for genres in genre_lists for g in genres]).value_counts() / max(len(genre_lists), 1)
    inside = pd.Series([g for i in members for g in genre_lists[i]]).value_counts() / max(len(members), 1)
    if inside.empty:
        return []
    lift = (inside / overall.reindex(inside.index)) * np.sqrt(inside)  # over-represented and common in it
    return [str(g) for g in lift.sort_values(ascending=False, kind="stable").index[:n]]


def taste_regions(
    vectors: np.ndarray,
    titles: list[str],
    genre_lists: list[list[str]],
    n_ratings: np.ndarray,
    k: int = 8,
    seed: int = 0,
    n_titles: int = 3,
) -> Regions:
    """Cluster movies by the direction of their vectors and name each cluster.

    A region's name is its dominant genres (see :func:`dominant_genres`), or its best-known
    title when the movies have no genres; the table lists its most rated titles.
    """
    n_ratings = np.asarray(n_ratings, dtype=float)
    labels = kmeans(unit_rows(vectors), k, seed, weights=np.log1p(n_ratings) + 1e-3)
    rows = []
    for region in np.unique(labels):
        members = np.flatnonzero(labels == region)
        best = members[np.argsort(-n_ratings[members], kind="stable")[:n_titles]]
        top = dominant_genres(genre_lists, members)
        rows.append(
            {
                "region": int(region),
                "name": " & ".join(top) if top else titles[best[0]],
                "genres": ", ".join(top),
                "titles": "; ".join(titles[i] for i in best),
                "movies": len(members),
            }
        )
    table = pd.DataFrame(rows).sort_values(["movies", "region"], ascending=[False, True], kind="stable")
    table["name"] = _unique(table["name"].tolist())
    return Regions(labels, table.reset_index(drop=True))


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return out


def purity(labels: np.ndarray, truth: np.ndarray) -> float:
    """The share of points whose cluster's most common true class is their own."""
    frame = pd.DataFrame({"label": labels, "truth": truth})
    return float(frame.groupby("label")["truth"].agg(lambda t: t.value_counts().iloc[0]).sum() / len(frame))


def centres(coords: np.ndarray, labels: np.ndarray, table: pd.DataFrame) -> pd.DataFrame:
    """Where to write each region's name on a map: the median of its placed movies (NaN rows skipped)."""
    placed = np.isfinite(coords).all(axis=1)
    frame = pd.DataFrame(coords[placed], columns=list("xyz"[: coords.shape[1]]))
    frame["region"] = labels[placed]
    middle = frame.groupby("region").median()
    return table[["region", "name"]].join(middle, on="region", how="inner").reset_index(drop=True)
