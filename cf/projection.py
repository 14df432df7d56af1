"""PCA of embeddings: movies and users placed in the same 2-D or 3-D space."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Projection:
    """A fitted PCA.

    Attributes
    ----------
    mean
        The mean of the fitted vectors, subtracted before projecting.
    components
        One unit row per axis. Each axis's sign is fixed so that its largest loading is
        positive, so the same data always gives the same picture.
    explained_variance_ratio
        The share of the fitted vectors' variance that each axis explains.
    """

    mean: np.ndarray
    components: np.ndarray
    explained_variance_ratio: np.ndarray

    @classmethod
    def fit(cls, vectors: np.ndarray, n_components: int = 2, weights: np.ndarray | None = None) -> Projection:
        """Fit on the rows of ``vectors`` (optionally weighted, e.g. by number of ratings)."""
        vectors = np.asarray(vectors, dtype=np.float64)
        n_components = max(1, min(n_components, vectors.shape[1], len(vectors)))
        w = np.ones(len(vectors)) if weights is None else np.asarray(weights, dtype=np.float64)
        w = w / w.sum()
        mean = w @ vectors
        centred = (vectors - mean) * np.sqrt(w)[:, None]
        _, singular, rows = np.linalg.svd(centred, full_matrices=False)
        variance = singular**2
        components = rows[:n_components]
        biggest = np.argmax(np.abs(components), axis=1)
        components = components * np.sign(components[np.arange(len(components)), biggest])[:, None]
        ratio = variance[:n_components] / variance.sum() if variance.sum() > 0 else np.zeros(n_components)
        return cls(mean, components, ratio)

    def transform(self, vectors: np.ndarray) -> np.ndarray:
        """Coordinates of ``vectors`` on the fitted axes."""
        return (np.asarray(vectors, dtype=np.float64) - self.mean) @ self.components.T

    def axis_labels(self) -> list[str]:
        """Labels like ``PC1 (23.4%)``."""
        return [f"PC{k + 1} ({share:.1%})" for k, share in enumerate(self.explained_variance_ratio)]


MAP_MIN_RATINGS = 10
"""The map's axes are fitted on the movies with at least this many ratings (barely trained vectors point
anywhere): the app's maps and the report's use this one default, so their axes and shares agree."""


def project_embeddings(
    recommender, n_components: int = 2, min_ratings: int = MAP_MIN_RATINGS
) -> tuple[Projection, np.ndarray, np.ndarray]:
    """Fit PCA on the movie embeddings of movies with ``min_ratings`` or more; place users too.

    Returns (projection, movie coordinates for every movie index, user coordinates for
    every user index). Users live in the same space, so a user lies towards the movies
    the model thinks they like.
    """
    items = recommender.item_vectors()
    keep = recommender.item_counts >= min_ratings
    if keep.sum() < 2:
        keep = np.ones(len(items), dtype=bool)
    projection = Projection.fit(items[keep], n_components)
    users = recommender.user_vectors()
    user_coords = place_users(users, projection, user_scale(users, items, projection))
    return projection, projection.transform(items), user_coords


def user_scale(users: np.ndarray, items: np.ndarray, projection: Projection) -> float:
    """The factor that gives the trained users' projections the movies' spread."""
    item_spread = np.linalg.norm(projection.transform(items), axis=1).mean() + 1e-12
    user_spread = np.linalg.norm(users @ projection.components.T, axis=1).mean() + 1e-12
    return float(item_spread / user_spread)


def place_users(vectors: np.ndarray, projection: Projection, scale: float) -> np.ndarray:
    """Project user vectors (trained or folded in) on the movie axes, times ``scale``.

    A user vector scores movies by dot product, so its direction on the movie axes is what
    matters; :func:`user_scale` sets its length so users and movies share one picture.
    """
    return np.atleast_2d(vectors) @ projection.components.T * scale


def axis_extremes(recommender, movie_coords: np.ndarray, n: int = 5, min_ratings: int = 10) -> list[dict]:
    """For each axis, the ``n`` movies at its low end and at its high end (so a person can name it).

    Only movies with at least ``min_ratings`` ratings count, so the ends are recognisable.
    Returns one dict per axis with ``low`` and ``high`` tables from ``recommender.describe``.
    """
    eligible = np.flatnonzero(recommender.item_counts >= min(min_ratings, recommender.item_counts.max()))
    axes = []
    for axis in range(movie_coords.shape[1]):
        order = eligible[np.argsort(movie_coords[eligible, axis], kind="stable")]
        axes.append({"low": recommender.describe(order[:n]), "high": recommender.describe(order[::-1][:n])})
    return axes
