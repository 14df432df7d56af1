"""The top-N and new-person protocols and taste profiles of new people (on the demo data's split; the protocols'
figures on MovieLens's benchmark split)."""

import json

import numpy as np
import pandas as pd
import pytest

import cf
from cf.evaluation import TopNReport, evaluate_new_people, evaluate_topn
from tests.helpers import movies_path, split_paths

ROMANCE_SIDE = "Romance|Comedy|Drama|Musical"
DARK_SIDE = "Horror|Thriller|Mystery|Crime|Film-Noir"
"""The two sides of the demo data's planted genre wheel (neighbours are alike): a taste for Romance reaches Comedy,
Drama and Musical, one for Horror reaches Thriller, Mystery and Crime (and Horror films are planted as poorer films,
so a horror fan's best picks are more often its neighbours than Horror itself)."""


def _fit(train_path, test_path, movies_file):
    train, test = cf.load_ratings(train_path), cf.load_ratings(test_path)
    rec = cf.fit(train, cf.TrainConfig(epochs=4), movies=cf.load_movies(movies_file)).recommender
    return rec, train, test


@pytest.fixture(scope="module")
def fitted(demo_split_dir):
    """The default model on the demo data's training split, with its test split."""
    return _fit(demo_split_dir / "train.csv", demo_split_dir / "test.csv", demo_split_dir / "movies.csv")


@pytest.fixture(scope="module")
def fitted_movielens():
    """The default model on MovieLens latest-small's benchmark split (real titles, the published figures)."""
    return _fit(*split_paths(), movies_path())


@pytest.fixture(scope="module")
def report(fitted):
    rec, _, test = fitted
    return evaluate_topn(rec, test)


@pytest.fixture(scope="module")
def report_movielens(fitted_movielens):
    rec, _, test = fitted_movielens
    return evaluate_topn(rec, test)


def test_topn_counts_the_people_with_a_loved_held_out_movie(fitted, report):
    rec, train, test = fitted
    loved = test.frame[(test.frame["rating"] >= 4) & test.frame["user"].isin(train.frame["user"])]
    assert report.n_people == loved["user"].nunique()
    assert report.k == 10 and len(report.model.per_person["ndcg"]) == report.n_people


def test_the_item_model_beats_most_popular_on_the_demo_data_and_says_by_how_much(report):
    model, popular = report.model, report.popular
    assert model.ndcg > popular.ndcg and model.precision > popular.precision
    assert model.coverage > popular.coverage and model.personalisation > popular.personalisation
    assert report.lift() == pytest.approx(model.precision / popular.precision) and report.lift() > 1
    assert f"{report.lift():.1f}x" in report.sentence()


@pytest.mark.movielens
def test_the_item_model_beats_most_popular_and_ranking_by_stars(report_movielens):
    report = report_movielens
    model, popular, by_rating = report.model, report.popular, report.by_rating
    assert model.ndcg > 1.8 * popular.ndcg and model.hit_rate > popular.hit_rate + 0.15
    assert by_rating.ndcg < popular.ndcg  # the known gap: predicted stars rank a catalogue badly
    assert model.coverage > 3 * popular.coverage and model.personalisation > popular.personalisation
    assert report.lift() == pytest.approx(model.precision / popular.precision)
    assert f"{report.lift():.1f}x" in report.sentence()


@pytest.mark.movielens
def test_most_popular_lists_are_the_most_rated_unrated_movies(fitted_movielens, report_movielens):
    rec, train, _ = fitted_movielens
    report = report_movielens
    counts = train.frame["item"].value_counts()
    assert report.popular.mean_popularity > 0.9 * counts.iloc[:30].mean()
    assert report.popular.mean_popularity > report.model.mean_popularity


def test_a_top_n_sample_scores_a_seeded_random_subset_of_the_same_people(fitted, report):
    """``max_people``: the lists of that many of the eligible people, drawn by the seed; each scored as in the
    full report (their per-person figures are the full report's rows for them)."""
    rec, _, test = fitted
    sample = evaluate_topn(rec, test, max_people=200, seed=5)
    assert (sample.n_people, sample.n_eligible, sample.sampled) == (200, report.n_people, True)
    assert not report.sampled and report.n_eligible is None
    chosen = np.sort(np.random.default_rng(5).choice(report.n_people, 200, replace=False))
    for ranking in ("model", "popular", "by_rating"):
        full, part = getattr(report, ranking).per_person, getattr(sample, ranking).per_person
        for name in ("ndcg", "hit_rate", "precision"):
            assert np.array_equal(part[name], full[name][chosen]), (ranking, name)
    assert evaluate_topn(rec, test, max_people=200, seed=5).model.ndcg == sample.model.ndcg
    assert evaluate_topn(rec, test, max_people=200, seed=6).model.ndcg != sample.model.ndcg
    assert TopNReport.from_dict(sample.to_dict()).n_eligible == report.n_people
    assert evaluate_topn(rec, test, max_people=report.n_people).n_eligible is None  # all of them: no sample


