"""Nearest neighbours in the full embedding space (not on the flattened map)."""

from __future__ import annotations

import numpy as np

METRICS = ("cosine", "euclidean")


def nearest(vectors: np.ndarray, index: int, k: int = 10, metric: str = "cosine", among: np.ndarray | None = None):
    """The ``k`` rows nearest to row ``index`` (itself excluded), nearest first, and their distances.

    ``metric`` is ``cosine`` (1 - cosine similarity: direction, what the model's scores follow) or
    ``euclidean``. ``among`` limits the candidates to a boolean mask (e.g. movies with enough ratings).
    """
    if metric not in METRICS:
        raise ValueError(f"Unknown distance {metric!r}: use cosine or euclidean.")
    vectors = np.asarray(vectors, dtype=np.float64)
    if metric == "cosine":
        norms = np.linalg.norm(vectors, axis=1)
        norms[norms == 0] = 1.0
        distances = 1.0 - (vectors @ vectors[index]) / (norms * norms[index])
    else:
        distances = np.linalg.norm(vectors - vectors[index], axis=1)
    allowed = np.ones(len(vectors), dtype=bool) if among is None else np.asarray(among, dtype=bool).copy()
    allowed[index] = False
    candidates = np.flatnonzero(allowed)
    order = candidates[np.argsort(distances[candidates], kind="stable")[:k]]
    return order, distances[order]
