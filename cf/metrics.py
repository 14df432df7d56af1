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


def ranking_metrics(
    users: np.ndarray, actual: np.ndarray, predicted: np.ndarray, threshold: float, k: int = 10
) -> dict[str, float]:
    """Precision@k, recall@k and NDCG@k of ranking each user's held-out movies by prediction.

    Each user's held-out ratings are sorted by predicted rating; a movie is relevant when
    its actual rating is at least ``threshold``. Users with no relevant movie count for
    precision but not for recall or NDCG.
    """
    order = np.lexsort((-np.asarray(predicted), users))
    users, relevant = np.asarray(users)[order], np.asarray(actual)[order] >= threshold
    starts = np.flatnonzero(np.r_[True, users[1:] != users[:-1]])
    rank = np.arange(len(users)) - np.repeat(starts, np.diff(np.r_[starts, len(users)]))
    in_top = rank < k
    group = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, len(users)]))
    n_items = np.bincount(group)
    n_relevant = np.bincount(group, relevant)
    hits = np.bincount(group, relevant & in_top)
    gains = np.bincount(group, (relevant & in_top) / np.log2(rank + 2))
    ideal_rank = np.arange(k)
    ideal_cum = np.r_[0.0, np.cumsum(1 / np.log2(ideal_rank + 2))]
    ideal = ideal_cum[np.minimum(n_relevant, k).astype(int)]
    has_relevant = n_relevant > 0
    return {
        f"precision@{k}": float(np.mean(hits / np.minimum(n_items, k))),
        f"recall@{k}": float(np.mean(hits[has_relevant] / n_relevant[has_relevant])) if has_relevant.any() else 0.0,
        f"ndcg@{k}": float(np.mean(gains[has_relevant] / ideal[has_relevant])) if has_relevant.any() else 0.0,
    }
