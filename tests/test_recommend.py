import numpy as np
import pytest

import cf
from tests.helpers import movies_path, split_paths


def _fit(train_path, movies_file):
    train, movies = cf.load_ratings(train_path), cf.load_movies(movies_file)
    return cf.fit(train, cf.TrainConfig(epochs=4), movies=movies).recommender, train


@pytest.fixture(scope="module")
def fitted(demo_split_dir):
    """The default model on the demo data's training split."""
    return _fit(demo_split_dir / "train.csv", demo_split_dir / "movies.csv")


@pytest.fixture(scope="module")
def fitted_movielens():
    """The default model on MovieLens latest-small's training split (for facts about real titles)."""
    train_path, _ = split_paths()
    return _fit(train_path, movies_path())


def test_training_rows_by_user_are_each_users_training_ratings(fitted):
    rec, _ = fitted
    starts, items, stars = rec.training_rows_by_user()
    training = rec.known[~rec.known["held_out"]]
    assert starts[0] == 0 and starts[-1] == len(training) == len(items) == len(stars)
    for user in (0, 7, len(rec.users) - 1):
        theirs = training[training["user"] == user].sort_values("item")
        assert np.array_equal(items[starts[user] : starts[user + 1]], theirs["item"].to_numpy())
        assert np.array_equal(stars[starts[user] : starts[user + 1]], theirs["rating"].to_numpy())


def test_the_order_by_user_is_the_stable_one_with_or_without_repeated_keys():
    from cf.recommend import _stable_order

    rng = np.random.default_rng(5)
    unique = rng.permutation(10_000) * 7
    repeated = rng.integers(0, 50, 10_000)
    for key in (unique, repeated):
        assert np.array_equal(_stable_order(key), np.argsort(key, kind="stable"))


def test_predict_on_raw_ids_matches_indices(fitted):
    rec, train = fitted
    rows = train.frame.sample(200, random_state=0)
    direct = rec.predict(rows["user"].to_numpy(), rows["item"].to_numpy())
    by_index = rec.predict_indices(rec.users.to_index(rows["user"]), rec.items.to_index(rows["item"]))
    assert np.allclose(direct, by_index)
    low, high = rec.scale
    assert ((direct >= low) & (direct <= high)).all()


def test_unknown_ids_fall_back_to_the_global_mean_and_known_biases(fitted):
    rec, train = fitted
    known_movie = train.frame["item"].iloc[0]
    item_bias = rec.baseline.item_bias[rec.item_index(known_movie)]
    out = rec.predict([-999, -999], [known_movie, -555])
    assert out[0] == pytest.approx(np.clip(rec.baseline.mean + item_bias, *rec.scale))
    assert out[1] == pytest.approx(rec.baseline.mean)


def test_recommend_skips_rated_movies_and_ranks_with_the_item_model(fitted):
    rec, train = fitted
    user = 414
    table = rec.recommend(user, n=15)
    rated = set(train.frame.loc[train.frame["user"] == user, "item"])
    assert len(table) == 15
    assert not rated & set(table["movieId"])
    person = rec.person(user)  # the item model's score, computed here from its weights
    weights = rec.interaction_weights(person.ratings)
    where = rec.ranker.position[person.items]
    score = weights[where >= 0] @ rec.ranker.weights[where[where >= 0]]
    picked = score[rec.ranker.position[rec.items.to_index(table["movieId"])]]
    assert np.all(np.diff(picked) <= 1e-6)
    assert picked[-1] >= np.sort(np.delete(score, rec.ranker.position[list(rec.items.to_index(list(rated)))]))[-15]
    assert table["predicted"].to_numpy() == pytest.approx(rec.predict([user], table["movieId"].to_numpy()), rel=1e-5)
    assert not table["title"].str.startswith("Movie ").any()  # titles come from movies.csv
    assert {"genres", "n_ratings", "mean_rating"} <= set(table.columns)


def test_rank_by_rating_orders_by_predicted_stars(fitted):
    rec, train = fitted
    table = rec.recommend(414, n=15, rank_by="rating")
    assert table["predicted"].is_monotonic_decreasing
    others = np.setdiff1d(rec.items.ids, train.frame.loc[train.frame["user"] == 414, "item"])
    assert table["predicted"].iloc[0] == pytest.approx(rec.predict([414], others).max())
    with pytest.raises(ValueError, match="rank_by"):
        rec.recommend(414, rank_by="stars")