def test_report_round_trips_through_plain_values(report):
    again = TopNReport.from_dict(report.to_dict())
    assert again.to_dict() == report.to_dict()


def test_held_out_scores_carry_the_baselines_and_top_n_and_round_trip_through_json(fitted):
    rec, _, test = fitted
    scores = cf.evaluate_all(rec, test)
    assert scores.n_test == test.n_ratings and scores.rmse < scores.bias_rmse < scores.global_mean_rmse
    assert scores.gain() == pytest.approx(1 - scores.rmse / scores.bias_rmse) and scores.gain() > 0
    assert scores.topn.model.ndcg > scores.topn.popular.ndcg
    plain = json.loads(json.dumps(scores.to_dict()))
    assert cf.Scores.from_dict(plain).to_dict() == scores.to_dict()
    assert cf.evaluate(rec, test).topn is None


@pytest.mark.movielens
def test_new_people_protocol_scores_fold_in_beside_most_popular():
    train_path, _ = split_paths()  # on the demo data most popular already finds a loved movie for everyone
    ratings = cf.load_ratings(train_path)
    results = evaluate_new_people(ratings, cf.TrainConfig(epochs=4), given=(5, 20), share=0.1, seed=1)
    assert [r.given for r in results] == [5, 20]
    for result in results:
        assert result.n_people >= 30
        assert result.rmse < result.baseline_rmse + 0.05
        assert result.topn.model.hit_rate > result.topn.popular.hit_rate
    assert results[1].rmse < results[0].rmse  # more ratings, better predictions


def test_new_people_protocol_on_the_demo_data_scores_each_count_of_ratings_given(demo_split_dir):
    ratings = cf.load_ratings(demo_split_dir / "train.csv")
    results = evaluate_new_people(ratings, cf.TrainConfig(epochs=4), given=(5, 20), share=0.1, seed=1)
    assert [r.given for r in results] == [5, 20]
    for result in results:
        assert result.n_people >= 30 and result.topn.n_people <= result.n_people
        assert result.rmse < result.baseline_rmse  # the fold-in beats the person's bias-only prediction
        assert result.topn.model.hit_rate > 0.5
    assert results[1].rmse < results[0].rmse  # more ratings, better predictions


def _genre_share(table, genre: str) -> float:
    return float(table["genres"].str.contains(genre).mean())


@pytest.fixture(scope="module")
def fans(demo_split_dir, fitted) -> dict[str, dict[int, float]]:
    """New people with a planted taste, as {movie id: stars}: a romance fan (the three most rated Romance-only
    movies at 5 stars, two Horror-only ones at 1) and a horror fan (five Horror-only at 5, two Romance-only at 1)."""
    _, train, _ = fitted
    movies = pd.read_csv(demo_split_dir / "movies.csv")
    counts = train.frame["item"].value_counts()

    def most_rated(genres: str, n: int) -> list[int]:
        ids = movies.loc[movies["genres"] == genres, "movieId"]
        return counts.reindex(ids).sort_values(ascending=False, kind="stable").index[:n].tolist()

    romance, horror = most_rated("Romance", 3), most_rated("Horror", 5)
    return {
        "romance": {**dict.fromkeys(romance, 5.0), **dict.fromkeys(horror[:2], 1.0)},
        "horror": {**dict.fromkeys(horror, 5.0), **dict.fromkeys(romance[:2], 1.0)},
    }


@pytest.mark.parametrize("rank_by", ["ranker", "rating"])
def test_a_romance_fan_who_dislikes_horror_gets_romance_not_the_worst_films(fitted, fans, rank_by):
    rec, train, _ = fitted
    picks = rec.recommend_for_ratings(fans["romance"], n=10, rank_by=rank_by)
    catalogue = train.frame.groupby("item")["rating"].mean()
    assert picks["mean_rating"].mean() > catalogue.median()  # not the site's lowest-rated films
    assert picks["predicted"].max() < 4.6  # five ratings cannot push the stars to an extreme
    assert _genre_share(picks, ROMANCE_SIDE) >= 0.5 and _genre_share(picks, DARK_SIDE) <= 0.1


