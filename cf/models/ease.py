"""The ranking model: EASE (Steck 2019), a closed-form item-to-item model of who rated what.

A person's score for a movie is a weighted sum of the movies they rated, each weighted by
how much they liked it (:func:`interaction_weights`) and by a learned movie-to-movie
weight. The weights solve a ridge regression of every movie's column on all the others
(zero diagonal: a movie may not predict itself), in closed form from the Gram matrix of
the interactions. It ranks what people go on to watch and love far better than a rating
model ranks by predicted stars (README, "Top-N quality").

Memory and time grow with the square and the cube of the number of movies modelled, so
only movies with at least ``min_ratings`` ratings take part, at most ``max_items`` of the
most rated (the cap is decided by :mod:`cf.placement`: 6,000 on a CPU, 144 MB, and the 88%
of ratings that a 5M-rating synthetic catalogue of 25,000 movies gives them; 40,000 on a CUDA GPU).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import torch

from cf.placement import MOVIE_CAP


def interaction_weights(ratings: np.ndarray, scale: tuple[float, float]) -> np.ndarray:
    """How much each rating says "more like this": 1 from 4 stars up, 0 at 2 stars and below.

    On another scale the same shares: 0 at a third of the scale, 1 at three quarters (the
    relevance threshold), linear between. A file without ratings (every value the same)
    weighs every interaction 1.
    """
    low, high = scale
    ratings = np.asarray(ratings, dtype=np.float32)
    if high <= low:
        return np.ones(len(ratings), dtype=np.float32)
    floor, full = low + (high - low) / 3, low + 0.75 * (high - low)
    return np.clip((ratings - floor) / (full - floor), 0.0, 1.0).astype(np.float32)


@dataclass
class ItemModel:
    """Fitted EASE weights over a set of candidate movies.

    Attributes
    ----------
    candidates
        Movie indices (rows of the recommender's movie map) that the model covers, sorted.
    weights
        ``(k, k)`` float32: ``weights[a, b]`` is how much rating candidate ``a`` raises
        the score of candidate ``b``; the diagonal is zero.
    n_items
        Size of the movie map (scores are returned for every movie; others get ``-inf``).
    l2
        The ridge penalty it was fitted with.
    """

    candidates: np.ndarray
    weights: np.ndarray
    n_items: int
    l2: float

    def __post_init__(self) -> None:
        self.position = np.full(self.n_items, -1, dtype=np.int64)
        self.position[self.candidates] = np.arange(len(self.candidates))

    @classmethod
    def fit(
        cls,
        users: np.ndarray,
        items: np.ndarray,
        weights: np.ndarray,
        n_users: int,
        n_items: int,
        l2: float = 200.0,
        min_ratings: int = 5,
        max_items: int = MOVIE_CAP["cpu"],
        device: str | torch.device = "cpu",
    ) -> ItemModel:
        """Fit on index arrays and interaction weights (see :func:`interaction_weights`).

        ``max_items`` is the movie cap (:func:`cf.placement.place` decides it for a fit). When
        fewer than two movies have ``min_ratings`` ratings, the most rated ones are used instead.
        """
        device = torch.device(device)
        users, items = np.asarray(users, np.int64), np.asarray(items, np.int64)
        counts = np.bincount(items, minlength=n_items)
        cap = int(max_items)
        order = np.argsort(-counts, kind="stable")
        chosen = order[: min(cap, max(int((counts >= min_ratings).sum()), 2), n_items)]
        candidates = np.sort(chosen[counts[chosen] > 0])
        position = np.full(n_items, -1, dtype=np.int64)
        position[candidates] = np.arange(len(candidates))
        keep = position[items] >= 0
        matrix = sp.csr_matrix(
            (np.asarray(weights, np.float32)[keep], (users[keep], position[items[keep]])),
            shape=(n_users, len(candidates)),
        )
        gram = torch.from_numpy((matrix.T @ matrix).toarray().astype(np.float32)).to(device)
        return cls(candidates, solve(gram, l2), n_items, float(l2))

    def score(self, rows: sp.csr_matrix) -> np.ndarray:
        """Scores of every movie for each row of ``rows`` (people x candidates, weighted); ``-inf`` off the model."""
        out = np.full((rows.shape[0], self.n_items), -np.inf, dtype=np.float32)
        out[:, self.candidates] = np.asarray(rows @ self.weights)
        return out

    def rows(self, people: list[tuple[np.ndarray, np.ndarray]]) -> sp.csr_matrix:
        """The input rows for people given as (movie indices, interaction weights)."""
        indptr, indices, data = [0], [], []
        for items, weights in people:
            where = self.position[np.asarray(items, np.int64)]
            ok = where >= 0
            indices.append(where[ok])
            data.append(np.asarray(weights, np.float32)[ok])
            indptr.append(indptr[-1] + int(ok.sum()))
        values = np.concatenate(data or [np.zeros(0, np.float32)])
        columns = np.concatenate(indices or [np.zeros(0, np.int64)])
        return sp.csr_matrix((values, columns, indptr), shape=(len(people), len(self.candidates)))

    def contributions(self, items: np.ndarray, weights: np.ndarray, target: int) -> np.ndarray:
        """How much each of a person's movies (indices, weights) adds to the score of movie ``target``."""
        where = self.position[np.asarray(items, np.int64)]
        column = self.position[target]
        out = np.zeros(len(where), dtype=np.float32)
        if column < 0:
            return out
        ok = where >= 0
        out[ok] = np.asarray(weights, np.float32)[ok] * self.weights[where[ok], column]
        return out

    def similar(self, item: int) -> np.ndarray | None:
        """Similarity of every movie to ``item`` (the two weights between them, averaged); None off the model."""
        where = self.position[item]
        if where < 0:
            return None
        out = np.full(self.n_items, -np.inf, dtype=np.float32)
        out[self.candidates] = (self.weights[where, :] + self.weights[:, where]) / 2
        out[item] = -np.inf
        return out


def solve(gram: torch.Tensor, l2: float) -> np.ndarray:
    """EASE's closed form: ``B = I - P diagMat(1 / diag(P))`` with ``P = (G + l2 I)^-1``, diagonal zeroed."""
    gram = gram.clone()
    gram.diagonal().add_(l2)
    identity = torch.eye(len(gram), dtype=gram.dtype, device=gram.device)
    precision = torch.cholesky_solve(identity, torch.linalg.cholesky(gram))  # faster than cholesky_inverse on CPUs
    weights = -precision / precision.diagonal()[None, :]
    weights.fill_diagonal_(0.0)
    return np.ascontiguousarray(weights.cpu().numpy())  # LAPACK's result is column-major: rows are read in scoring