def test_novelty_moves_lists_towards_niche_movies(fitted):
    rec, _ = fitted
    users = rec.users.ids[:40]
    plain = np.mean([t["n_ratings"].mean() for t in rec.recommend_many(users)])
    niche = np.mean([t["n_ratings"].mean() for t in rec.recommend_many(users, novelty=0.7)])
    assert niche < 0.7 * plain


def test_because_you_liked_names_the_liked_movie_that_drives_the_pick(fitted):
    from cf.reasons import MIN_PART

    rec, _ = fitted
    table = rec.recommend(414, n=10)
    person = rec.person(414)
    liked = person.ratings >= 4
    titles = list(rec.titles()[person.items[liked]])
    for movie, reason in zip(table["movieId"], table["because_you_liked"]):
        share = rec.ranker.contributions(
            person.items[liked], rec.interaction_weights(person.ratings[liked]), rec.item_index(movie)
        )
        if reason:  # a liked movie among those that add most to the pick's score
            assert share[titles.index(reason)] >= MIN_PART * share.max() > 0
    assert (table["because_you_liked"] != "").sum() >= 5


def test_history_puts_actual_next_to_predicted(fitted):
    rec, train = fitted
    history = rec.history(1)
    mine = train.frame[train.frame["user"] == 1]
    assert len(history) == len(mine)
    merged = history.merge(mine, left_on="movieId", right_on="item")
    assert np.allclose(merged["rating_x"], merged["rating_y"])
    assert np.corrcoef(history["rating"], history["predicted"])[0, 1] > 0.5


@pytest.mark.movielens
@pytest.mark.parametrize(
    "movie, expected",
    [(1, 3114), (260, 1196), (4993, 5952), (2571, 1196)],  # Toy Story 2; Empire; Two Towers; Empire
)
def test_similar_movies_are_well_known_pairs(fitted_movielens, movie, expected):
    rec, _ = fitted_movielens
    table = rec.similar_movies(movie, n=10)
    assert movie not in set(table["movieId"]) and expected in set(table["movieId"])
    assert table["match"].is_monotonic_decreasing and table["match"].between(0, 1).all()
    assert (table["n_ratings"] >= 10).all()  # well-supported neighbours, not one-rating flukes


def test_similar_movies_do_not_depend_on_the_item_model(fitted):
    rec, _ = fitted
    plain = rec.copy()
    plain.ranker = None
    assert plain.similar_movies(1, n=10)["movieId"].tolist() == rec.similar_movies(1, n=10)["movieId"].tolist()


def test_unknown_user_gets_a_clear_error(fitted):
    rec, _ = fitted
    with pytest.raises(cf.UnknownUserError, match="not in the training data"):
        rec.recommend(10**9)
    with pytest.raises(cf.UnknownMovieError):
        rec.similar_movies("no such movie")


def test_user_table_lists_every_user_with_counts(fitted):
    rec, train = fitted
    table = rec.user_table()
    assert len(table) == train.n_users
    assert table["n_ratings"].sum() == train.n_ratings
    assert table["n_ratings"].is_monotonic_decreasing


def test_evaluate_counts_every_test_row_including_unseen_ones(fitted, demo_split_dir):
    rec, train = fitted
    test = cf.load_ratings(demo_split_dir / "test.csv")
    scores = cf.evaluate(rec, test)
    unseen = ~test.frame["user"].isin(train.frame["user"]) | ~test.frame["item"].isin(train.frame["item"])
    assert scores.n_test == test.n_ratings
    assert scores.n_fallback == int(unseen.sum()) > 0
    assert scores.rmse < scores.bias_rmse < scores.global_mean_rmse
    assert scores.topn is None  # top-N lists are scored by evaluate_topn (or evaluate_all)


def test_min_ratings_leaves_out_rarely_rated_movies(fitted):
    rec, _ = fitted
    table = rec.recommend(414, n=10, min_ratings=50)
    assert len(table) == 10 and (table["n_ratings"] >= 50).all()
    assert (rec.recommend(414, n=10, rank_by="rating")["n_ratings"] < 50).any()


def test_copy_has_its_own_weights_and_keeps_the_metadata(fitted):
    rec, _ = fitted
    before, rec.metadata = rec.metadata, {"label": "Model 1", "curve": [1.2, 0.9]}
    try:
        twin = rec.copy()
        assert twin.metadata == {"label": "Model 1", "curve": [1.2, 0.9]}
        twin.metadata["curve"].append(0.8)
        assert rec.metadata["curve"] == [1.2, 0.9]
        assert np.allclose(twin.predict([414], [318]), rec.predict([414], [318]))
        twin.model.item_factors.weight.data.zero_()
        assert not np.allclose(twin.item_vectors(), rec.item_vectors())
    finally:
        rec.metadata = before
