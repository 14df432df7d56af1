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


KNOWN_MOVIES = Path(__file__).parent / "data" / "known_movies.csv"
"""Well-known movies as MovieLens writes their titles and genres (hand-written), with sequels, remakes and namesakes
beside them, and a made-up ``n_ratings`` (the better-known film has more; where equal matches tie, the file lists the
less-rated one first, so only the popularity can put the right one first)."""

GENRE_MIX: dict[str, int] = {
    "Drama": 150, "Comedy": 100, "Comedy|Drama": 40, "Comedy|Romance": 40, "Drama|Romance": 40,
    "Comedy|Drama|Romance": 20, "Crime|Drama": 25, "Crime|Drama|Thriller": 25, "Crime|Thriller": 15,
    "Action|Crime|Thriller": 20, "Thriller": 20, "Drama|Thriller": 20, "Mystery|Thriller": 12, "Drama|Mystery": 6,
    "Horror": 35, "Horror|Thriller": 25, "Comedy|Horror": 6, "Documentary": 35,
    "Action|Sci-Fi|Thriller": 12, "Action|Adventure|Sci-Fi": 12, "Sci-Fi": 15, "Horror|Sci-Fi": 6,
    "Comedy|Sci-Fi": 5, "Drama|Sci-Fi": 5, "Action": 10, "Action|Adventure": 12, "Action|Comedy": 10,
    "Action|Drama": 8, "Comedy|Crime": 8,
    "Animation": 16, "Animation|Comedy": 8, "Adventure|Animation|Children|Comedy": 8,
    "Adventure|Animation|Children|Comedy|Fantasy": 4, "Animation|Children|Comedy": 6, "Animation|Children|Fantasy": 3,
    "Children|Comedy": 14, "Children|Drama": 4, "Adventure|Children": 4, "Adventure|Children|Fantasy": 5,
    "Adventure|Fantasy": 14, "Comedy|Fantasy": 8, "Drama|Fantasy": 6, "Fantasy|Romance": 4,
    "Action|Adventure|Fantasy": 6, "Drama|War": 12, "Action|Drama|War": 6, "Western": 5, "Action|Western": 4,
    "Musical|Romance": 3, "Comedy|Musical": 3, "Crime|Film-Noir|Mystery": 3, "Film-Noir|Thriller": 2,
    "Action|Adventure|IMAX": 3, "Documentary|IMAX": 2, "(no genres listed)": 3,
}  # fmt: skip
"""How many generated movies list each genre combination: the shape of MovieLens's catalogue in small (Drama, then
Comedy, then Thriller the most listed; Children nearly always with Animation or a more common genre, Animation often
alone, Film-Noir only beside Crime, Mystery or Thriller, Documentary mostly alone)."""

_TITLE_WORDS = (
    "Alpha Blue Broken City Dark Echo Falling Golden Hidden Iron Jade Kings Last Midnight Night Open Paper Quiet "
    "Red Silent Summer Tiger Under Violet Winter Young Zero"
).split()


def generated_movies(seed: int = 0) -> pd.DataFrame:
    """A movies table in MovieLens's format (``movieId``, ``title`` with its year, ``|``-joined ``genres``): the
    well-known movies of ``tests/data/known_movies.csv`` (ids 1-63, Toy Story first), then one made-up movie per
    count of :data:`GENRE_MIX`, titled from a few words, most from the 2000s, then the 1990s; a few have no year."""
    rng = np.random.default_rng(seed)
    known = pd.read_csv(KNOWN_MOVIES).drop(columns="n_ratings")
    genres = rng.permutation([combo for combo, count in GENRE_MIX.items() for _ in range(count)])
    decades = [1950, 1960, 1970, 1980, 1990, 2000, 2010]
    decade = rng.choice(decades, size=len(genres), p=[0.04, 0.05, 0.08, 0.13, 0.26, 0.30, 0.14])
    year = decade + rng.integers(0, 10, len(genres))
    words = rng.choice(_TITLE_WORDS, size=(len(genres), 2))
    titles = [f"{a} {b} ({y})" for (a, b), y in zip(words, year)]
    for k in range(0, len(titles), 50):
        titles[k] = titles[k].rsplit(" (", 1)[0]  # no year, as some MovieLens titles
    made = pd.DataFrame({"movieId": np.arange(len(genres)) + len(known) + 1, "title": titles, "genres": genres})
    return pd.concat([known, made], ignore_index=True)
