import numpy as np
import pytest

import cf
from cf.foldin import fold_in, score_folded
from cf.projection import axis_extremes, project_embeddings
from tests.helpers import small_ratings


@pytest.fixture(scope="module", params=["dot-bias", "dot", "nn"])
def rec(request):
    return cf.fit(small_ratings(), cf.TrainConfig(model=request.param, epochs=4, n_factors=8)).recommender


def test_folding_in_a_known_users_ratings_recovers_their_tastes(rec):
    user = int(np.argmax(rec.user_counts))
    rows = rec.rated_indices(user)
    ratings = dict(zip(rec.items.to_raw(rows["item"]), rows["rating"]))
    folded = fold_in(rec, ratings)
    assert len(folded.rated) == len(ratings)
    new_scores = score_folded(rec, folded)
    trained_scores = rec.score_all_items(user)
    assert np.corrcoef(new_scores, trained_scores)[0, 1] > 0.8
    rated, actual = list(folded.rated), list(folded.rated.values())
    trained_fit = np.corrcoef(trained_scores[rated], actual)[0, 1]
    assert np.corrcoef(new_scores[rated], actual)[0, 1] > trained_fit - 0.1


def test_recommend_for_ratings_skips_what_was_rated_and_follows_the_ratings(rec):
    movies = rec.items.ids[:40]
    loves = {m: 5.0 for m in movies[:20]}
    hates = {m: 0.5 for m in movies[:20]}
    table = rec.recommend_for_ratings({**loves, "unknown movie": 4.0}, n=10)
    assert len(table) == 10 and not set(table["movieId"]) & set(loves)
    reasons = table["because_you_liked"]
    assert reasons[reasons != ""].isin(rec.describe(rec.items.to_index(list(loves)))["title"]).all()
    by_stars = rec.recommend_for_ratings(loves, n=10, rank_by="rating")
    assert by_stars["predicted"].is_monotonic_decreasing
    high = by_stars["predicted"].mean()
    low = rec.recommend_for_ratings(hates, n=10, rank_by="rating")["predicted"].mean()
    assert high > low


def test_no_known_movie_gives_the_average_user(rec):
    folded = fold_in(rec, {"nope": 3.0})
    active = rec.user_counts > 0
    assert folded.rated == {} and np.allclose(folded.vector, rec.user_vectors()[active].mean(0), atol=1e-6)
    table = rec.recommend_for_folded(folded, n=5)  # nothing known: the best-known movies by predicted stars
    assert len(table) == 5


def test_recommendations_say_which_liked_movie_they_resemble(rec):
    user = rec.users.ids[0]
    table = rec.recommend(user, n=5)
    liked_titles = set(rec.history(user).query("rating >= 4")["title"])
    assert liked_titles and set(table["because_you_liked"]) - {""} <= liked_titles


def test_learned_biases_are_ordered_and_come_with_raw_means(rec):
    high, low = rec.learned_biases(n=5, min_ratings=5)
    assert high["bias"].is_monotonic_decreasing and low["bias"].is_monotonic_increasing
    assert high["bias"].min() >= low["bias"].max()
    assert (high["n_ratings"] >= 5).all() and high["mean_rating"].notna().all()


def test_axis_extremes_sit_at_the_ends_of_each_axis(rec):
    _, movies, _ = project_embeddings(rec, 2)
    ends = axis_extremes(rec, movies, n=3, min_ratings=1)
    assert len(ends) == 2
    for axis, end in enumerate(ends):
        low = movies[rec.items.to_index(end["low"]["movieId"]), axis]
        high = movies[rec.items.to_index(end["high"]["movieId"]), axis]
        assert low.max() <= np.sort(movies[:, axis])[2] + 1e-9
        assert high.min() >= np.sort(movies[:, axis])[-3] - 1e-9


def test_folded_recommendations_respect_min_ratings(rec):
    folded = rec.fold_in({m: 5.0 for m in rec.items.ids[:10]})
    threshold = int(np.percentile(rec.item_counts, 90))
    table = rec.recommend_for_folded(folded, n=5, min_ratings=threshold)
    assert len(table) == 5 and (table["n_ratings"] >= threshold).all()
    assert (rec.recommend_for_folded(folded, n=5, rank_by="rating")["n_ratings"] < threshold).any()
    assert not set(table["movieId"]) & set(rec.items.ids[:10])


def test_few_ratings_are_pulled_toward_known_users(rec, monkeypatch):
    import cf.foldin

    few = {m: 5.0 for m in rec.items.ids[:5]}
    mean = rec.user_vectors()[rec.user_counts > 0].mean(0)
    shrunk = np.linalg.norm(fold_in(rec, few).vector - mean)
    prior = cf.foldin.population_prior(rec)
    assert prior.strength == pytest.approx(0.1 * np.median(rec.user_counts[rec.user_counts > 0]))
    monkeypatch.setattr(cf.foldin, "population_prior", lambda r: cf.foldin.Prior(prior.mean, prior.bias_mean, 1e-3))
    free = np.linalg.norm(fold_in(rec, few).vector - mean)
    assert shrunk < 0.8 * free
