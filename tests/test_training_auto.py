"""Auto settings: the learning rate and the item-neighbour blend it picks, and what each changes."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

import cf
from cf.splits import validation_split
from cf.training.auto import BLENDS, choose_settings, pick_blend
from tests.helpers import small_ratings, split_paths


@pytest.fixture(scope="module")
def demo(demo_split_dir) -> cf.Ratings:
    """The first 200 users of the demo split's training ratings (about 30k generated ratings)."""
    train = cf.load_ratings(demo_split_dir / "train.csv")
    return cf.load_ratings(train.frame[train.frame["user"] <= 200].rename(columns={"user": "userId"}))


@pytest.fixture(scope="module")
def real() -> cf.Ratings:
    """The first 200 users of the benchmark split's training ratings (26k real ratings)."""
    train = cf.load_ratings(split_paths()[0])
    return cf.load_ratings(train.frame[train.frame["user"] <= 200].rename(columns={"user": "userId"}))


@pytest.mark.movielens
def test_auto_blends_item_neighbours_on_real_ratings_and_not_on_low_rank_ones(real):
    choice = choose_settings(real, cf.TrainConfig(auto=True))
    assert 0 < choice.knn_blend <= max(BLENDS) and "item neighbours" in choice.sentence()
    assert choice.valid_rmse < min(row["valid_rmse"] for row in choice.tried)  # the blend beats the model alone
    picked = min(choice.tried, key=lambda row: row["valid_rmse"])
    assert (choice.weight_decay, choice.epochs, choice.lr) == (picked["weight_decay"], picked["epochs"], picked["lr"])
    assert {row["lr"] for row in choice.tried} == {0.015, 0.01}  # the learning rate is searched too
    synthetic = choose_settings(small_ratings(), cf.TrainConfig(auto=True))  # the model alone fits it
    assert synthetic.knn_blend == 0.0 and "no neighbour blend" in synthetic.sentence()


def test_the_blend_is_the_share_that_scores_best_on_the_validation_ratings(demo):
    real = demo
    inner, valid, _ = validation_split(real, 0.1, 42)
    model = cf.fit(inner, cf.TrainConfig(), rank=False).recommender
    share, best = pick_blend(model, valid)
    actual = valid.frame["rating"].to_numpy()
    users, items = model.users.to_index(valid.frame["user"]), model.items.to_index(valid.frame["item"])
    assert share > 0
    for other in (0.0, round(share - 0.05, 2), min(BLENDS[-1], round(share + 0.05, 2))):
        model.config = replace(model.config, knn_blend=other)
        assert cf.metrics.rmse(model.predict_indices(users, items), actual) >= best - 1e-9


def test_each_picked_setting_changes_the_model_and_the_blend_survives_a_save(demo, tmp_path):
    real = demo
    base = cf.TrainConfig(epochs=3, n_factors=16)
    pairs = real.frame[["user", "item"]].to_numpy()[:500]
    predictions = {}
    for name, config in {
        "base": base,
        "lr": replace(base, lr=0.01),
        "weight_decay": replace(base, weight_decay=0.2),
        "epochs": replace(base, epochs=4),
        "knn_blend": replace(base, knn_blend=0.4),
    }.items():
        rec = cf.fit(real, config, rank=False).recommender
        predictions[name] = rec.predict(pairs[:, 0], pairs[:, 1])
    for name in ("lr", "weight_decay", "epochs", "knn_blend"):
        assert np.abs(predictions[name] - predictions["base"]).max() > 1e-3, name
    rec.save(tmp_path / "model.pt")
    loaded = cf.Recommender.load(tmp_path / "model.pt")
    assert loaded.neighbours is not None
    assert np.allclose(loaded.predict(pairs[:, 0], pairs[:, 1]), predictions["knn_blend"], atol=1e-5)


def test_side_by_side_trials_pick_and_score_exactly_as_one_after_another(demo):
    real = demo
    import numba

    if numba.get_num_threads() < 2:
        pytest.skip("one core: the trials run one after another anyway")
    side_by_side = choose_settings(real, cf.TrainConfig(auto=True))
    threads = numba.get_num_threads()
    numba.set_num_threads(1)  # Auto's trials then run one after another
    try:
        serial = choose_settings(real, cf.TrainConfig(auto=True))
    finally:
        numba.set_num_threads(threads)
    assert side_by_side.tried == serial.tried and len(serial.tried) == 6
    assert (side_by_side.weight_decay, side_by_side.epochs, side_by_side.lr, side_by_side.knn_blend) == (
        serial.weight_decay, serial.epochs, serial.lr, serial.knn_blend,
    )  # fmt: skip
