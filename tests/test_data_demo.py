"""Tests for the generated demo dataset in ``cf.data.demo``."""

from __future__ import annotations

import json
import re
import tomllib
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cf.data.demo import GENRES, make_demo_frames

SMALL = {"n_users": 80, "n_movies": 200, "n_ratings": 4_000}
YEAR_RE = re.compile(r"^\S.*\S \((\d{4})\)$")
T_1996 = 820_454_400  # 1996-01-01
T_2024 = 1_704_067_200  # 2024-01-01
T_HALF_STARS = 1_045_526_400  # 2003-02-18


@pytest.fixture(scope="module")
def frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The default demo dataset, built once for the module."""
    return make_demo_frames()


@pytest.fixture(scope="module")
def ratings(frames: tuple[pd.DataFrame, pd.DataFrame]) -> pd.DataFrame:
    """The ratings frame of the default dataset."""
    return frames[0]


@pytest.fixture(scope="module")
def movies(frames: tuple[pd.DataFrame, pd.DataFrame]) -> pd.DataFrame:
    """The movies frame of the default dataset."""
    return frames[1]


def _genre_mask(movies: pd.DataFrame, genre: str) -> np.ndarray:
    """Boolean mask of the movies that carry ``genre``."""
    return movies["genres"].str.split("|").map(lambda g: genre in g).to_numpy()


# ---------------------------------------------------------------- determinism
def test_same_seed_gives_identical_frames() -> None:
    r1, m1 = make_demo_frames(seed=3, **SMALL)
    r2, m2 = make_demo_frames(seed=3, **SMALL)
    pd.testing.assert_frame_equal(r1, r2)
    pd.testing.assert_frame_equal(m1, m2)


def test_other_seed_gives_other_frames() -> None:
    r1, m1 = make_demo_frames(seed=3, **SMALL)
    r2, m2 = make_demo_frames(seed=4, **SMALL)
    assert not r1.equals(r2)
    assert not m1["title"].equals(m2["title"])


def test_default_seed_is_seven(ratings: pd.DataFrame) -> None:
    r7, _ = make_demo_frames(seed=7)
    pd.testing.assert_frame_equal(r7, ratings)


# --------------------------------------------------------- layout and dtypes
def test_ratings_columns_and_dtypes(ratings: pd.DataFrame) -> None:
    assert list(ratings.columns) == ["userId", "movieId", "rating", "timestamp"]
    assert ratings["userId"].dtype == np.int64
    assert ratings["movieId"].dtype == np.int64
    assert ratings["rating"].dtype == np.float64
    assert ratings["timestamp"].dtype == np.int64
    assert not ratings.isna().any().any()


def test_movies_columns_and_dtypes(movies: pd.DataFrame) -> None:
    assert list(movies.columns) == ["movieId", "title", "genres"]
    assert movies["movieId"].dtype == np.int64
    assert pd.api.types.is_string_dtype(movies["title"])
    assert pd.api.types.is_string_dtype(movies["genres"])
    assert movies["movieId"].tolist() == list(range(1, 1501))


@pytest.mark.parametrize(
    "sizes",
    [
        {"n_users": 600, "n_movies": 1500, "n_ratings": 100_000},
        SMALL,
        {"n_users": 3, "n_movies": 5, "n_ratings": 15},  # every pair rated
        {"n_users": 1, "n_movies": 50, "n_ratings": 40},
    ],
)
def test_sizes_and_integrity(sizes: dict[str, int]) -> None:
    r, m = make_demo_frames(seed=11, **sizes)
    assert len(r) == sizes["n_ratings"]
    assert len(m) == sizes["n_movies"]
    assert r["userId"].nunique() == sizes["n_users"]
    assert not r.duplicated(["userId", "movieId"]).any()
    assert r["movieId"].isin(m["movieId"]).all()
    assert r.groupby("userId").size().min() >= 5


@pytest.mark.parametrize(
    "sizes",
    [
        {"n_users": 0, "n_movies": 10, "n_ratings": 10},
        {"n_users": 10, "n_movies": 10, "n_ratings": 49},  # < 5 per user
        {"n_users": 10, "n_movies": 10, "n_ratings": 101},  # > all pairs
        {"n_users": 2, "n_movies": 4, "n_ratings": 8},  # < 5 movies
    ],
)
def test_impossible_sizes_raise(sizes: dict[str, int]) -> None:
    with pytest.raises(ValueError):
        make_demo_frames(**sizes)


# ------------------------------------------------------------------- ratings
def test_ratings_are_half_stars_in_range(ratings: pd.DataFrame) -> None:
    values = ratings["rating"].to_numpy()
    assert values.min() >= 0.5 and values.max() <= 5.0
    np.testing.assert_array_equal(values * 2, np.round(values * 2))
    assert set(np.unique(values)) == set(np.arange(1, 11) / 2)


def test_rating_distribution_is_movielens_like(ratings: pd.DataFrame) -> None:
    share = ratings["rating"].value_counts(normalize=True)
    assert 3.3 <= ratings["rating"].mean() <= 3.7
    assert share.idxmax() == 4.0
    whole = share[share.index == share.index.round()].sum()
    assert 0.6 <= whole <= 0.85  # whole stars dominate, half stars exist
    assert share[1.0] + share[0.5] < 0.1  # few very low ratings


def test_half_stars_only_after_2003(ratings: pd.DataFrame) -> None:
    half = ratings["rating"] * 2 % 2 == 1
    assert (ratings.loc[half, "timestamp"] >= T_HALF_STARS).all()


# ---------------------------------------------------------------- long tails
def test_every_user_and_movie_is_rated(ratings, movies) -> None:
    per_user = ratings.groupby("userId").size()
    assert per_user.min() >= 5
    assert set(ratings["movieId"]) == set(movies["movieId"])


def test_movie_popularity_is_long_tailed(ratings: pd.DataFrame) -> None:
    per_movie = ratings.groupby("movieId").size().sort_values(ascending=False)
    top = per_movie.iloc[: len(per_movie) // 10].sum() / len(ratings)
    assert top > 0.4
    assert per_movie.iloc[0] >= 300  # a few blockbusters
    assert (per_movie <= 5).mean() > 0.03  # and many obscure movies


def test_user_activity_is_long_tailed(ratings: pd.DataFrame) -> None:
    per_user = ratings.groupby("userId").size()
    assert per_user.max() >= 1000
    assert per_user.median() < 0.8 * per_user.mean()
    assert per_user.min() < 20 and (per_user < 30).mean() > 0.03


# -------------------------------------------------------------------- movies
def test_genre_vocabulary_and_counts(movies: pd.DataFrame) -> None:
    lists = movies["genres"].str.split("|")
    assert set(GENRES) == {
        "Action",
        "Adventure",
        "Animation",
        "Children",
        "Comedy",
        "Crime",
        "Documentary",
        "Drama",
        "Fantasy",
        "Film-Noir",
        "Horror",
        "Musical",
        "Mystery",
        "Romance",
        "Sci-Fi",
        "Thriller",
        "War",
        "Western",
    }
    assert lists.map(lambda g: set(g) <= set(GENRES)).all()
    assert lists.map(len).between(1, 3).all()
    assert lists.map(lambda g: g == sorted(set(g))).all()
    freq = lists.explode().value_counts(normalize=True)
    assert list(freq.index[:2]) == ["Drama", "Comedy"]
    assert freq.get("Film-Noir", 0.0) < 0.01


def test_titles_are_unique_plain_and_dated(movies: pd.DataFrame) -> None:
    titles = movies["title"]
    assert titles.is_unique
    assert not titles.str.contains(",").any()
    years = titles.str.extract(YEAR_RE)[0]
    assert years.notna().all()
    assert years.astype(int).between(1930, 2023).all()
    noir = _genre_mask(movies, "Film-Noir")
    assert years[noir].astype(int).between(1940, 1958).all()


# ---------------------------------------------------------------- timestamps
def test_timestamps_are_sessions_over_years(ratings, movies) -> None:
    t = ratings["timestamp"]
    assert t.min() >= T_1996 and t.max() < T_2024
    by_user = ratings.groupby("userId")["timestamp"]
    assert by_user.is_monotonic_increasing.all()  # frame sorted by time
    span_days = (by_user.max() - by_user.min()) / 86_400
    assert (span_days > 30).mean() > 0.3  # many users come back later
    assert (span_days < 1).mean() > 0.05  # some only rate on one day
    year = movies.set_index("movieId")["title"].str.extract(YEAR_RE)[0]
    rated_year = pd.to_datetime(t, unit="s").dt.year.to_numpy()
    assert (rated_year >= year.astype(int)[ratings["movieId"]].to_numpy()).all()


# -------------------------------------------------------- planted structure
def _dense_residuals(ratings: pd.DataFrame, n_movies: int) -> np.ndarray:
    """User x movie matrix of ratings minus user means, 0 where missing."""
    u = ratings["userId"].to_numpy() - 1
    i = ratings["movieId"].to_numpy() - 1
    y = ratings["rating"].to_numpy()
    user_mean = np.bincount(u, y) / np.bincount(u)
    dense = np.zeros((u.max() + 1, n_movies))
    dense[u, i] = y - user_mean[u]
    return dense


def _centroid_accuracy(x: np.ndarray, label: np.ndarray) -> float:
    """Accuracy of nearest-centroid classification of two groups."""
    c0, c1 = x[~label].mean(axis=0), x[label].mean(axis=0)
    closer = np.linalg.norm(x - c1, axis=1) < np.linalg.norm(x - c0, axis=1)
    return float(np.mean(closer == label))


def _top_subspace(dense: np.ndarray, k: int, iters: int = 40) -> np.ndarray:
    """Orthonormal basis of the top-``k`` left singular subspace.

    Block power iteration: a truncated SVD without a full LAPACK call.
    """
    basis = np.random.default_rng(0).normal(size=(dense.shape[0], k))
    for _ in range(iters):
        basis, _ = np.linalg.qr(dense @ (dense.T @ basis))
    return basis


def test_svd_separates_genres(ratings, movies) -> None:
    dense = _dense_residuals(ratings, len(movies))
    emb = dense.T @ _top_subspace(dense, 3)  # movies in first 3 components
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    popular = ratings.groupby("movieId").size().reindex(movies["movieId"], fill_value=0).to_numpy() >= 30
    rng = np.random.default_rng(0)
    for a, b in [("Sci-Fi", "Romance"), ("Horror", "Children"), ("Action", "Drama")]:
        in_a, in_b = _genre_mask(movies, a), _genre_mask(movies, b)
        keep = popular & (in_a ^ in_b)
        acc = _centroid_accuracy(emb[keep], in_a[keep])
        chance = _centroid_accuracy(emb[keep], rng.permutation(in_a[keep]))
        assert acc > 0.85, (a, b, acc)
        assert acc > chance + 0.2, (a, b, acc, chance)


def _fit_biases(u, i, y, n_u, n_i, lam=10.0):
    """Regularised global mean, user and movie biases (alternating)."""
    mu, bu, bi = y.mean(), np.zeros(n_u), np.zeros(n_i)
    for _ in range(8):
        bi = np.bincount(i, y - mu - bu[u], n_i) / (np.bincount(i, minlength=n_i) + lam)
        bu = np.bincount(u, y - mu - bi[i], n_u) / (np.bincount(u, minlength=n_u) + lam)
    return mu, bu, bi


def _als_step(rows, cols, vals, n_rows, other, lam):
    """Solve all row factors of an ALS half-step (ridge, per row)."""
    order = np.argsort(rows, kind="stable")
    rows, x, vals = rows[order], other[cols[order]], vals[order]
    k = other.shape[1]
    present, starts = np.unique(rows, return_index=True)
    gram = np.add.reduceat(x[:, :, None] * x[:, None, :], starts)
    rhs = np.add.reduceat(x * vals[:, None], starts)
    out = np.zeros((n_rows, k))
    out[present] = np.linalg.solve(gram + lam * np.eye(k), rhs[:, :, None])[:, :, 0]
    return out


def test_matrix_factorisation_beats_biases(ratings: pd.DataFrame) -> None:
    u = ratings["userId"].to_numpy() - 1
    i = ratings["movieId"].to_numpy() - 1
    y = ratings["rating"].to_numpy()
    n_u, n_i = u.max() + 1, i.max() + 1
    rng = np.random.default_rng(0)
    test = rng.random(len(y)) < 0.1
    tr = ~test
    mu, bu, bi = _fit_biases(u[tr], i[tr], y[tr], n_u, n_i)
    res = y - mu - bu[u] - bi[i]
    p, q = np.zeros((n_u, 6)), rng.normal(0.0, 0.1, (n_i, 6))
    for _ in range(6):
        p = _als_step(u[tr], i[tr], res[tr], n_u, q, 5.0)
        q = _als_step(i[tr], u[tr], res[tr], n_i, p, 5.0)
    base = mu + bu[u[test]] + bi[i[test]]
    rmse_bias = np.sqrt(np.mean((y[test] - base) ** 2))
    full = base + np.sum(p[u[test]] * q[i[test]], axis=1)
    rmse_mf = np.sqrt(np.mean((y[test] - full) ** 2))
    rmse_mean = np.sqrt(np.mean((y[test] - mu) ** 2))
    assert rmse_bias < rmse_mean - 0.1  # biases (quality) matter
    assert rmse_mf < 0.9 * rmse_bias  # and the planted tastes too


def test_users_prefer_different_genres(ratings, movies) -> None:
    """Users' Action-minus-Romance preference is spread far beyond noise."""
    resid = ratings["rating"] - ratings.groupby("movieId")["rating"].transform("mean")
    frame = ratings.assign(resid=resid.to_numpy())
    is_action = pd.Series(_genre_mask(movies, "Action"), index=movies["movieId"])
    is_romance = pd.Series(_genre_mask(movies, "Romance"), index=movies["movieId"])
    frame["action"] = is_action[frame["movieId"]].to_numpy()
    frame["romance"] = is_romance[frame["movieId"]].to_numpy()
    keep = frame["action"] ^ frame["romance"]
    stats = frame[keep].groupby(["userId", "action"])["resid"].agg(["mean", "size"]).unstack()
    stats = stats[(stats["size"] >= 10).all(axis=1)]
    diff = stats["mean"][True] - stats["mean"][False]
    assert len(diff) > 100
    assert diff.std() > 0.5
    assert (diff > 0.5).mean() > 0.15 and (diff < -0.5).mean() > 0.15


def test_titles_are_made_of_the_words_in_the_package_data_file(movies: pd.DataFrame) -> None:
    words = json.loads(resources.files("cf.data").joinpath("demo_words.json").read_text(encoding="utf-8"))
    assert set(words["genres"]) == set(GENRES)
    vocabulary = {"The", "A", "An", "of", "the"} | set(words["suffixes"])
    for pool in [*words["genres"].values(), words["generic"]]:
        vocabulary |= set(pool["adjectives"]) | set(pool["nouns"])
    for title in movies["title"]:
        name = YEAR_RE.match(title).group(0).rsplit(" (", 1)[0]
        assert set(name.split()) - vocabulary <= {str(k) for k in range(2, 100)}, title  # "... 2": a clash


def test_the_word_file_ships_with_the_package() -> None:
    with open(Path(__file__).parents[1] / "pyproject.toml", "rb") as file:
        package_data = tomllib.load(file)["tool"]["setuptools"]["package-data"]
    assert "*.json" in package_data["cf.data"]