def test_a_horror_fan_gets_the_horror_side(fitted, fans):
    rec, _, _ = fitted
    horror = rec.recommend_for_ratings(fans["horror"], n=10)
    romance = rec.recommend_for_ratings(fans["romance"], n=10)
    assert _genre_share(horror, DARK_SIDE) >= 0.5 > _genre_share(romance, DARK_SIDE)
    assert _genre_share(horror, ROMANCE_SIDE) < _genre_share(romance, ROMANCE_SIDE)
    reasons = set(horror["because_you_liked"]) - {""}
    assert reasons and reasons <= set(rec.describe(rec.items.to_index(list(fans["horror"])[:5]))["title"])


@pytest.mark.movielens
def test_who_watched_what_trains_the_item_model_and_beats_most_popular():
    train_path, test_path = split_paths()
    watched = cf.load_ratings(cf.load_ratings(train_path).frame[["user", "item"]].rename(columns={"item": "movieId"}))
    test = cf.load_ratings(test_path)
    assert watched.scale == (1.0, 1.0)
    result = cf.fit(watched, cf.TrainConfig(epochs=1))
    rec = result.recommender
    assert not rec.has_ratings and rec.ranker is not None
    report = evaluate_topn(rec, test)
    assert report.n_people == test.frame.loc[test.frame["user"].isin(watched.frame["user"]), "user"].nunique()
    assert report.model.ndcg > 1.5 * report.popular.ndcg
    picks = rec.recommend(1)
    assert len(picks) == 10 and (picks["because_you_liked"] != "").all()


def test_who_watched_what_on_the_demo_data_trains_only_the_item_model(demo_split_dir):
    train = cf.load_ratings(demo_split_dir / "train.csv")
    watched = cf.load_ratings(train.frame[["user", "item"]].rename(columns={"item": "movieId"}))
    test = cf.load_ratings(demo_split_dir / "test.csv")
    assert watched.scale == (1.0, 1.0)
    rec = cf.fit(watched, cf.TrainConfig(epochs=1)).recommender
    assert not rec.has_ratings and rec.ranker is not None
    report = evaluate_topn(rec, test)
    assert report.n_people == test.frame.loc[test.frame["user"].isin(watched.frame["user"]), "user"].nunique()
    assert report.model.ndcg > report.popular.ndcg
    picks = rec.recommend(1)
    assert len(picks) == 10 and (picks["because_you_liked"] != "").all()


def _one_at_a_time(scores: np.ndarray, batch, k: int) -> np.ndarray:
    """The definition: each person's k best unrated, rankable movies, best first, ties by lower index."""
    expected = np.full((len(batch), k), -1)
    for row, person in enumerate(batch):
        line = scores[row].copy()
        line[person.items] = -np.inf
        ranked = [i for i in sorted(range(len(line)), key=lambda i: (-line[i], i)) if np.isfinite(line[i])][:k]
        expected[row, : len(ranked)] = ranked
    return expected


@pytest.mark.parametrize("ties", [False, True])
def test_top_k_of_a_batch_matches_one_person_at_a_time(ties):
    from cf.toplists import top_k
    from cf.topn import Person

    rng = np.random.default_rng(3)
    for _ in range(50):
        n_items, k, n_people = int(rng.integers(3, 40)), int(rng.integers(1, 12)), int(rng.integers(1, 8))
        scores = rng.integers(0, 5, (n_people, n_items)).astype(float) if ties else rng.random((n_people, n_items))
        scores[rng.random(scores.shape) < 0.1] = -np.inf  # some movies cannot be ranked
        batch = [Person(rng.choice(n_items, int(rng.integers(0, n_items)), replace=False), np.ones(0)) for _ in scores]
        expected, got = _one_at_a_time(scores, batch, k), top_k(scores.copy(), batch, k)
        if not ties:
            assert np.array_equal(got, expected)
            continue
        # which of several tied movies makes the cut is not defined; the scores, in order, are
        masked = scores.copy()
        for row, person in enumerate(batch):
            masked[row, person.items] = -np.inf
        assert np.array_equal(got >= 0, expected >= 0)
        assert np.array_equal(np.take_along_axis(masked, np.maximum(got, 0), 1)[got >= 0],
                              np.take_along_axis(masked, np.maximum(expected, 0), 1)[expected >= 0])  # fmt: skip
        for row in range(n_people):  # never a rated or unrankable movie, none twice, equal scores by index
            shown = got[row][got[row] >= 0]
            assert np.isfinite(masked[row, shown]).all() and len(set(shown)) == len(shown)
            assert all((masked[row, a], -a) > (masked[row, b], -b) for a, b in zip(shown, shown[1:]))
