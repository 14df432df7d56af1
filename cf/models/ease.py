"""The ranking model: EASE (Steck 2019), a closed-form item-to-item model of who rated what.

A person's score for a movie is a weighted sum of the movies they rated, each weighted by
how much they liked it (:func:`interaction_weights`) and by a learned movie-to-movie
weight. The weights solve a ridge regression of every movie's column on all the others
(zero diagonal: a movie may not predict itself), in closed form from the Gram matrix of
the interactions. It ranks what people go on to watch and love far better than a rating
model ranks by predicted stars (README, "Top-N quality").

On a CUDA GPU the Gram matrix is built on the device (sparse x dense products of the
weighted interactions, in blocks of movies), solved there, and scores come from device
matrix products; on the CPU scipy builds it (fast there). Both paths are the same functions
on torch tensors or scipy matrices (``backend``), so the GPU path runs in the CPU tests.

Memory and time grow with the square and the cube of the number of movies modelled, so
only movies with at least ``min_ratings`` ratings take part, at most ``max_items`` of the
most rated (the cap is decided by :mod:`cf.placement`: 6,000 on a CPU, 144 MB, and the 88%
of ratings that a 5M-rating synthetic catalogue of 25,000 movies gives them; 40,000 on a CUDA GPU).
"""

from __future__ import annotations

import warnings
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
    device_weights: torch.Tensor | None = None
    """The weights on the device that scores (the torch backend), or None to score with NumPy."""

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
        backend: str = "auto",
    ) -> ItemModel:
        """Fit on index arrays and interaction weights (see :func:`interaction_weights`).

        ``max_items`` is the movie cap (:func:`cf.placement.place` decides it for a fit). When
        fewer than two movies have ``min_ratings`` ratings, the most rated ones are used instead.
        ``backend``: ``torch`` (Gram, solve and scores on ``device``), ``scipy`` (Gram on the host,
        solve on ``device``, NumPy scores) or ``auto`` (torch on CUDA, scipy elsewhere).
        """
        if backend not in ("auto", "torch", "scipy"):
            raise ValueError(f"backend must be auto, torch or scipy, not {backend!r}")
        device = torch.device(device)
        users, items = np.asarray(users, np.int64), np.asarray(items, np.int64)
        counts = np.bincount(items, minlength=n_items)
        cap = int(max_items)
        order = np.argsort(-counts, kind="stable")
        chosen = order[: min(cap, max(int((counts >= min_ratings).sum()), 2), n_items)]
        candidates = np.sort(chosen[counts[chosen] > 0])
        position = np.full(n_items, -1, dtype=np.int64)
        position[candidates] = np.arange(len(candidates))
        keep = (position[items] >= 0) & (np.asarray(weights) > 0)  # zero weights add nothing to the Gram matrix
        entries = (users[keep], position[items[keep]], np.asarray(weights, np.float32)[keep])
        if backend == "torch" or (backend == "auto" and device.type == "cuda"):
            gram = torch_gram(*entries, n_users, len(candidates), device)
            weights_on_device = solve_on_device(gram, l2)
            return cls(candidates, weights_on_device.cpu().numpy(), n_items, float(l2), weights_on_device)
        return cls(candidates, solve(scipy_gram(*entries, n_users, len(candidates)).to(device), l2), n_items, float(l2))

    def score(self, rows: sp.csr_matrix) -> np.ndarray:
        """Scores of every movie for each row of ``rows`` (people x candidates, weighted); ``-inf`` off the model."""
        return self.score_on_device(rows).cpu().numpy()

    def score_on_device(self, rows: sp.csr_matrix) -> torch.Tensor:
        """:meth:`score` as a tensor: on the device of the device weights (a sparse x dense product there),
        else on the CPU (scipy's product)."""
        candidates = self.score_candidates_on_device(rows)
        out = torch.full((rows.shape[0], self.n_items), -torch.inf, dtype=torch.float32, device=candidates.device)
        out[:, torch.from_numpy(self.candidates).to(candidates.device)] = candidates
        return out

    def score_candidates_on_device(self, rows: sp.csr_matrix) -> torch.Tensor:
        """Scores of the candidate movies only (people x candidates, in the order of ``candidates``)."""
        if self.device_weights is None:
            return torch.from_numpy(np.asarray(rows @ self.weights, dtype=np.float32))
        return torch.sparse.mm(_torch_csr(rows, self.device_weights.device), self.device_weights)

    def rows(self, people: list[tuple[np.ndarray, np.ndarray]]) -> sp.csr_matrix:
        """The input rows for people given as (movie indices, interaction weights)."""
        lengths = np.array([len(items) for items, _ in people], dtype=np.int64)
        items = np.concatenate([np.asarray(i, np.int64) for i, _ in people] or [np.zeros(0, np.int64)])
        weights = np.concatenate([np.asarray(w, np.float32) for _, w in people] or [np.zeros(0, np.float32)])
        return self.rows_of(items, weights, lengths)

    def rows_of(self, items: np.ndarray, weights: np.ndarray, lengths: np.ndarray) -> sp.csr_matrix:
        """:meth:`rows` from the people's movies and weights laid end to end, ``lengths[p]`` of them for person
        ``p`` (whole-array operations: no Python step per person)."""
        where = self.position[np.asarray(items, np.int64)]
        ok = where >= 0
        person = np.repeat(np.arange(len(lengths)), lengths)
        indptr = np.zeros(len(lengths) + 1, dtype=np.int64)
        np.cumsum(np.bincount(person[ok], minlength=len(lengths)), out=indptr[1:])
        data = np.asarray(weights, np.float32)[ok]
        return sp.csr_matrix((data, where[ok], indptr), shape=(len(lengths), len(self.candidates)))

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


