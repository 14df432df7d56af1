"""cf.splits: every split in one module, the same draws wherever they are used."""

from __future__ import annotations

import numpy as np

import cf
from cf import splits
from cf.crossval import cross_validate
from tests.helpers import small_ratings


def rows(ratings: cf.Ratings, mask: np.ndarray | None = None) -> list[int]:
    """The row numbers of the small table (its timestamps count the rows) in ``ratings``, or where ``mask`` is."""
    stamps = ratings.frame["timestamp"].to_numpy()
    return sorted(stamps if mask is None else stamps[mask])


def test_random_split_holds_out_exactly_the_seeded_draw():
    ratings = small_ratings()
    train, test = splits.random_split(ratings, 0.2, seed=5)
    mask = splits.held_out_mask(ratings.n_ratings, 0.2, 5)
    assert rows(test) == rows(ratings, mask) and rows(train) == rows(ratings, ~mask)


def test_validation_split_draws_from_the_same_mask():
    ratings = small_ratings()
    train, valid, _ = cf.validation_split(ratings, 0.2, 5)
    mask = splits.held_out_mask(ratings.n_ratings, 0.2, 5)
    assert 0 < valid.n_ratings and set(rows(valid)) <= set(rows(ratings, mask))
    assert sorted(rows(train) + rows(valid)) == rows(ratings)


def test_kfold_tests_every_rating_once_and_random_folds_use_successive_seeds():
    ratings = small_ratings()
    tested = [row for _, test in splits.fold_splits(ratings, 4, seed=2) for row in rows(test)]
    assert sorted(tested) == rows(ratings)
    for fold, (_, test) in enumerate(splits.fold_splits(ratings, 3, seed=2, method="random", test_frac=0.3)):
        assert rows(test) == rows(ratings, splits.held_out_mask(ratings.n_ratings, 0.3, 2 + fold))


def test_cross_validation_uses_these_folds():
    ratings = small_ratings(n_ratings=800)
    config = cf.TrainConfig(epochs=1, n_factors=2, valid_frac=0.0)
    result = cross_validate(ratings, config, folds=2, seed=4)
    sizes = [test.n_ratings for _, test in splits.fold_splits(ratings, 2, seed=4)]
    assert [fold.n_test for fold in result.folds] == sizes
