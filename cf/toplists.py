"""Top-k lists for many people at once, as the top-N evaluation makes them: whole-batch operations.

Each list holds a person's ``k`` best movies they have not rated, best first; of equal scores
the lower movie index first (at the cut too); ``-1`` pads a list with fewer rankable movies.
:func:`top_k` makes them from a people x movies score matrix. Two rankings never need that
whole matrix, and skip it (the same lists, tested against :func:`top_k`):

* most popular (:func:`popular_lists`): everyone's scores are the same counts, so each list is
  the first ``k`` movies of one popularity order that the person has not rated;
* the item model (:func:`ranker_lists`): only its candidate movies get a finite score, so the
  best ``k`` are found among those columns (a tenth of MovieLens 25M's movies on a CPU) and
  mapped back, in the same order since candidates are sorted by index.

Whole-batch tensor calls on the scores' device, not one per person: in a busy server each call
that hands the GIL back waits to get it again, and thousands of small calls made scoring
minutes long.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from cf.topn import Person, liked_rows, rank_scores_on_device, rating_scores


def top_k(scores: torch.Tensor | np.ndarray, batch: Sequence[Person], k: int) -> np.ndarray:
    """Each person's ``k`` best movies they have not rated, from their scores (``-inf``: unrankable), best first
    (ties: lower index first, at the cut too), -1 padded. ``scores`` is changed in place."""
    scores = torch.from_numpy(scores) if isinstance(scores, np.ndarray) else scores
    rows, rated = _rated(batch)
    where = (torch.from_numpy(rows).to(scores.device), torch.from_numpy(rated).to(scores.device))
    scores.index_put_(where, torch.tensor(-torch.inf, dtype=scores.dtype, device=scores.device))
    return best_lists(scores, k)


def best_lists(scores: torch.Tensor, k: int) -> np.ndarray:
    """Each row's ``k`` best columns with a finite score, best first (ties: lower column first), -1 padded.

    The k best of each row come from ``torch.topk`` (a partial selection, :func:`_best_k`), then are
    ordered by score and column on the host.
    """
    n_columns = scores.shape[1]
    if n_columns > k:
        values, top = _best_k(scores, k)
        values, top = values.cpu().numpy(), top.cpu().numpy()
    else:
        values = scores.cpu().numpy()
        top = np.tile(np.arange(n_columns), (len(scores), 1))
    order = np.lexsort((top, -values))  # along each row: best first, then the lower index
    top, values = np.take_along_axis(top, order, axis=1), np.take_along_axis(values, order, axis=1)
    out = np.full((len(scores), k), -1, dtype=np.int64)
    out[:, : top.shape[1]] = np.where(np.isfinite(values), top, -1)  # unrankable ones sort last
    return out


def _best_k(scores: torch.Tensor, k: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(values, indices) of each row's ``k`` best scores, unordered; of movies tied at the cut, the lower
    indices (``torch.topk`` alone picks any, and differently on a GPU). One more than ``k`` is selected
    to see where a tie crosses the cut; only those rows are looked at again."""
    values, top = torch.topk(scores, min(k + 1, scores.shape[1]), dim=1, sorted=True)
    if values.shape[1] == k:
        return values, top
    crossing = values[:, k] == values[:, k - 1]
    values, top = values[:, :k].contiguous(), top[:, :k].contiguous()
    if bool(crossing.any()):
        rows = crossing.nonzero().squeeze(1)
        block, cut = scores[rows], values[rows, k - 1 :]
        above, tied = block > cut, block == cut
        need = k - above.sum(1, keepdim=True)
        chosen = above | (tied & (tied.cumsum(1) <= need))  # exactly k in each row
        top[rows] = chosen.nonzero()[:, 1].view(len(rows), k)
        values[rows] = block.gather(1, top[rows])
    return values, top


def _rated(batch: Sequence[Person]) -> tuple[np.ndarray, np.ndarray]:
    """(row, movie index) of every movie the people in ``batch`` rated."""
    rows = np.repeat(np.arange(len(batch)), [len(p.items) for p in batch])
    rated = np.concatenate([np.asarray(p.items, np.int64) for p in batch]) if batch else np.zeros(0, np.int64)
    return rows, rated.astype(np.int64)


def popularity_order(counts: np.ndarray) -> np.ndarray:
    """Movie indices from the most rated down (equal counts: lower index first)."""
    return np.argsort(-np.asarray(counts), kind="stable")


def popular_lists(order: np.ndarray, batch: Sequence[Person], k: int) -> np.ndarray:
    """:func:`top_k` of the popularity scores (counts in :func:`popularity_order`): the first ``k`` movies of
    ``order`` each person has not rated."""
    longest = max((len(p.items) for p in batch), default=0)
    head = order[: k + longest]  # enough for anyone in the batch
    position = np.full(len(order), -1, dtype=np.int64)
    position[head] = np.arange(len(head))
    rows, rated = _rated(batch)
    column = position[rated]
    taken = np.zeros((len(batch), len(head)), dtype=bool)
    taken[rows[column >= 0], column[column >= 0]] = True
    first = np.argsort(taken, axis=1, kind="stable")[:, :k]  # the movies not rated first, in popularity order
    lists = np.where(np.take_along_axis(taken, first, axis=1), -1, head[first])
    out = np.full((len(batch), k), -1, dtype=np.int64)
    out[:, : lists.shape[1]] = lists
    return out


def ranker_lists(rec, batch: Sequence[Person], k: int) -> np.ndarray:
    """:func:`top_k` of the item model's scores (:func:`cf.topn.rank_scores_on_device` with ``ranker``),
    selected among its candidate movies only. People with nothing liked that it knows are ranked by
    predicted stars over every movie, as there."""
    ranker = rec.ranker
    rows = liked_rows(rec, batch)
    empty = np.asarray(rows.sum(axis=1)).ravel() <= 0
    scores = ranker.score_candidates_on_device(rows)
    person, rated = _rated(batch)
    column = ranker.position[rated]
    where = (torch.from_numpy(person[column >= 0]), torch.from_numpy(column[column >= 0]))
    scores.index_put_(tuple(w.to(scores.device) for w in where), torch.tensor(-torch.inf, device=scores.device))
    columns = best_lists(scores, k)
    out = np.where(columns >= 0, ranker.candidates[np.maximum(columns, 0)], -1)
    if empty.any():
        fallback = [batch[row] for row in np.flatnonzero(empty)]
        out[empty] = top_k(rating_scores(rec, fallback), fallback, k)
    return out


def lists_for(rec, batch: Sequence[Person], k: int, rank_by: str, order: np.ndarray) -> np.ndarray:
    """The batch's top-k lists ranked by ``rank_by`` (``ranker``, ``rating`` or ``popular``, whose movie
    order is ``order``: :func:`popularity_order`)."""
    if rank_by == "popular":
        return popular_lists(order, batch, k)
    if rank_by == "ranker" and rec.ranker is not None:
        return ranker_lists(rec, batch, k)
    return top_k(rank_scores_on_device(rec, batch, rank_by), batch, k)
