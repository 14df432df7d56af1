"""Generated, deterministic demo dataset in the MovieLens "latest" layout.

The app opens on this dataset when nothing is uploaded. The data are drawn
from a planted taste model so that a matrix-factorisation model trained on
them finds genre regions in its movie embeddings:

* every genre has a direction in a small latent space; the directions lie
  roughly on a "genre wheel" in the first two dimensions, so related genres
  (Horror, Thriller, Mystery) sit next to each other;
* a movie's latent vector is the mix of its genres' directions plus noise,
  and it has a quality (movie bias) that depends a little on its genres;
* a user's taste vector points towards one to three favourite genres, and
  the user has a bias;
* ``rating = mean + user bias + movie bias + <user, movie> + noise`` passed
  through a concave map (left skew, as in MovieLens), clipped and rounded to
  whole or half stars.

Who rates what follows a power law in movie popularity, a long-tailed user
activity and a mild selection bias towards movies the user likes. Users rate
in sessions spread over years, never before a movie's release year, and only
use half stars from 2003 on (as on MovieLens).
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from cf.data.demo_titles import make_titles
from cf.data.readers import load_movies, load_ratings
from cf.data.tables import Movies, Ratings

__all__ = ["GENRES", "make_demo_frames"]

#: MovieLens genre names, with the share of MovieLens movies carrying each.
_GENRE_SHARE: dict[str, float] = {
    "Action": 0.14,
    "Adventure": 0.09,
    "Animation": 0.05,
    "Children": 0.05,
    "Comedy": 0.30,
    "Crime": 0.11,
    "Documentary": 0.07,
    "Drama": 0.45,
    "Fantasy": 0.06,
    "Film-Noir": 0.005,
    "Horror": 0.10,
    "Musical": 0.02,
    "Mystery": 0.06,
    "Romance": 0.15,
    "Sci-Fi": 0.07,
    "Thriller": 0.17,
    "War": 0.03,
    "Western": 0.02,
}
GENRES: tuple[str, ...] = tuple(_GENRE_SHARE)

#: Position of each genre on the genre wheel (degrees); neighbours are alike.
_GENRE_ANGLE: dict[str, float] = {
    "Sci-Fi": 0,
    "Action": 20,
    "Adventure": 40,
    "Fantasy": 65,
    "Animation": 90,
    "Children": 105,
    "Musical": 125,
    "Comedy": 145,
    "Romance": 170,
    "Drama": 195,
    "Documentary": 215,
    "War": 235,
    "Western": 255,
    "Crime": 275,
    "Film-Noir": 290,
    "Mystery": 310,
    "Thriller": 325,
    "Horror": 342,
}

#: Genre effect on a movie's quality (movie bias), in stars.
_GENRE_QUALITY: dict[str, float] = {
    "Documentary": 0.25,
    "Film-Noir": 0.3,
    "War": 0.2,
    "Drama": 0.1,
    "Crime": 0.1,
    "Mystery": 0.05,
    "Animation": 0.1,
    "Comedy": -0.1,
    "Horror": -0.35,
    "Children": -0.15,
    "Action": -0.05,
}

_DIM = 6  # latent dimensions
_CHUNK = 512  # users per chunk when choosing the rated movies
_ZIPF_EXPONENT = 1.5  # popularity ~ (rank + offset) ** -exponent
_ZIPF_OFFSET = 10.0
_SELECTION = 0.6  # strength of "users rate what they expect to like"
_MEAN = 3.2  # location of the star scale before the concave map
_SKEW = 0.4  # curvature of the concave map (left skew of ratings)
_SCALE = 1.2  # stretch of the star scale
_NOISE = 0.55  # rating noise (stars, before the map)
_T0 = 822_873_600  # 1996-01-29, start of the rating period
_T1 = 1_703_980_800  # 2023-12-31
_HALF_STARS_FROM = 1_045_526_400  # 2003-02-18, MovieLens got half stars


def make_demo_frames(
    seed: int = 7,
    n_users: int = 600,
    n_movies: int = 1500,
    n_ratings: int = 100_000,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Generate a deterministic demo dataset in the MovieLens latest layout.

    Parameters
    ----------
    seed : int
        Seed of the ``numpy.random.default_rng`` that draws everything; the
        same seed (and sizes) always gives identical frames.
    n_users : int
        Number of users (ids ``1..n_users``); each rates at least 5 movies.
    n_movies : int
        Number of movies (ids ``1..n_movies``).
    n_ratings : int
        Exact number of ratings; between ``5 * n_users`` and
        ``n_users * n_movies``.

    Returns
    -------
    ratings : pandas.DataFrame
        Columns ``userId`` (int64), ``movieId`` (int64), ``rating``
        (float64, half stars 0.5..5.0) and ``timestamp`` (int64, unix
        seconds), sorted by user and time; no (user, movie) pair repeats.
    movies : pandas.DataFrame
        Columns ``movieId`` (int64), ``title`` (str, e.g.
        ``"The Silent Harbor (1987)"``, unique) and ``genres`` (str,
        ``"|"``-joined MovieLens genre names in alphabetical order).

    Raises
    ------
    ValueError
        If a size is not positive, ``n_movies < 5`` or ``n_ratings`` is out
        of range.

    Notes
    -----
    Ratings follow a planted low-rank taste model (see the module
    docstring), so a matrix-factorisation model recovers genre regions in
    its movie embeddings and clearly beats a bias-only baseline. The
    default size takes a fraction of a second.

    Examples
    --------
    >>> ratings, movies = make_demo_frames()
    >>> len(ratings), len(movies)
    (100000, 1500)
    """
    _check_sizes(n_users, n_movies, n_ratings)
    rng = np.random.default_rng(seed)
    directions = _genre_directions(rng)
    member, primary = _assign_genres(rng, n_movies)
    years = _movie_years(rng, member)
    item_vec, quality = _movie_factors(rng, member, primary, directions)
    user_vec, user_bias = _user_factors(rng, n_users, directions)
    users, items, times = _draw_events(rng, n_ratings, (user_vec, item_vec, quality), _year_start(years))
    raw = user_bias[users] + quality[items] + np.einsum("ij,ij->i", user_vec[users], item_vec[items])
    stars = _to_stars(rng, raw, users, times, n_users)
    order = np.lexsort((items, times, users))  # by user, then time
    ratings = pd.DataFrame(
        {
            "userId": users[order].astype(np.int64) + 1,
            "movieId": items[order].astype(np.int64) + 1,
            "rating": stars[order],
            "timestamp": times[order].astype(np.int64),
        }
    )
    return ratings, _movie_frame(rng, member, primary, years)


