"""Accuracy and ranking metrics."""

from __future__ import annotations

import numpy as np


def rmse(predicted: np.ndarray, actual: np.ndarray) -> float:
    """Root mean squared error."""
    diff = np.asarray(predicted, dtype=np.float64) - np.asarray(actual, dtype=np.float64)
    return float(np.sqrt(np.mean(diff**2))) if diff.size else float("nan")


def mae(predicted: np.ndarray, actual: np.ndarray) -> float:
    """Mean absolute error."""
    diff = np.asarray(predicted, dtype=np.float64) - np.asarray(actual, dtype=np.float64)
    return float(np.mean(np.abs(diff))) if diff.size else float("nan")


def relevance_threshold(scale: tuple[float, float]) -> float:
    """A rating counted as relevant: 4 on a 1-5 or 0.5-5 scale, the same share of other scales."""
    low, high = scale
    return low + 0.75 * (high - low)


def list_metrics(lists: np.ndarray, relevant: list[np.ndarray], k: int) -> dict[str, np.ndarray]:
    """Per-person accuracy of top-``k`` lists against the movies each person went on to love.

    ``lists`` is people x k movie indices (``-1`` pads a short list); ``relevant[p]`` the
    relevant movies of person ``p``. Returns arrays of precision, recall (hits over all
    relevant), NDCG (binary gain, ideal over min(relevant, k)), average precision (over
    min(relevant, k)) and hit (0 or 1), one value per person.
    """
    lists = np.asarray(lists, dtype=np.int64)[:, :k]
    hit = _hits(lists, relevant)
    n_relevant = np.array([len(r) for r in relevant], dtype=np.float64)
    discount = 1.0 / np.log2(np.arange(2, k + 2))
    ideal_count = np.minimum(n_relevant, k).astype(int)
    ideal = np.r_[0.0, np.cumsum(discount)][ideal_count]
    hits = hit.sum(1)
    precision_at = np.cumsum(hit, axis=1) / np.arange(1, k + 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return {
            "precision": hits / k,
            "recall": np.where(n_relevant > 0, hits / np.maximum(n_relevant, 1), 0.0),
            "ndcg": np.where(ideal > 0, (hit * discount).sum(1) / np.maximum(ideal, 1e-12), 0.0),
            "map": np.where(ideal_count > 0, (precision_at * hit).sum(1) / np.maximum(ideal_count, 1), 0.0),
            "hit_rate": (hits > 0).astype(np.float64),
        }


def _hits(lists: np.ndarray, relevant: list[np.ndarray]) -> np.ndarray:
    """``lists[p, j]`` is one of ``relevant[p]`` (and not padding), in one call for every person."""
    if not lists.size:
        return np.zeros(lists.shape, dtype=bool)
    rows = np.repeat(np.arange(len(relevant)), [len(r) for r in relevant])
    movies = np.concatenate([np.asarray(r, dtype=np.int64) for r in relevant]) if relevant else np.zeros(0, np.int64)
    low = min(int(lists.min()), int(movies.min()) if movies.size else 0)
    span = max(int(lists.max()), int(movies.max()) if movies.size else 0) - low + 1
    listed = np.arange(len(lists))[:, None] * span + (lists - low)  # (person, movie) as one number
    return np.isin(listed, rows * span + (movies - low)) & (lists >= 0)


def coverage(lists: np.ndarray, n_items: int) -> float:
    """Share of the catalogue that appears in at least one list."""
    shown = np.unique(lists[lists >= 0])
    return float(len(shown) / n_items) if n_items else 0.0


def personalisation(lists: np.ndarray) -> float:
    """1 minus the mean share of picks two people's lists have in common (0: everyone gets the same list)."""
    lists = np.asarray(lists)
    people, k = lists.shape
    if people < 2 or k == 0:
        return float("nan")
    _, shown = np.unique(lists[lists >= 0], return_counts=True)
    shared_pairs = float((shown * (shown - 1) / 2).sum())
    return 1.0 - shared_pairs / (people * (people - 1) / 2) / k
