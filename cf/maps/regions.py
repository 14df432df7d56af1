"""Taste regions: k-means clusters of the movies drawn on a map, each named from what sets it apart.

The clusters are fitted on the movies the map draws (the most rated ones, :func:`taste_regions`'s
``among``), so each region is a visible part of the map rather than a crowd of unseen rare movies;
every other movie joins the region of its nearest centre. A region is named by
:mod:`cf.maps.region_names`: its one or two most over-represented genres, chosen so that most of
its members have a genre in the name, or its best-known titles when no genre sets it apart.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cf.maps.layouts import unit_rows
from cf.maps.region_names import name_regions


@dataclass
class Regions:
    """Clusters of movies.

    Attributes
    ----------
    labels
        The region of every movie (0 to k-1).
    table
        One row per region: ``region``, ``name``, ``genres`` (those in the name, if any), ``titles``
        (its most rated), ``movies`` (how many of the clustered movies), ``truth`` (the share of
        them with a genre in the name; NaN for a region named by titles), largest region first.
    clustered
        The movie indices the clusters were fitted on (the movies drawn).
    """

    labels: np.ndarray
    table: pd.DataFrame
    clustered: np.ndarray

    def names(self) -> np.ndarray:
        """Each movie's region name."""
        lookup = dict(zip(self.table["region"], self.table["name"]))
        return np.array([lookup[label] for label in self.labels], dtype=object)

    def truth(self) -> float:
        """The share of the clustered movies whose region's name holds one of their genres (NaN without genres)."""
        named = self.table.dropna(subset=["truth"])
        if named.empty:
            return float("nan")
        return float((named["truth"] * named["movies"]).sum() / named["movies"].sum())


def kmeans(unit: np.ndarray, k: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """k-means labels of the rows and the centres (scikit-learn, several starts; the same seed, the same labels)."""
    from sklearn.cluster import KMeans

    k = max(1, min(k, len(unit)))
    model = KMeans(n_clusters=k, n_init=4, random_state=seed).fit(unit)
    return model.labels_.astype(int), model.cluster_centers_


def taste_regions(
    vectors: np.ndarray,
    titles: list[str],
    genre_lists: list[list[str]],
    n_ratings: np.ndarray,
    k: int = 8,
    seed: int = 0,
    among: np.ndarray | None = None,
) -> Regions:
    """Cluster the movies ``among`` (indices; all when None) by the direction of their vectors and name
    each cluster (see :mod:`cf.maps.region_names`); the other movies join their nearest region."""
    n_ratings = np.asarray(n_ratings, dtype=float)
    unit = unit_rows(vectors)
    clustered = np.arange(len(unit)) if among is None else np.unique(np.asarray(among, dtype=np.int64))
    members, centres = kmeans(unit[clustered], k, seed)
    labels = np.argmax(unit @ unit_rows(centres).T, axis=1)
    labels[clustered] = members
    table = name_regions(members, clustered, titles, genre_lists, n_ratings)
    return Regions(labels.astype(int), table, clustered)


def purity(labels: np.ndarray, truth: np.ndarray) -> float:
    """The share of points whose cluster's most common true class is their own."""
    frame = pd.DataFrame({"label": labels, "truth": truth})
    return float(frame.groupby("label")["truth"].agg(lambda t: t.value_counts().iloc[0]).sum() / len(frame))


def centres(
    coords: np.ndarray, labels: np.ndarray, table: pd.DataFrame, among: np.ndarray | None = None
) -> pd.DataFrame:
    """Where to write each region's name on a map: the median of its placed movies ``among`` those given
    (indices; all when None), NaN rows skipped."""
    rows = np.arange(len(coords)) if among is None else np.asarray(among, dtype=np.int64)
    coords, labels = np.asarray(coords)[rows], np.asarray(labels)[rows]
    placed = np.isfinite(coords).all(axis=1)
    frame = pd.DataFrame(coords[placed], columns=list("xyz"[: coords.shape[1]]))
    frame["region"] = labels[placed]
    middle = frame.groupby("region").median()
    return table[["region", "name"]].join(middle, on="region", how="inner").reset_index(drop=True)
