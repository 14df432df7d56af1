"""Accuracy and ranking metrics, and the simple baselines that give them context."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def rmse(predicted: np.ndarray, actual: np.ndarray) -> float:
    """Root mean squared error."""
    diff = np.asarray(predicted, dtype=np.float64) - np.asarray(actual, dtype=np.float64)
    return float(np.sqrt(np.mean(diff**2))) if diff.size else float("nan")


def mae(predicted: np.ndarray, actual: np.ndarray) -> float:
    """Mean absolute error."""
    diff = np.asarray(predicted, dtype=np.float64) - np.asarray(actual, dtype=np.float64)
    return float(np.mean(np.abs(diff))) if diff.size else float("nan")


@dataclass
class BiasBaseline:
    """Global mean plus a user bias and a movie bias, fitted by regularised alternating least squares.

    Unknown users or movies (index ``-1``) get no bias, so the prediction falls back to
    the global mean plus whatever bias is known. This is Surprise's ``BaselineOnly``.

    Attributes
    ----------
    mean
        The mean training rating.
    user_bias, item_bias
        One bias per user index and per movie index.
    """

    mean: float
    user_bias: np.ndarray
    item_bias: np.ndarray

    @classmethod
    def fit(
        cls,
        users: np.ndarray,
        items: np.ndarray,
        ratings: np.ndarray,
        n_users: int,
        n_items: int,
        reg_user: float = 15.0,
        reg_item: float = 10.0,
        n_iter: int = 10,
        tolerance: float = 1e-3,
    ) -> BiasBaseline:
        """Fit on index arrays (all known: no ``-1``) by alternating least squares.

        At most ``n_iter`` rounds; stops early once no user bias moves by more than ``tolerance``
        (a thousandth of a star by default: far below what changes a prediction).
        """
        users, items = np.asarray(users, np.intp), np.asarray(items, np.intp)  # bincount's own type: no copy per call
        mean = float(np.mean(ratings))
        user_count = np.bincount(users, minlength=n_users)
        item_count = np.bincount(items, minlength=n_items)
        user_bias = np.zeros(n_users)
        item_bias = np.zeros(n_items)
        residual = ratings - mean
        for _ in range(n_iter):
            previous = user_bias
            item_bias = np.bincount(items, residual - user_bias[users], n_items) / (reg_item + item_count)
            user_bias = np.bincount(users, residual - item_bias[items], n_users) / (reg_user + user_count)
            if np.abs(user_bias - previous).max(initial=0.0) < tolerance:
                break
        return cls(mean, user_bias, item_bias)

    def predict(self, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        """Predict for index arrays; ``-1`` marks an unknown user or movie."""
        users, items = np.asarray(users), np.asarray(items)
        user_part = np.where(users >= 0, self.user_bias[np.maximum(users, 0)], 0.0)
        item_part = np.where(items >= 0, self.item_bias[np.maximum(items, 0)], 0.0)
        return self.mean + user_part + item_part


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
