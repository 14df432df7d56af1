"""The one definition of similar movies (:mod:`cf.similar`): well-known pairs on MovieLens latest-small, the rest on
the demo data."""

import numpy as np
import pytest

import cf
from cf.similar import MovieSimilarity, kind_agreement, phi


def _similarity(ratings: cf.Ratings, movies: cf.Movies):
    """The similarity of ``ratings``, its titles and genre lists by movie index."""
    frame = ratings.frame
    users, items = cf.IdMap.from_values(frame["user"]), cf.IdMap.from_values(frame["item"])
    similarity = MovieSimilarity.fit(
        users.to_index(frame["user"]), items.to_index(frame["item"]), frame["rating"].to_numpy(),
        len(users), len(items),
    )  # fmt: skip
    meta = movies.frame.reindex(items.ids)
    titles = meta["title"].to_numpy()
    genre_lists = [g if isinstance(g, list) else [] for g in meta["genres"]]
    return similarity, titles, genre_lists


@pytest.fixture(scope="module")
def small(ml_small_ratings_path, ml_small_movies_path):
    """The similarity of latest-small's ratings, its titles and genre lists by movie index."""
    return _similarity(cf.load_ratings(ml_small_ratings_path), cf.load_movies(ml_small_movies_path))


@pytest.fixture(scope="module")
def demo(demo_data):
    """The similarity of the demo data's ratings (planted genre tastes), its titles and genre lists."""
    return _similarity(*demo_data)


def _titles(small, title: str, n: int = 10) -> list[str]:
    similarity, titles, _ = small
    rows, _ = similarity.most_similar(int(np.flatnonzero(titles == title)[0]), n)
    return [str(t) for t in titles[rows]]


@pytest.mark.movielens
def test_real_titles_are_most_like_films_of_their_kind(small):
    """Toy Story, Notting Hill and Alien on latest-small, in one test (each MovieLens test counts against a
    fresh clone)."""
    found = _titles(small, "Toy Story (1995)")
    assert found[0] == "Toy Story 2 (1999)"
    assert {"Toy Story 3 (2010)", "Monsters, Inc. (2001)", "Aladdin (1992)"} <= set(found)
    assert "Forrest Gump (1994)" not in found  # the most rated movie is not like everything
    _, titles, genre_lists = small
    found = _titles(small, "Notting Hill (1999)")
    assert {"Bridget Jones's Diary (2001)", "You've Got Mail (1998)"} <= set(found)
    romance = sum("Romance" in genre_lists[int(np.flatnonzero(titles == t)[0])] for t in found)
    assert romance >= 7
    found = _titles(small, "Alien (1979)")
    assert found[0] == "Aliens (1986)" and "Blade Runner (1982)" in found


def test_matches_beat_a_most_popular_list_by_a_clear_margin(demo):
    similarity, _, genre_lists = demo
    checked = np.argsort(-similarity.counts, kind="stable")[:300]
    popular = checked[:11]
    matches = {int(m): similarity.most_similar(int(m), 10)[0] for m in checked}
    most_rated = {int(m): popular[popular != m][:10] for m in checked}
    ours, baseline = kind_agreement(matches, genre_lists), kind_agreement(most_rated, genre_lists)
    assert ours > baseline + 0.15, (ours, baseline)
    ranks = np.empty(len(similarity.counts))
    ranks[np.argsort(-similarity.counts, kind="stable")] = np.arange(len(ranks))
    assert np.median(ranks[np.concatenate(list(matches.values()))]) > 50  # not the same few famous films


def test_match_is_symmetric_in_range_and_offers_only_supported_movies(demo):
    similarity, _, _ = demo
    a, b = (int(m) for m in np.argsort(-similarity.counts, kind="stable")[:2])  # the two most rated
    assert similarity.scores(a)[b] == pytest.approx(similarity.scores(b)[a], rel=1e-5)
    rows, match = similarity.most_similar(a, 50)
    assert np.all(np.diff(match) <= 0) and np.all(np.abs(match) <= 1)
    assert (similarity.counts[rows] >= 10).all() and a not in rows


def test_phi_is_zero_for_a_movie_everyone_rated():
    assert phi(np.array([10.0, 5.0]), 10.0, np.array([100.0, 10.0]), 100)[0] == 0.0
    assert phi(np.array([10.0]), 10.0, np.array([10.0]), 100)[0] == pytest.approx(1.0)


def test_recommender_similar_movies_give_the_same_list(demo, demo_data):
    ratings, movies = demo_data
    rec = cf.fit(ratings, cf.TrainConfig(epochs=1), movies=movies).recommender
    before = rec.nbytes()
    similarity, titles, _ = demo
    best_known = int(np.argmax(similarity.counts))
    table = rec.similar_movies(rec.items.ids[best_known], 10)
    assert table["title"].tolist() == _titles(demo, titles[best_known])
    assert rec.nbytes() > before + 10 * len(rec.known)  # the indexed ratings count in the model's memory
    assert table["match"].between(0, 1).all() and table["match"].is_monotonic_decreasing
