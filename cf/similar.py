"""Similar movies: the one definition of "movies most like X", used by every screen, the report and the CLI.

Two movies match when **the same people watch them** and **rate them alike**. The match is
the mean of two correlations over the ratings the model learnt from:

* *watched together*: the phi coefficient of "rated a" and "rated b" over all users, so a
  movie everyone watches is no closer to anything than chance says (this is what keeps
  Forrest Gump off every list);
* *rated alike*: the cosine of the two movies' ratings centred on each user's own average
  (adjusted cosine).

Both run from -1 to 1; their mean is shrunk towards 0 when few people rated both movies (by
``n / (n + SHRINKAGE)`` for ``n`` common raters), and the match is shown as 0-100% (negative values as 0). Files without
stars (who watched what) have only the first part, which is then the match. Only movies with
at least :data:`MIN_RATINGS` ratings are offered, as rarely rated ones match by chance.

Measured on MovieLens latest-small (``python -m benchmarks.similar``): over the 300 most rated
movies, 68% of the top-10 matches share a genre other than Drama and Comedy with the movie,
against 42% for a list of the most popular movies; the model's embedding directions reach 51%.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

MIN_RATINGS = 10
"""Fewest ratings for a movie to be offered as similar (fewer when no movie has that many)."""
SHRINKAGE = 10.0
"""The match of two movies with ``n`` common raters is scaled by ``n / (n + SHRINKAGE)``."""
CACHE_BYTES = 64 << 20
"""Memory for the rows of matches kept for reuse (the movies picked for many people's lists)."""
SIMILARITY_KEY = "_movie_similarity"
"""Where :func:`for_recommender` keeps the fitted :class:`MovieSimilarity` on a recommender."""


@dataclass
class MovieSimilarity:
    """Who rated what, indexed for one movie's matches at a time (one sparse product each).

    Attributes
    ----------
    by_user, by_movie
        The ratings centred on each user's mean, users x movies (CSR and CSC of the same matrix).
    watched
        The same pattern with every value 1 (CSR), for counting common raters.
    counts, norms
        Each movie's number of ratings and the length of its centred column.
    """

    by_user: sp.csr_matrix
    by_movie: sp.csc_matrix
    watched: sp.csr_matrix
    counts: np.ndarray
    norms: np.ndarray

    def __post_init__(self) -> None:
        self.has_stars = bool(np.any(self.norms > 0))
        self._rows: dict[int, np.ndarray] = {}
        self._max_rows = max(16, CACHE_BYTES // max(4 * len(self.counts), 1))

    @classmethod
    def fit(cls, users: np.ndarray, items: np.ndarray, ratings: np.ndarray, n_users: int, n_items: int):
        """Index the ratings (user and movie indices, stars); one rating per pair."""
        users, items = np.asarray(users, np.int64), np.asarray(items, np.int64)
        ratings = np.asarray(ratings, np.float64)
        per_user = np.bincount(users, minlength=n_users)
        means = np.bincount(users, ratings, minlength=n_users) / np.maximum(per_user, 1)
        centred = (ratings - means[users]).astype(np.float32)
        by_user = sp.csr_matrix((centred, (users, items)), shape=(n_users, n_items))
        by_user.sort_indices()
        watched = sp.csr_matrix((np.ones_like(by_user.data), by_user.indices, by_user.indptr), shape=by_user.shape)
        counts = np.bincount(items, minlength=n_items).astype(np.float64)
        norms = np.sqrt(np.bincount(items, centred.astype(np.float64) ** 2, minlength=n_items))
        return cls(by_user, by_user.tocsc(), watched, counts, norms)

    @property
    def nbytes(self) -> int:
        """Memory held: the two orientations of the ratings, the counts and the rows kept for reuse."""
        arrays = [self.by_user.data, self.by_user.indices, self.by_user.indptr, self.watched.data]
        arrays += [self.by_movie.data, self.by_movie.indices, self.by_movie.indptr, self.counts, self.norms]
        return sum(a.nbytes for a in arrays) + sum(row.nbytes for row in self._rows.values())

    @property
    def n_users(self) -> int:
        return self.by_user.shape[0]

    def scores(self, item: int) -> np.ndarray:
        """The match of every movie with movie ``item`` (-1 to 1; itself and unrated movies 0), read-only."""
        row = self._rows.get(item)
        if row is None:
            row = self._compute(item).astype(np.float32)
            row.flags.writeable = False
            if len(self._rows) >= self._max_rows:
                self._rows.pop(next(iter(self._rows)))  # the oldest
            self._rows[item] = row
        return row

    def _compute(self, item: int) -> np.ndarray:
        start, stop = self.by_movie.indptr[item], self.by_movie.indptr[item + 1]
        raters, centred = self.by_movie.indices[start:stop], self.by_movie.data[start:stop]
        common = np.asarray(self.watched[raters].sum(axis=0)).ravel()
        alike = np.asarray(centred @ self.by_user[raters]).ravel()
        alike /= self.norms * self.norms[item] + 1e-9
        together = phi(common, self.counts[item], self.counts, self.n_users)
        match = (together + alike) / 2 if self.has_stars else together
        match *= common / (common + SHRINKAGE)  # a few common raters prove little
        match[item] = 0.0
        return match

    def eligible(self) -> np.ndarray:
        """Movies rated often enough to be offered as a match."""
        return self.counts >= min(MIN_RATINGS, max(float(self.counts.max(initial=0)), 1.0))

    def most_similar(self, item: int, n: int = 10) -> tuple[np.ndarray, np.ndarray]:
        """The ``n`` best matches of movie ``item`` (indices, best first) and their match (-1 to 1)."""
        match = self.scores(item).astype(np.float64)
        allowed = self.eligible()
        allowed[item] = False
        candidates = np.flatnonzero(allowed & (self.counts > 0))
        order = candidates[np.lexsort((candidates, -match[candidates]))][: max(0, n)]
        return order, match[order]


def phi(common: np.ndarray, n_a: float, n_b: np.ndarray, n_users: int) -> np.ndarray:
    """The phi coefficient of "rated a" and "rated b" over ``n_users`` (0 where either is rated by all or none)."""
    n_b = np.asarray(n_b, np.float64)
    spread = n_a * n_b * (n_users - n_a) * (n_users - n_b)
    out = (n_users * np.asarray(common, np.float64) - n_a * n_b) / np.sqrt(np.where(spread > 0, spread, 1.0))
    return np.where(spread > 0, out, 0.0)


def for_recommender(rec) -> MovieSimilarity:
    """The :class:`MovieSimilarity` of a :class:`cf.recommend.Recommender`'s ratings, built once and kept on it."""
    cached = rec.__dict__.get(SIMILARITY_KEY)
    if cached is None:
        known = rec.known
        cached = MovieSimilarity.fit(
            known["user"].to_numpy(), known["item"].to_numpy(), known["rating"].to_numpy(),
            len(rec.users), len(rec.items),
        )  # fmt: skip
        rec.__dict__[SIMILARITY_KEY] = cached
    return cached


def similar_movies(rec, item: int, n: int = 10) -> pd.DataFrame:
    """The ``n`` movies most like movie index ``item``: :meth:`Recommender.describe`'s columns and ``match`` (0-1)."""
    rows, match = for_recommender(rec).most_similar(int(item), n)
    table = rec.describe(rows)
    table.insert(3, "match", np.clip(match, 0.0, 1.0))
    return table


def match_between(rec, item: int, others: np.ndarray) -> np.ndarray:
    """The match (-1 to 1) of movie index ``item`` with each of ``others``."""
    return for_recommender(rec).scores(int(item))[np.asarray(others, np.int64)]


BROAD_GENRES = frozenset({"Drama", "Comedy"})
"""Genres too common to say two movies are of the same kind (half the catalogue lists one)."""


def same_kind(genres_a: set[str] | list[str], genres_b: set[str] | list[str]) -> bool:
    """Whether two movies share a genre other than the :data:`BROAD_GENRES`."""
    return bool((set(genres_a) - BROAD_GENRES) & (set(genres_b) - BROAD_GENRES))


def kind_agreement(lists: dict[int, np.ndarray], genre_lists: list[list[str]]) -> float:
    """How often a listed movie is of the same kind as the movie it is listed for.

    ``lists`` maps a movie index to its similar movies (indices). Movies whose only genres are
    broad ones are skipped (nothing to agree on). Returns the share of listed movies that share a
    genre other than Drama and Comedy with theirs (see :func:`same_kind`).
    """
    hits = [
        same_kind(genre_lists[movie], genre_lists[int(other)])
        for movie, others in lists.items()
        if set(genre_lists[movie]) - BROAD_GENRES
        for other in others
    ]
    return float(np.mean(hits)) if hits else float("nan")
