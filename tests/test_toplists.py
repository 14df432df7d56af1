"""Lists for many people at once: the shortcuts for most popular and for the item model give top_k's lists."""

import numpy as np
import pytest

import cf
from cf.toplists import lists_for, popular_lists, popularity_order, ranker_lists, top_k
from cf.topn import Person, rank_scores_on_device


@pytest.fixture(scope="module")
def rec(demo_data):
    return cf.fit(demo_data[0], cf.TrainConfig(epochs=1, n_factors=8, ranker_max_items=200)).recommender  # 200 of 1,500


def _people(rec, step: int = 5) -> list[Person]:
    people = [rec.person(rec.users.ids[u]) for u in range(0, len(rec.users), step)]
    disliked = np.flatnonzero(rec.item_counts > 0)[:3]
    people.append(Person(disliked, np.full(3, 1.0, np.float32)))  # nothing liked: falls back to stars
    people.append(Person(np.zeros(0, np.int64), np.zeros(0, np.float32)))  # nothing rated at all
    return people


@pytest.mark.parametrize("k", [1, 10, 40])
def test_popular_lists_are_top_k_of_the_counts(rec, k):
    people = _people(rec)
    counts = np.minimum(rec.item_counts, 30).astype(np.float32)  # capped: many ties, at the cut too
    expected = top_k(np.tile(counts, (len(people), 1)), people, k)
    got = popular_lists(popularity_order(counts), people, k)
    assert np.array_equal(got, expected)
    assert (got[:-1] >= 0).all()


def test_popular_lists_pad_when_too_few_movies_are_left():
    counts = np.array([3.0, 1.0, 2.0, 0.0])
    people = [Person(np.array([0, 2, 3]), np.ones(3)), Person(np.zeros(0, np.int64), np.zeros(0))]
    assert popular_lists(popularity_order(counts), people, 3).tolist() == [[1, -1, -1], [0, 2, 1]]


@pytest.fixture(scope="module")
def rec_torch_ranker(rec):
    """The same recommender with its item model built and scored by the GPU's path (torch), on CPU tensors."""
    import copy

    from cf.models.ease import ItemModel

    other = copy.copy(rec)
    ranker = rec.ranker
    train = rec.known[~rec.known["held_out"].to_numpy(bool)]
    other.ranker = ItemModel.fit(
        train["user"].to_numpy(), train["item"].to_numpy(), rec.interaction_weights(train["rating"].to_numpy()),
        len(rec.users), len(rec.items), l2=ranker.l2, max_items=len(ranker.candidates), backend="torch",
    )  # fmt: skip
    assert other.ranker.device_weights is not None
    return other


@pytest.mark.parametrize("k", [1, 10, 40])
@pytest.mark.parametrize("backend", ["scipy", "torch"])
def test_ranker_lists_are_top_k_of_the_item_models_scores(rec, rec_torch_ranker, k, backend):
    rec = rec if backend == "scipy" else rec_torch_ranker
    people = _people(rec)
    assert rec.ranker is not None and len(rec.ranker.candidates) < len(rec.items)
    expected = top_k(rank_scores_on_device(rec, people, "ranker"), people, k)
    got = ranker_lists(rec, people, k)
    assert np.array_equal(got, expected)
    listed = got[:-2][got[:-2] >= 0]
    assert np.isin(listed, rec.ranker.candidates).all()
    if k >= 10:  # the fallback ranks every movie by predicted stars
        assert not np.isin(got[-2], rec.ranker.candidates).all()


def test_lists_for_each_ranking(rec):
    people = _people(rec, step=50)
    order = popularity_order(rec.item_counts)
    for rank_by in ("ranker", "rating"):
        assert np.array_equal(
            lists_for(rec, people, 10, rank_by, order), top_k(rank_scores_on_device(rec, people, rank_by), people, 10)
        )
