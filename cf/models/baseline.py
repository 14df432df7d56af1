"""The bias-only baseline: a global mean plus a user bias and a movie bias."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

COMPILED_FROM = 1_000_000
"""Ratings from which the alternating sums run compiled (numba), one pass each instead of three array passes."""


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
        sums = _compiled_sums() if len(residual) >= COMPILED_FROM else None
        sums = sums or (lambda index, values, other, other_bias, n: np.bincount(index, values - other_bias[other], n))
        for _ in range(n_iter):
            previous = user_bias
            item_bias = sums(items, residual, users, user_bias, n_items) / (reg_item + item_count)
            user_bias = sums(users, residual, items, item_bias, n_users) / (reg_user + user_count)
            if np.abs(user_bias - previous).max(initial=0.0) < tolerance:
                break
        return cls(mean, user_bias, item_bias)

    def predict(self, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        """Predict for index arrays; ``-1`` marks an unknown user or movie."""
        users, items = np.asarray(users), np.asarray(items)
        user_part = np.where(users >= 0, self.user_bias[np.maximum(users, 0)], 0.0)
        item_part = np.where(items >= 0, self.item_bias[np.maximum(items, 0)], 0.0)
        return self.mean + user_part + item_part


def residual_sums(index, values, other, other_bias, n):  # pragma: no cover - compiled by numba when present
    """``np.bincount(index, values - other_bias[other], n)`` in one pass: the same sums, added in the same order."""
    out = np.zeros(n)
    for k in range(len(index)):
        out[index[k]] += values[k] - other_bias[other[k]]
    return out


_COMPILED: list = []


def _compiled_sums():
    """:func:`residual_sums` compiled by numba (cached on disk), or None without numba."""
    if not _COMPILED:
        try:
            from numba import njit
        except ImportError:
            _COMPILED.append(None)
        else:
            _COMPILED.append(njit(cache=True, nogil=True)(residual_sums))
    return _COMPILED[0]
