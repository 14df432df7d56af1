"""Item neighbours: the k-nearest-neighbour correction of the bias baseline that Auto may blend in.

For a user and a movie, the correction is the weighted mean of the user's residuals
(rating minus the bias baseline) on the ``k`` movies they rated that are most similar to
it; the similarity is the shrunk Pearson correlation of the residuals over the users who
rated both (Surprise's ``KNNBaseline`` with ``pearson_baseline``, item-based). Its errors
differ from the embedding model's, so a blend of the two predicts better than either
(README, "Error bars and Auto settings").

The similarities are a dense matrix over the most rated movies: at least ``min_ratings``
ratings, and no more movies than :data:`MAX_MOVIES` and :data:`PAIR_BUDGET` allow (work
grows with the pairs of movies each user rated). Movies outside it get no correction.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numba import njit, prange

MAX_MOVIES = 4000
"""Most movies modelled: the similarity is a dense float32 matrix (4000 movies: 64 MB)."""
PAIR_BUDGET = 3e8
"""Most (user, movie pair) terms summed for the similarities (ml-latest-small: 1.2e7, about 0.05 s)."""
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
        most_rated = np.argsort(-counts, kind="stable")[: int((counts >= min_ratings).sum())]
        kept = np.sort(most_rated[: affordable_movies(users, items, most_rated, n_items)])
        column = np.full(n_items, -1, np.int64)
        column[kept] = np.arange(len(kept))  # ascending with the movie index
        order = np.lexsort((items, users))  # by user, then movie: the CSR rows below and the pair sums
        users, items, residuals = users[order], items[order], residuals[order]
        similarity = _similarity(users, column[items], residuals, n_users, len(kept))
        return cls(similarity, column, _offsets(users, n_users), items, residuals, int(k))

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


def affordable_movies(users: np.ndarray, items: np.ndarray, ranked: np.ndarray, n_items: int) -> int:
    """How many of the ``ranked`` movies (most rated first) fit :data:`MAX_MOVIES` and :data:`PAIR_BUDGET`.

    Taking the movie of rank ``r`` adds, for each of its raters, one pair with every movie of
    a lower rank that they rated; the running total of those pairs gives the work of each prefix.
    """
    rank = np.full(n_items, -1, np.int64)
    rank[ranked] = np.arange(len(ranked))
    ranks = rank[items]
    inside = ranks >= 0
    users, ranks = users[inside], ranks[inside]
    order = np.lexsort((ranks, users))
    users, ranks = users[order], ranks[order]
    starts = np.flatnonzero(np.r_[True, users[1:] != users[:-1]])
    earlier = np.arange(len(users)) - np.repeat(starts, np.diff(np.r_[starts, len(users)]))
    pairs = np.cumsum(np.bincount(ranks, weights=earlier, minlength=len(ranked)))
    return int(min(MAX_MOVIES, np.searchsorted(pairs, PAIR_BUDGET, side="right")))


def _offsets(keys: np.ndarray, n: int) -> np.ndarray:
    """Where each key's run starts in ``keys`` sorted ascending (``n + 1`` entries, CSR style)."""
    offsets = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(keys, minlength=n), out=offsets[1:])
    return offsets


def _similarity(users: np.ndarray, columns: np.ndarray, residuals: np.ndarray, n_users: int, m: int) -> np.ndarray:
    """Shrunk Pearson correlation of the residuals over common users, for the modelled columns (-1: left out).

    The ratings come sorted by user, then column, so each user's movies ascend. The sums run
    over each user's pairs of rated movies (work: half the sum of squared user counts, 12
    million pairs on ml-latest-small) rather than dense products over all users and movies
    (2.7e9 there); one rating per (user, movie) pair, as :class:`cf.data.Ratings` keeps.
    """
    mask = columns >= 0
    users, columns, residuals = users[mask], columns[mask], residuals[mask].astype(np.float32)
    by_column = np.argsort(columns, kind="stable")
    return _pair_similarity(
        _offsets(users, n_users), users, columns, residuals, by_column, _offsets(columns, m), m, SHRINKAGE
    )


@njit(nogil=True, parallel=True, cache=True)
def _pair_similarity(indptr, users, columns, residuals, by_column, column_start, m, shrinkage):  # pragma: no cover
    """The ``(m, m)`` similarity, one row at a time: row ``a`` sums over the users who rated ``a``
    their pairs (a, b > a), then the upper triangle is mirrored. Rows are independent, so
    threads share them without locks."""
    similarity = np.zeros((m, m), np.float32)
    for a in prange(m):
        sums = np.zeros((m - a, 4), np.float32)  # [b - a]: za*zb, za^2, zb^2, common users
        for t in range(column_start[a], column_start[a + 1]):
            p = by_column[t]
            za = residuals[p]
            for q in range(p + 1, indptr[users[p] + 1]):  # the user's movies after a
                zb, k = residuals[q], columns[q] - a
                sums[k, 0] += za * zb
                sums[k, 1] += za * za
                sums[k, 2] += zb * zb
                sums[k, 3] += 1.0
        for k in range(1, m - a):
            common = sums[k, 3]
            if common > 0:
                scale = math.sqrt(sums[k, 1] * sums[k, 2]) + 1e-12
                similarity[a, a + k] = sums[k, 0] / scale * common / (common + shrinkage)
    for a in prange(m):
        for b in range(a):
            similarity[a, b] = similarity[b, a]
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