def scipy_gram(users: np.ndarray, columns: np.ndarray, weights: np.ndarray, n_users: int, k: int) -> torch.Tensor:
    """The ``k x k`` Gram matrix of the weighted interactions, built by scipy on the host (float32 tensor)."""
    matrix = sp.csr_matrix((weights, (users, columns)), shape=(n_users, k))
    return torch.from_numpy((matrix.T @ matrix).toarray().astype(np.float32))


GRAM_BLOCK_CELLS = 1 << 28
"""Cells of the dense people x movies block that :func:`torch_gram` multiplies at once (1 GB of float32)."""


def torch_gram(
    users: np.ndarray, columns: np.ndarray, weights: np.ndarray, n_users: int, k: int, device: str | torch.device
) -> torch.Tensor:
    """The same Gram matrix built on ``device``: the sparse transposed interactions times dense blocks of them.

    Each block of movies is scattered into a dense ``n_users x block`` matrix on the device and
    multiplied by the sparse ``k x n_users`` matrix (cuSPARSE on a GPU).
    """
    device = torch.device(device)
    u = torch.from_numpy(np.asarray(users, np.int64)).to(device)
    c = torch.from_numpy(np.asarray(columns, np.int64)).to(device)
    w = torch.from_numpy(np.asarray(weights, np.float32)).to(device)
    with warnings.catch_warnings():  # torch calls its sparse CSR support beta
        warnings.simplefilter("ignore", UserWarning)
        coo = torch.sparse_coo_tensor(torch.stack([c, u]), w, (k, n_users), check_invariants=False)
        transposed = coo.coalesce().to_sparse_csr()
    gram = torch.empty((k, k), dtype=torch.float32, device=device)
    block = max(1, min(k, GRAM_BLOCK_CELLS // max(n_users, 1)))
    for start in range(0, k, block):
        stop = min(k, start + block)
        inside = (c >= start) & (c < stop)
        dense = torch.zeros((n_users, stop - start), dtype=torch.float32, device=device)
        dense.index_put_((u[inside], c[inside] - start), w[inside], accumulate=True)
        gram[:, start:stop] = torch.sparse.mm(transposed, dense)
    return gram


def _torch_csr(rows: sp.csr_matrix, device: torch.device) -> torch.Tensor:
    """A scipy CSR matrix as a torch sparse CSR tensor on ``device``."""
    with warnings.catch_warnings():  # torch calls its sparse CSR support beta
        warnings.simplefilter("ignore", UserWarning)
        return torch.sparse_csr_tensor(
            torch.from_numpy(rows.indptr.astype(np.int64)),
            torch.from_numpy(rows.indices.astype(np.int64)),
            torch.from_numpy(rows.data.astype(np.float32)),
            size=rows.shape,
            check_invariants=False,
        ).to(device)


def solve(gram: torch.Tensor, l2: float) -> np.ndarray:
    """EASE's closed form: ``B = I - P diagMat(1 / diag(P))`` with ``P = (G + l2 I)^-1``, diagonal zeroed."""
    weights = solve_on_device(gram.clone(), l2)
    return np.ascontiguousarray(weights.cpu().numpy())  # LAPACK's result is column-major: rows are read in scoring


def solve_on_device(gram: torch.Tensor, l2: float) -> torch.Tensor:
    """EASE's closed form on ``gram``'s device, in place of ``gram`` where it can (returns the weights)."""
    gram.diagonal().add_(l2)
    identity = torch.eye(len(gram), dtype=gram.dtype, device=gram.device)
    precision = torch.cholesky_solve(identity, torch.linalg.cholesky(gram))  # faster than cholesky_inverse on CPUs
    del gram, identity
    precision.div_(precision.diagonal()[None, :].clone()).neg_()
    precision.fill_diagonal_(0.0)
    return precision
