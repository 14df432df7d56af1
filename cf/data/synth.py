"""An ML-25M-shaped synthetic ratings file for scale benchmarks (nothing large is committed).

MovieLens 25M has 162,541 users, 59,047 movies and 25,000,095 ratings with long-tailed
activity and popularity. :func:`write_synthetic` writes a file of the same shape (or a
fraction of it) in the same CSV layout, with low-rank taste structure so that training
on it means something.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

ML25M = {"n_users": 162_541, "n_items": 59_047, "n_ratings": 25_000_095}
_CHUNK = 2_000_000


TASTES = 24
"""Taste groups: each user and each movie belongs to one."""
OWN_TASTE = 0.6
"""Share of a user's ratings drawn from movies of their own taste group (the rest: any movie, by popularity)."""


def synthetic_ratings(fraction: float = 1.0, seed: int = 0, rank: int = 8) -> dict[str, np.ndarray]:
    """Columns userId, movieId, rating, timestamp of an ML-25M-shaped table (``fraction`` of its size).

    Users and movies are scaled by ``sqrt(fraction)`` so density stays realistic. Pairs are
    unique; there are exactly ``fraction * 25,000,095`` rows. Who rated what carries taste,
    as in real data: each user and movie belongs to one of :data:`TASTES` groups, a user's
    ratings come :data:`OWN_TASTE` from movies of their group (by popularity inside it) and the
    rest from any movie by popularity, and the same groups shape the low-rank ratings (users
    rate their group's movies higher). So an item model of who rated what beats the most
    popular list here, as it does on MovieLens.
    """
    rng = np.random.default_rng(seed)
    scale = np.sqrt(fraction)
    n_users, n_items = int(ML25M["n_users"] * scale), int(ML25M["n_items"] * scale)
    n_ratings = min(int(ML25M["n_ratings"] * fraction), n_users * n_items // 4)
    activity = _long_tail(rng, n_users, sigma=1.1, cap=0.3 * n_items / n_ratings)
    popularity = _long_tail(rng, n_items, sigma=2.0, cap=0.5 * n_users / n_ratings)
    user_taste = rng.integers(0, TASTES, n_users)
    item_taste = rng.integers(0, TASTES, n_items)
    users, items = _unique_pairs(rng, activity, popularity, user_taste, item_taste, n_ratings)
    ratings = _ratings(rng, users, items, user_taste, item_taste, rank)
    timestamps = rng.integers(0, 750_000_000, len(users), dtype=np.int64)
    timestamps += 822_873_600
    users += 1
    items += 1
    return {"userId": users, "movieId": items, "rating": ratings, "timestamp": timestamps}


def _long_tail(rng: np.random.Generator, n: int, sigma: float, cap: float) -> np.ndarray:
    """Log-normal sampling weights (a long tail), each capped at ``cap`` of the total."""
    weights = rng.lognormal(0.0, sigma, n)
    weights /= weights.sum()
    for _ in range(5):
        weights = np.minimum(weights, cap)
        weights /= weights.sum()
    return weights


def _unique_pairs(
    rng: np.random.Generator,
    activity: np.ndarray,
    popularity: np.ndarray,
    user_taste: np.ndarray,
    item_taste: np.ndarray,
    n_ratings: int,
) -> tuple[np.ndarray, np.ndarray]:
    """``n_ratings`` distinct (user, movie) pairs, sorted: users by activity, movies by taste and popularity."""
    n_items = len(popularity)
    by_taste = np.argsort(item_taste, kind="stable")  # movies grouped by taste, each group a span of ``cum``
    cum = np.cumsum(popularity[by_taste])
    ends = np.searchsorted(item_taste[by_taste], np.arange(TASTES), side="right")
    group_end = cum[ends - 1] if n_items else np.zeros(TASTES)
    group_start = np.concatenate([[0.0], group_end[:-1]])
    keys = np.empty(0, dtype=np.int64)
    overdraw = 1.15  # draws per missing pair; grows with the share of repeats seen
    while len(keys) < n_ratings:
        missing = n_ratings - len(keys)
        need = int(missing * overdraw) + 1000
        users = _draw(rng, activity, need)
        target = rng.random(need) * cum[-1]
        own = np.flatnonzero(rng.random(need, dtype=np.float32) < OWN_TASTE)
        taste = user_taste[users[own]]
        target[own] = group_start[taste] + rng.random(len(own)) * (group_end[taste] - group_start[taste])
        items = by_taste[_search(cum, target)]
        before = len(keys)
        users *= n_items
        users += items
        keys = _sorted_unique(np.concatenate([keys, users]))
        overdraw = min(4.0, 1.1 * need / max(len(keys) - before, 1))
    if len(keys) > n_ratings:  # drop a random surplus; the rest stay sorted
        keys = np.delete(keys, rng.choice(len(keys), len(keys) - n_ratings, replace=False))
    users, items = np.divmod(keys, n_items)
    return users, items


def _sorted_unique(values: np.ndarray) -> np.ndarray:
    """The distinct values, sorted (a sort and a comparison: faster than ``np.unique`` here)."""
    values.sort()
    keep = np.empty(len(values), dtype=bool)
    keep[:1] = True
    np.not_equal(values[1:], values[:-1], out=keep[1:])
    return values[keep]


def _draw(rng: np.random.Generator, weights: np.ndarray, n: int) -> np.ndarray:
    """``n`` indices drawn with probability ``weights`` (the inverse of the cumulative weights)."""
    cum = np.cumsum(weights)
    return _search(cum, rng.random(n) * cum[-1])


def _search(cum: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """``np.searchsorted(cum, targets, side="right")`` clipped to the last index, for many random targets.

    A guide table (the answer at the start of each of ``4 * len(cum)`` equal buckets) puts each
    target at or just before its answer; a few vectorised steps finish the walk. Several times
    faster than binary searches, whose random reads miss the cache.
    """
    last = len(cum) - 1
    buckets = 4 * len(cum)
    width = cum[-1] / buckets
    guide = np.minimum(np.searchsorted(cum, np.arange(buckets) * width, side="right"), last)
    found = guide[np.minimum((targets / width).astype(np.int64), buckets - 1)]
    pending = np.flatnonzero((cum[found] <= targets) & (found < last))
    while len(pending):
        found[pending] += 1
        pending = pending[(cum[found[pending]] <= targets[pending]) & (found[pending] < last)]
    return found


def _ratings(rng, users, items, user_taste, item_taste, rank: int) -> np.ndarray:
    """Half stars from biases plus a low-rank taste term: vectors near their taste group's centre."""
    centres = rng.normal(0, 0.3, (TASTES, rank)).astype(np.float32)
    user_vec = centres[user_taste] + rng.normal(0, 0.3, (len(user_taste), rank)).astype(np.float32)
    item_vec = centres[item_taste] + rng.normal(0, 0.3, (len(item_taste), rank)).astype(np.float32)
    user_bias = rng.normal(0, 0.35, len(user_taste)).astype(np.float32)
    item_bias = rng.normal(0, 0.45, len(item_taste)).astype(np.float32)
    out = np.empty(len(users), dtype=np.float32)
    for start in range(0, len(users), _CHUNK):
        u, i = users[start : start + _CHUNK], items[start : start + _CHUNK]
        score = 3.2 + user_bias[u] + item_bias[i] + np.einsum("ij,ij->i", user_vec[u], item_vec[i])
        score += rng.normal(0, 0.6, len(u)).astype(np.float32)
        out[start : start + _CHUNK] = np.clip(np.round(score * 2) / 2, 0.5, 5.0)
    return out.astype(np.float64)


def write_synthetic(path: str | Path, fraction: float = 1.0, seed: int = 0) -> dict:
    """Write the table as a MovieLens-style ratings.csv; returns counts and seconds taken."""
    started = time.perf_counter()
    columns = synthetic_ratings(fraction, seed)
    _write_csv(path, columns)
    return {
        "path": str(path),
        "n_ratings": len(columns["rating"]),
        "n_users": int(np.unique(columns["userId"]).size),
        "n_items": int(np.unique(columns["movieId"]).size),
        "seconds": time.perf_counter() - started,
    }


def _write_csv(path: str | Path, columns: dict[str, np.ndarray]) -> None:
    """Write the columns as CSV with a header: pyarrow's writer when installed, else pandas'."""
    try:
        import pyarrow as pa
        import pyarrow.csv as pacsv
    except ImportError:
        import pandas as pd

        pd.DataFrame(columns).to_csv(path, index=False, chunksize=1_000_000)
        return
    with open(path, "wb") as out:
        out.write(b"userId,movieId,rating,timestamp\n")
        options = pacsv.WriteOptions(include_header=False, quoting_style="none")
        pacsv.write_csv(pa.table(columns), out, options)
