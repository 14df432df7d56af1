"""Item neighbours: the k-nearest-neighbour correction of the bias baseline that Auto may blend in.

For a user and a movie, the correction is the weighted mean of the user's residuals
(rating minus the bias baseline) on the ``k`` movies they rated that are most similar to
it; the similarity is the shrunk Pearson correlation of the residuals over the users who
rated both (Surprise's ``KNNBaseline`` with ``pearson_baseline``, item-based). Its errors
differ from the embedding model's, so a blend of the two predicts better than either
(README, "Error bars and Auto settings").

The similarities are a dense matrix over the most rated movies: at least ``min_ratings``
ratings, and no more movies than :data:`WORK_BUDGET` allows (work grows with users times
movies squared). Movies outside it get no correction.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numba import njit, prange

WORK_BUDGET = 1e10
"""Largest users x movies^2 of the similarity products (ml-latest-small: 2.7e9; about a second on 2 cores)."""
SERIAL_WORK = 5e9
"""Similarity products up to this users x movies^2 use one BLAS thread (ml-latest-small: 2.7e9)."""
SERIAL_PAIRS = 100_000
"""Predictions for up to this many pairs run on the calling thread alone."""
SHRINKAGE = 100.0
"""Similarities over ``n`` common users are scaled by ``n / (n + SHRINKAGE)``."""


@dataclass
class ItemNeighbours:
    """Fitted item-to-item similarities and each user's training residuals.

    Attributes
    ----------
    similarity
        ``(m, m)`` float32 over the modelled movies; the diagonal is zero.
    column
        For each movie index, its row in ``similarity``, or -1 when it is not modelled.
    indptr, rated, residuals
        Each user's training ratings in CSR form: user ``u`` rated ``rated[indptr[u]:indptr[u + 1]]``
        with these residuals (rating minus the bias baseline).
    k
        Neighbours averaged per prediction.
    """

    similarity: np.ndarray
    column: np.ndarray
    indptr: np.ndarray
    rated: np.ndarray
    residuals: np.ndarray
    k: int

    @classmethod
    def fit(
        cls,
        users: np.ndarray,
        items: np.ndarray,
        residuals: np.ndarray,
        n_users: int,
        n_items: int,
        k: int = 40,
        min_ratings: int = 10,
    ) -> ItemNeighbours:
        """Fit on index arrays (no ``-1``) and the residuals of the bias baseline."""
        users, items = np.asarray(users, np.int64), np.asarray(items, np.int64)
        residuals = np.asarray(residuals, np.float32)
        counts = np.bincount(items, minlength=n_items)
        most_rated = np.argsort(-counts, kind="stable")
        affordable = int(math.sqrt(WORK_BUDGET / max(n_users, 1)))
        kept = np.sort(most_rated[: min(affordable, int((counts >= min_ratings).sum()))])
        column = np.full(n_items, -1, np.int64)
        column[kept] = np.arange(len(kept))
        similarity = _similarity(users, column[items], residuals, n_users, len(kept))
        order = np.lexsort((items, users))
        indptr = np.zeros(n_users + 1, np.int64)
        np.cumsum(np.bincount(users, minlength=n_users), out=indptr[1:])
        return cls(similarity, column, indptr, items[order], residuals[order], int(k))

    def predict(self, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        """The correction for each (user index, movie index) pair; 0 where there is none (or an index is -1).

        Up to :data:`SERIAL_PAIRS` pairs run on the calling thread alone: on a busy machine,
        threads that wait for each other cost more than they save at that size.
        """
        import numba

        users, items = np.asarray(users, np.int64), np.asarray(items, np.int64)
        threads = numba.get_num_threads()  # per calling thread: other sessions keep theirs
        numba.set_num_threads(threads if len(users) > SERIAL_PAIRS else 1)
        try:
            return _corrections(
                users, items, self.column, self.similarity, self.indptr, self.rated, self.residuals, self.k
            )
        finally:
            numba.set_num_threads(threads)


def _similarity(users: np.ndarray, columns: np.ndarray, residuals: np.ndarray, n_users: int, m: int) -> np.ndarray:
    """Shrunk Pearson correlation of the residuals over common users, for the modelled columns (-1: left out).

    Products of up to :data:`SERIAL_WORK` run on one BLAS thread: on a busy machine, threads
    that wait for each other cost more than they save at that size.
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1 if n_users * m * m <= SERIAL_WORK else None, user_api="blas"):
        return _shrunk_pearson(users, columns, residuals, n_users, m)


def _shrunk_pearson(users: np.ndarray, columns: np.ndarray, residuals: np.ndarray, n_users: int, m: int) -> np.ndarray:
    mask = columns >= 0
    z = np.zeros((n_users, m), np.float32)
    z[users[mask], columns[mask]] = residuals[mask]
    rated = np.zeros((n_users, m), np.float32)
    rated[users[mask], columns[mask]] = 1.0
    similarity = z.T @ z
    squares = (z * z).T @ rated  # [a, b]: sum of a's squared residuals over users who rated both
    common = rated.T @ rated
    squares *= squares.T
    np.sqrt(squares, out=squares)
    squares += 1e-12
    similarity /= squares
    similarity *= common / (common + SHRINKAGE)
    np.fill_diagonal(similarity, 0.0)
    return similarity


@njit(nogil=True, parallel=True, cache=True)
def _corrections(users, items, column, similarity, indptr, rated, residuals, k):  # pragma: no cover - compiled
    """Each pair's weighted mean residual over its ``k`` most similar (positively) rated movies."""
    out = np.zeros(len(users))
    for t in prange(len(users)):
        u, i = users[t], items[t]
        if u < 0 or i < 0 or column[i] < 0:
            continue
        row = similarity[column[i]]
        start, stop = indptr[u], indptr[u + 1]
        weights = np.empty(stop - start, np.float32)
        values = np.empty(stop - start, np.float32)
        n = 0
        for p in range(start, stop):
            j = column[rated[p]]
            if j >= 0 and row[j] > 0:
                weights[n], values[n] = row[j], residuals[p]
                n += 1
        if n == 0:
            continue
        floor = np.partition(weights[:n], n - k)[n - k] if n > k else 0.0
        total, weight, taken = 0.0, 0.0, 0
        for c in range(n):  # the k largest weights (ties at the floor: the first ones)
            if weights[c] > floor or (weights[c] == floor and taken < k):
                total += weights[c] * values[c]
                weight += weights[c]
                taken += 1
        out[t] = total / weight
    return out
