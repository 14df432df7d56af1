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
import pyarrow as pa
import pyarrow.csv as pacsv

ML25M = {"n_users": 162_541, "n_items": 59_047, "n_ratings": 25_000_095}
_CHUNK = 2_000_000


def synthetic_ratings(fraction: float = 1.0, seed: int = 0, rank: int = 8) -> dict[str, np.ndarray]:
    """Columns userId, movieId, rating, timestamp of an ML-25M-shaped table (``fraction`` of its size).

    Users and movies are scaled by ``sqrt(fraction)`` so density stays realistic.
    Pairs are unique; there are exactly ``fraction * 25,000,095`` rows.
    """
    rng = np.random.default_rng(seed)
    scale = np.sqrt(fraction)
    n_users, n_items = int(ML25M["n_users"] * scale), int(ML25M["n_items"] * scale)
    n_ratings = min(int(ML25M["n_ratings"] * fraction), n_users * n_items // 4)
    activity = _long_tail(rng, n_users, sigma=1.1, cap=0.3 * n_items / n_ratings)
    popularity = _long_tail(rng, n_items, sigma=2.0, cap=0.5 * n_users / n_ratings)
    users, items = _unique_pairs(rng, activity, popularity, n_ratings, n_items)
    ratings = _ratings(rng, users, items, n_users, n_items, rank)
    timestamps = 822_873_600 + rng.integers(0, 750_000_000, len(users))
    return {
        "userId": users + 1,
        "movieId": items + 1,
        "rating": ratings,
        "timestamp": timestamps.astype(np.int64),
    }


def _long_tail(rng: np.random.Generator, n: int, sigma: float, cap: float) -> np.ndarray:
    """Log-normal sampling weights (a long tail), each capped at ``cap`` of the total."""
    weights = rng.lognormal(0.0, sigma, n)
    weights /= weights.sum()
    for _ in range(5):
        weights = np.minimum(weights, cap)
        weights /= weights.sum()
    return weights


def _unique_pairs(rng, activity, popularity, n_ratings: int, n_items: int) -> tuple[np.ndarray, np.ndarray]:
    keys = np.empty(0, dtype=np.int64)
    while len(keys) < n_ratings:
        need = int((n_ratings - len(keys)) * 1.15) + 1000
        users = rng.choice(len(activity), need, p=activity)
        items = rng.choice(len(popularity), need, p=popularity)
        keys = np.unique(np.concatenate([keys, users.astype(np.int64) * n_items + items]))
    keys = rng.permutation(keys)[:n_ratings]
    keys.sort()
    return (keys // n_items).astype(np.int64), (keys % n_items).astype(np.int64)


def _ratings(rng, users, items, n_users: int, n_items: int, rank: int) -> np.ndarray:
    user_vec = rng.normal(0, 0.45, (n_users, rank)).astype(np.float32)
    item_vec = rng.normal(0, 0.45, (n_items, rank)).astype(np.float32)
    user_bias = rng.normal(0, 0.35, n_users).astype(np.float32)
    item_bias = rng.normal(0, 0.45, n_items).astype(np.float32)
    out = np.empty(len(users), dtype=np.float32)
    for start in range(0, len(users), _CHUNK):
        u, i = users[start : start + _CHUNK], items[start : start + _CHUNK]
        score = 3.55 + user_bias[u] + item_bias[i] + np.einsum("ij,ij->i", user_vec[u], item_vec[i])
        score += rng.normal(0, 0.6, len(u)).astype(np.float32)
        out[start : start + _CHUNK] = np.clip(np.round(score * 2) / 2, 0.5, 5.0)
    return out.astype(np.float64)


def write_synthetic(path: str | Path, fraction: float = 1.0, seed: int = 0) -> dict:
    """Write the table as a MovieLens-style ratings.csv; returns counts and seconds taken."""
    started = time.perf_counter()
    columns = synthetic_ratings(fraction, seed)
    table = pa.table(columns)
    with open(path, "wb") as out:
        out.write(b"userId,movieId,rating,timestamp\n")
        pacsv.write_csv(table, out, pacsv.WriteOptions(include_header=False, quoting_style="none"))
    return {
        "path": str(path),
        "n_ratings": table.num_rows,
        "n_users": int(np.unique(columns["userId"]).size),
        "n_items": int(np.unique(columns["movieId"]).size),
        "seconds": time.perf_counter() - started,
    }
