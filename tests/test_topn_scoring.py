"""Ranking by predicted rating in blocks of matrix products gives the lists of the one-pair-at-a-time definition."""

import numpy as np
import pytest

import cf
from cf.topn import top_n


@pytest.fixture(scope="module")
def ratings(demo_data):
    return demo_data[0]


def _pairwise(rec, user: int) -> np.ndarray:
    """The definition: every (user, movie) pair through the model's prediction, one pair at a time."""
    items = np.arange(len(rec.items))
    return rec.predict_indices(np.full(len(items), user), items, clip=False)


@pytest.mark.parametrize(("model", "blend"), [("dot-bias", 0.0), ("dot-bias", 0.3), ("dot", 0.0), ("nn", 0.0)])
def test_block_scores_and_lists_match_the_pairwise_definition(ratings, model, blend):
    config = cf.TrainConfig(model=model, epochs=2, n_factors=16, knn_blend=blend)  # CF_DEVICE=cuda: on the GPU
    rec = cf.fit(ratings, config).recommender
    users = np.arange(0, len(rec.users), 7)
    block = rec.score_users(users, clip=False)
    pairwise = np.stack([_pairwise(rec, u) for u in users])
    assert block.shape == (len(users), len(rec.items))
    np.testing.assert_allclose(block, pairwise, rtol=0, atol=2e-5)
    people = [rec.person(rec.users.ids[u]) for u in users]
    tables = top_n(rec, people, n=10, rank_by="rating")
    popularity = np.log1p(rec.item_counts) / np.log1p(rec.item_counts).max()
    for row, (person, table) in enumerate(zip(people, tables)):
        defined = pairwise[row] + 1e-6 * popularity  # the same tie rule: the better known first
        defined[person.items] = -np.inf
        best = np.sort(defined)[::-1][:10]
        picked = defined[rec.items.to_index(table["movieId"])]
        np.testing.assert_allclose(picked, best, rtol=0, atol=2e-5)  # the k best, in order; ties either way


def test_unknown_people_are_ranked_by_the_bias_baseline(ratings):
    rec = cf.fit(ratings, cf.TrainConfig(epochs=1, n_factors=8)).recommender
    stranger = cf.topn.Person(np.zeros(0, np.int64), np.zeros(0, np.float32))
    (table,) = top_n(rec, [stranger], n=5, rank_by="rating")
    baseline = rec.baseline.predict(np.full(len(rec.items), -1), np.arange(len(rec.items)))
    assert list(rec.items.to_index(table["movieId"])) == list(np.argsort(-baseline, kind="stable")[:5])


def test_movies_tied_at_the_cut_are_taken_by_lower_index():
    from cf.toplists import top_k

    scores = np.array([[1.0, 3.0, 2.0, 2.0, 2.0, 0.0], [5.0] * 6, [-np.inf, 1.0, 1.0, -np.inf, 1.0, 1.0]])
    people = [cf.topn.Person(np.array([2]), np.ones(1)), cf.topn.Person(np.array([0]), np.ones(1))]
    people.append(cf.topn.Person(np.zeros(0, np.int64), np.zeros(0)))
    assert top_k(scores.copy(), people, 3).tolist() == [[1, 3, 4], [1, 2, 3], [1, 2, 4]]
    assert top_k(scores.copy(), people, 5)[2].tolist() == [1, 2, 4, 5, -1]
