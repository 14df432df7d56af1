"""Shared helpers for the library tests: real data paths and small rating tables."""

from __future__ import annotations

import contextlib
import hashlib
import http.server
import threading
import zipfile
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import cf
from benchmarks.paths import shared_data_dir


def split_paths() -> tuple:
    """train.csv and test.csv of the fixed benchmark split, or skip the test."""
    folder = shared_data_dir() / "ml-latest-small-split"
    if not (folder / "train.csv").exists():
        pytest.skip(f"benchmark split not found in {folder} (set CF_DATA_DIR)")
    return folder / "train.csv", folder / "test.csv"


def movies_path():
    path = shared_data_dir() / "ml-latest-small" / "movies.csv"
    if not path.exists():
        pytest.skip(f"{path} not found (set CF_DATA_DIR)")
    return path


def small_ratings(n_users: int = 120, n_items: int = 200, n_ratings: int = 6000, seed: int = 0) -> cf.Ratings:
    """A random low-rank rating table: quick to train on, with real structure to learn."""
    rng = np.random.default_rng(seed)
    users = rng.integers(0, n_users, n_ratings)
    items = rng.integers(0, n_items, n_ratings)
    taste, traits = rng.normal(size=(n_users, 3)), rng.normal(size=(n_items, 3))
    score = 3.0 + 0.6 * (taste[users] * traits[items]).sum(1) + rng.normal(0, 0.3, n_ratings)
    rating = np.clip(np.round(score * 2) / 2, 0.5, 5.0)
    frame = pd.DataFrame(
        {"userId": users + 1, "movieId": items + 1, "rating": rating, "timestamp": np.arange(n_ratings)}
    )
    return cf.load_ratings(frame)


def release_zip(path: Path, source: Path, folder: str = "ml-latest-small") -> Path:
    """A MovieLens-style release archive at ``path``: ``source``'s ratings.csv and movies.csv under ``folder/``."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in ("ratings.csv", "movies.csv"):
            archive.write(source / name, f"{folder}/{name}")
    return path


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextlib.contextmanager
def serve_folder(root: Path) -> Iterator[str]:
    """Serve the files in ``root`` over HTTP on a free localhost port; yields the base URL."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(_QuietHandler, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def write_md5(path: Path) -> None:
    """``<path>.md5`` beside ``path``, as GroupLens publishes it."""
    digest = hashlib.md5(path.read_bytes()).hexdigest()
    path.with_name(path.name + ".md5").write_text(f"{digest}  {path.name}\n")


def rating_scores(**values: float) -> cf.Scores:
    """Held-out scores for charts and tables: plausible figures, any of them overridden."""
    figures = dict(rmse=0.85, mae=0.65, global_mean_rmse=1.04, bias_rmse=0.9, bias_mae=0.7, n_test=100, n_fallback=0)
    return cf.Scores(**(figures | values))


def list_scores(**values: float) -> dict:
    """One ranking's top-N figures as plain values (:meth:`cf.evaluation.TopNScores.to_dict`), zeros by default."""
    names = ("precision", "recall", "ndcg", "map", "hit_rate", "coverage", "mean_popularity", "personalisation")
    return {name: 0.0 for name in names} | values