def _draw_events(
    rng: np.random.Generator,
    n_ratings: int,
    taste: tuple[np.ndarray, np.ndarray, np.ndarray],
    release: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Draw who rates which movie when, ``n_ratings`` distinct pairs.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    n_ratings : int
        Number of (user, movie) pairs to draw.
    taste : tuple of numpy.ndarray
        User taste vectors, movie vectors and movie qualities.
    release : numpy.ndarray
        Release time (unix seconds) of each movie.

    Returns
    -------
    users, items, times : numpy.ndarray
        0-based user and movie indices and unix timestamps of the ratings.
    """
    n_users = len(taste[0])
    activity = _draw_activity(rng, n_users, n_ratings)
    session_t, session_start = _draw_sessions(rng, activity)
    cap, last_eff = _capacity(release, session_t[session_start[1:] - 1], n_ratings)
    counts = _allocate(n_ratings, activity, cap)
    users, items = _select_pairs(rng, counts, taste, _popularity(rng, taste[2]), release, last_eff)
    released = np.where(last_eff[users] == np.iinfo(np.int64).max, 0, release[items])
    times = _rating_times(rng, users, released, session_t, session_start)
    return users, items, times


def _check_sizes(n_users: int, n_movies: int, n_ratings: int) -> None:
    """Raise ``ValueError`` unless the requested sizes can be honoured."""
    if min(n_users, n_movies, n_ratings) <= 0:
        raise ValueError("n_users, n_movies and n_ratings must be positive")
    if n_movies < 5:
        raise ValueError("n_movies must be at least 5")
    if not 5 * n_users <= n_ratings <= n_users * n_movies:
        raise ValueError(
            f"n_ratings must lie in [5 * n_users, n_users * n_movies] = "
            f"[{5 * n_users}, {n_users * n_movies}], got {n_ratings}"
        )


def _gumbel_top(keys: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Column order of each row by ``keys`` + Gumbel noise, best first.

    Taking the first ``k`` columns of a row samples ``k`` columns without
    replacement with probabilities proportional to ``exp(keys)``.
    """
    noisy = keys + rng.gumbel(size=keys.shape)
    return np.argsort(-noisy, axis=1, kind="stable")


def _genre_directions(rng: np.random.Generator) -> np.ndarray:
    """Latent direction of each genre, shape ``(len(GENRES), _DIM)``.

    The first two coordinates put the genres on a wheel (unit circle), the
    other ones are smaller random offsets that tell neighbours apart.
    """
    angle = np.deg2rad([_GENRE_ANGLE[g] for g in GENRES])
    rest = rng.normal(0.0, 0.45, size=(len(GENRES), _DIM - 2))
    return np.column_stack([np.cos(angle), np.sin(angle), rest])


def _assign_genres(rng: np.random.Generator, n_movies: int) -> tuple[np.ndarray, np.ndarray]:
    """Draw 1-3 genres per movie.

    The primary genre follows the MovieLens genre shares; extra genres
    favour neighbours of the primary genre on the wheel (Crime|Thriller,
    Drama|Romance, Action|Sci-Fi are common pairs).

    Returns
    -------
    member : numpy.ndarray
        Boolean genre membership, shape ``(n_movies, len(GENRES))``.
    primary : numpy.ndarray
        Index of each movie's primary genre.
    """
    share = np.array([_GENRE_SHARE[g] for g in GENRES])
    primary = rng.choice(len(GENRES), size=n_movies, p=share / share.sum())
    n_extra = rng.choice(3, size=n_movies, p=[0.45, 0.37, 0.18])
    angle = np.deg2rad([_GENRE_ANGLE[g] for g in GENRES])
    affinity = 2.5 * np.cos(angle[:, None] - angle[None, :])
    keys = np.log(share)[None, :] + affinity[primary]
    keys[np.arange(n_movies), primary] = -np.inf
    extra = _gumbel_top(keys, rng)[:, :2]
    member = np.zeros((n_movies, len(GENRES)), dtype=bool)
    member[np.arange(n_movies), primary] = True
    for j in range(2):
        rows = np.flatnonzero(n_extra > j)
        member[rows, extra[rows, j]] = True
    return member, primary


def _movie_years(rng: np.random.Generator, member: np.ndarray) -> np.ndarray:
    """Release years in 1930..2023, skewed to recent; Film-Noir 1940-1958."""
    years = 1930 + np.floor(94 * rng.beta(3.0, 1.2, size=len(member)))
    noir = member[:, GENRES.index("Film-Noir")]
    years[noir] = rng.integers(1940, 1959, size=int(noir.sum()))
    return years.astype(np.int64)


def _year_start(years: np.ndarray) -> np.ndarray:
    """Unix time (seconds) of 1 January of each year."""
    days = (years - 1970) * 365 + (years - 1969) // 4
    return days.astype(np.int64) * 86_400


def _movie_factors(
    rng: np.random.Generator,
    member: np.ndarray,
    primary: np.ndarray,
    directions: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Latent vectors (genre mix + noise) and qualities of the movies."""
    weight = member.astype(float)
    weight[np.arange(len(member)), primary] += 1.0  # primary genre counts 2x
    weight /= weight.sum(axis=1, keepdims=True)
    vec = weight @ directions + rng.normal(0.0, 0.3, (len(member), _DIM))
    genre_q = np.array([_GENRE_QUALITY.get(g, 0.0) for g in GENRES])
    quality = weight @ genre_q + rng.normal(0.0, 0.4, len(member))
    return vec, quality


def _user_factors(rng: np.random.Generator, n_users: int, directions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Taste vectors (towards 1-3 favourite genres) and biases of users."""
    share = np.array([_GENRE_SHARE[g] for g in GENRES])
    n_fav = rng.choice([1, 2, 3], size=n_users, p=[0.25, 0.5, 0.25])
    order = _gumbel_top(np.tile(0.6 * np.log(share), (n_users, 1)), rng)
    fav = np.zeros((n_users, len(GENRES)))
    for j in range(3):
        rows = np.flatnonzero(n_fav > j)
        fav[rows, order[rows, j]] = 1.0
    strength = rng.lognormal(np.log(0.6), 0.35, size=n_users)
    vec = (fav @ directions) * (strength / np.sqrt(n_fav))[:, None]
    vec += rng.normal(0.0, 0.2, size=(n_users, _DIM))
    return vec, rng.normal(0.0, 0.35, size=n_users)


def _draw_activity(rng: np.random.Generator, n_users: int, n_ratings: int) -> np.ndarray:
    """Expected number of ratings per user (log-logistic, long-tailed).

    Stratified quantiles (one per user, in random order) keep the shape of
    the tail stable across seeds: there is always a handful of heavy users.
    """
    q = (rng.permutation(n_users) + rng.random(n_users)) / n_users
    weight = (q / (1.0 - q)) ** (1.0 / 2.0)
    return n_ratings * weight / weight.sum()


def _draw_sessions(rng: np.random.Generator, activity: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rating sessions of each user, spread over the user's active years.

    Returns
    -------
    times : numpy.ndarray
        Session start times (int64 unix seconds), grouped by user and sorted
        in time within a user; the first session is the sign-up day.
    start : numpy.ndarray
        Offsets: the sessions of user ``u`` are ``times[start[u]:start[u+1]]``.
    """
    n_users = len(activity)
    n_sess = 1 + rng.poisson(np.sqrt(activity) / 3)
    n_sess[rng.random(n_users) < 0.1] = 1  # one-day users
    first = rng.uniform(_T0, _T1 - 30 * 86_400, size=n_users)
    span = 86_400 * rng.lognormal(np.log(120), 1.5, size=n_users)
    owner = np.repeat(np.arange(n_users), n_sess)
    start = np.concatenate([[0], np.cumsum(n_sess)])
    frac = rng.random(len(owner))
    frac[start[:-1]] = 0.0
    times = np.minimum(first[owner] + span[owner] * frac, _T1 - 86_400)
    times = times.astype(np.int64)
    return times[np.lexsort((times, owner))], start


def _eligible_counts(release: np.ndarray, last_t: np.ndarray) -> np.ndarray:
    """Number of movies released before each user's last session."""
    return np.searchsorted(np.sort(release), last_t, side="right")


def _allocate(total: int, weight: np.ndarray, cap: np.ndarray, low: int = 5) -> np.ndarray:
    """Integers ``low <= n <= cap`` summing to ``total``, ``n ~ c * weight``.

    Finds the scale ``c`` by bisection, then rounds by largest remainder.
    The caller guarantees ``cap >= low`` and
    ``n * low <= total <= cap.sum()``.
    """

    def fill(c: float) -> np.ndarray:
        return np.clip(c * weight, low, cap)

    lo, hi = 0.0, 1.0
    while fill(hi).sum() < total:
        hi *= 2.0
    for _ in range(100):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if fill(mid).sum() < total else (lo, mid)
    x = fill(hi)
    n = np.floor(x).astype(np.int64)
    frac = np.where(n < cap, x - n, -1.0)
    deficit = total - int(n.sum())
    n[np.argsort(-frac, kind="stable")[:deficit]] += 1
    return n


def _popularity(rng: np.random.Generator, quality: np.ndarray) -> np.ndarray:
    """Zipf-like popularity weights; better movies tend to be more popular."""
    score = quality + rng.normal(0.0, 0.6, size=len(quality))
    rank = np.empty(len(quality))
    rank[np.argsort(-score, kind="stable")] = np.arange(len(quality))
    return (rank + _ZIPF_OFFSET) ** -_ZIPF_EXPONENT


def _capacity(release: np.ndarray, last_t: np.ndarray, n_ratings: int) -> tuple[np.ndarray, np.ndarray]:
    """How many movies each user can rate, and the user's effective end.

    A user only rates movies released before the user's last session. Users
    who would have fewer than 5 such movies (tiny catalogues), or all users
    when the release constraint leaves too few pairs, ignore release dates.
    Where possible nobody rates more than 85% of the catalogue.

    Returns
    -------
    cap : numpy.ndarray
        Maximum number of ratings of each user.
    last_eff : numpy.ndarray
        Last session time, or the int64 maximum for users ignoring releases.
    """
    cap = _eligible_counts(release, last_t)
    free = cap < 5
    if np.where(free, len(release), cap).sum() < n_ratings:
        free[:] = True
    cap = np.where(free, len(release), cap)
    limited = np.minimum(cap, max(5, int(0.85 * len(release))))
    if limited.sum() >= n_ratings:  # nobody rates the whole catalogue
        cap = limited
    return cap, np.where(free, np.iinfo(np.int64).max, last_t)


def _coverage(
    rng: np.random.Generator,
    counts: np.ndarray,
    release: np.ndarray,
    last_eff: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Pick a "discoverer" user for every movie so that each gets a rating.

    The discoverer is drawn among the users who can rate the movie, in
    proportion to their number of ratings; a user keeps at most ``counts``
    forced movies. Returns the forced ``(user, movie)`` index pairs.
    """
    by_end = np.argsort(last_eff, kind="stable")
    cum = np.cumsum(counts[by_end]).astype(float)
    first = np.searchsorted(last_eff[by_end], release, side="left")
    before = np.where(first > 0, cum[np.maximum(first - 1, 0)], 0.0)
    width = cum[-1] - before
    movies = np.flatnonzero(width > 0)
    draw = before[movies] + rng.random(len(movies)) * width[movies]
    pos = np.minimum(np.searchsorted(cum, draw, side="right"), len(cum) - 1)
    users = by_end[pos]
    order = np.lexsort((rng.random(len(users)), users))
    users, movies = users[order], movies[order]
    rank = np.arange(len(users)) - np.searchsorted(users, users, side="left")
    keep = rank < counts[users]
    return users[keep], movies[keep]


def _select_pairs(
    rng: np.random.Generator,
    counts: np.ndarray,
    taste: tuple[np.ndarray, np.ndarray, np.ndarray],
    popularity: np.ndarray,
    release: np.ndarray,
    last_eff: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Choose which movies each user rates, ``counts[u]`` distinct ones.

    Sampling without replacement (Gumbel top-k) with weights
    ``popularity * exp(_SELECTION * expected appeal)`` among released
    movies, after the forced coverage pairs. Users are processed in chunks
    to bound memory.
    """
    user_vec, item_vec, quality = taste
    forced = np.zeros((len(counts), len(release)), dtype=bool)
    forced[_coverage(rng, counts, release, last_eff)] = True
    users, items = [], []
    for lo in range(0, len(counts), _CHUNK):
        rows = np.arange(lo, min(lo + _CHUNK, len(counts)))
        keys = np.log(popularity) + _SELECTION * (user_vec[rows] @ item_vec.T + quality)
        keys[release[None, :] > last_eff[rows, None]] = -np.inf
        keys[forced[rows]] = np.inf
        order = _gumbel_top(keys, rng)
        take = np.arange(len(release))[None, :] < counts[rows, None]
        users.append(np.repeat(rows, counts[rows]))
        items.append(order[take])
    return np.concatenate(users), np.concatenate(items)


def _rating_times(
    rng: np.random.Generator,
    users: np.ndarray,
    release: np.ndarray,
    session_t: np.ndarray,
    session_start: np.ndarray,
) -> np.ndarray:
    """Timestamp of each rating: a session of the user after the release.

    Earlier sessions are favoured (people rate most right after signing
    up); within a session ratings are spread over up to three hours.
    """
    owner = np.repeat(np.arange(len(session_start) - 1), np.diff(session_start))
    key = (owner << 32) + session_t
    first = np.searchsorted(key, (users << 32) + release, side="left")
    n_open = session_start[users + 1] - first
    pick = first + np.floor(n_open * rng.random(len(users)) ** 2)
    offset = rng.integers(0, 3 * 3_600, size=len(users))
    return session_t[pick.astype(np.int64)] + offset


def _to_stars(
    rng: np.random.Generator,
    raw: np.ndarray,
    users: np.ndarray,
    times: np.ndarray,
    n_users: int,
) -> np.ndarray:
    """Turn planted scores into MovieLens star ratings.

    Adds noise, applies a concave map (long left tail, as real ratings),
    then rounds to whole stars, or to half stars for the users who use
    them (from 2003 on, and not always: whole stars stay more common).
    """
    z = raw + rng.normal(0.0, _NOISE, size=len(raw))
    value = _MEAN + _SCALE * (1.0 - np.exp(-_SKEW * z)) / _SKEW
    uses_half = rng.random(n_users) < 0.85
    p_half = np.where(uses_half, rng.beta(6.0, 1.5, size=n_users), 0.0)
    half = (times >= _HALF_STARS_FROM) & (rng.random(len(raw)) < p_half[users])
    stars = np.where(half, np.clip(np.round(2 * value) / 2, 0.5, 5.0), np.clip(np.round(value), 1.0, 5.0))
    return stars.astype(np.float64)


def _movie_frame(
    rng: np.random.Generator,
    member: np.ndarray,
    primary: np.ndarray,
    years: np.ndarray,
) -> pd.DataFrame:
    """The movies table: ids, titles with year, ``|``-joined genres."""
    genres = ["|".join(GENRES[g] for g in np.flatnonzero(row)) for row in member]
    names = make_titles(rng, member, primary, GENRES)
    return pd.DataFrame(
        {
            "movieId": np.arange(1, len(member) + 1, dtype=np.int64),
            "title": [f"{n} ({y})" for n, y in zip(names, years)],
            "genres": genres,
        }
    )


@functools.lru_cache(maxsize=2)
def load_demo(seed: int = 7) -> tuple[Ratings, Movies]:
    """The demo dataset as validated :class:`~cf.data.Ratings` and :class:`~cf.data.Movies` (cached)."""
    ratings, movies = make_demo_frames(seed)
    return load_ratings(ratings, name="demo ratings"), load_movies(movies, name="demo movies")
