"""Cross-validation with intervals, the paired test over folds, and Auto settings."""

from __future__ import annotations

import json

import numpy as np
import pytest

import cf
from cf.cli import main
from cf.crossval import CVResult, Interval, cross_validate, paired_test, same_folds
from cf.splits import fold_splits
from cf.training.auto import choose_settings
from tests.helpers import small_ratings

QUICK = cf.TrainConfig(epochs=5, n_factors=8, batch_size=128, lr=0.03)
BAD = cf.TrainConfig(epochs=1, n_factors=8, batch_size=128, lr=1e-5)  # barely moves: deliberately bad


@pytest.fixture(scope="module")
def ratings() -> cf.Ratings:
    return small_ratings()


@pytest.fixture(scope="module")
def good(ratings) -> CVResult:
    return cross_validate(ratings, QUICK, folds=3, seed=1)


@pytest.fixture(scope="module")
def bad(ratings) -> CVResult:
    return cross_validate(ratings, BAD, folds=3, seed=1)


def test_kfold_tests_every_rating_exactly_once(ratings):
    tested = [test.frame.index.size for _, test in fold_splits(ratings, folds=3, seed=3)]
    assert sum(tested) == ratings.n_ratings and max(tested) - min(tested) <= 1
    keys = [tuple(map(tuple, t.frame[["user", "item"]].to_numpy()[:3])) for _, t in fold_splits(ratings, 4, 3)]
    again = [tuple(map(tuple, t.frame[["user", "item"]].to_numpy()[:3])) for _, t in fold_splits(ratings, 4, 3)]
    assert keys == again  # seeded
    for train, test in fold_splits(ratings, folds=3, seed=3):
        assert train.n_ratings + test.n_ratings == ratings.n_ratings


def test_random_splits_draw_the_test_share_afresh(ratings):
    splits = list(fold_splits(ratings, folds=3, seed=0, method="random", test_frac=0.25))
    assert len(splits) == 3
    assert all(0.2 < test.n_ratings / ratings.n_ratings < 0.3 for _, test in splits)
    assert splits[0][1].n_ratings != splits[1][1].n_ratings or not splits[0][1].frame.equals(splits[1][1].frame)


def test_results_have_one_row_per_fold_and_intervals_around_the_mean(good):
    assert len(good.folds) == 3 and not good.stopped
    summary = good.summary()
    for metric, interval in summary.items():
        values = good.values(metric)
        assert interval.mean == pytest.approx(values.mean())
        assert interval.low <= interval.mean <= interval.high
        assert interval.n == 3
    assert summary["rmse"].mean < summary["bias_rmse"].mean  # the model learns the low-rank structure
    assert summary["rmse"].half_width > 0
    assert "3 folds: RMSE" in good.describe()


def test_interval_is_the_t_interval():
    values = [1.0, 2.0, 3.0]
    interval = Interval.of(values)
    assert interval.mean == 2.0
    assert interval.half_width == pytest.approx(4.302652729911275 * 1.0 / np.sqrt(3))  # t(0.975, 2) * sd / sqrt(n)


def test_the_paired_test_finds_a_real_difference(good, bad):
    assert same_folds(good, bad)
    test = paired_test(bad, good, "rmse", names=("the bad settings", "the defaults"))
    assert test.difference < 0 and test.significant and test.better() == "the defaults"
    sentence = test.sentence()
    assert sentence.startswith("the defaults is better than the bad settings by")
    assert " stars (typical error)" in sentence and "larger than the noise" in sentence
    assert "t-test" not in sentence and "paired t-test over 3 folds" in test.detail()


def test_the_paired_test_finds_no_difference_between_identical_settings(ratings, good):
    again = cross_validate(ratings, QUICK, folds=3, seed=1)
    test = paired_test(good, again, "rmse")
    assert test.difference == 0 and not test.significant and test.better() is None
    assert "score exactly the same on every split" in test.sentence()


def test_the_paired_test_refuses_different_folds(ratings, good):
    other = cross_validate(ratings, BAD, folds=3, seed=2)
    assert not same_folds(good, other)
    with pytest.raises(ValueError, match="same folds"):
        paired_test(good, other)


def test_results_round_trip_and_stop_keeps_finished_folds(ratings, good):
    plain = json.loads(json.dumps(good.to_dict()))
    assert json.loads(json.dumps(CVResult.from_dict(plain).to_dict())) == plain

    def stop_in_second_fold() -> bool:
        return any(text.startswith("Fold 2") for text in seen)

    seen: list[str] = []
    stopped = cross_validate(
        ratings, QUICK, folds=3, seed=1, progress=lambda s, t: seen.append(t), should_stop=stop_in_second_fold
    )
    assert stopped.stopped and len(stopped.folds) == 1
    assert stopped.folds[0].values == good.folds[0].values  # same fold, same seed: same figures


def test_too_few_ratings_or_bad_folds_say_what_to_change(ratings):
    with pytest.raises(cf.ConfigError, match="from 2 to 20"):
        list(fold_splits(ratings, folds=1))
    tiny = small_ratings(n_ratings=20)
    with pytest.raises(cf.ConfigError, match="too few"):
        list(fold_splits(tiny, folds=5))


def test_auto_picks_from_its_candidates_and_the_model_keeps_them(ratings):
    config = cf.TrainConfig(epochs=3, n_factors=8, auto=True)
    choice = choose_settings(ratings, config)
    assert len(choice.tried) >= 4
    best = min(choice.tried, key=lambda row: row["valid_rmse"])
    assert (choice.weight_decay, choice.epochs) == (best["weight_decay"], best["epochs"])
    result = cf.fit(ratings, config)
    assert result.auto["weight_decay"] == result.recommender.config.weight_decay
    assert result.auto["epochs"] == len(result.history) == result.recommender.config.epochs
    assert result.recommender.config.auto is True and "Auto picked" in result.auto["sentence"]


def test_cli_cv_prints_intervals_and_json(tmp_path, capsys, ratings):
    path = tmp_path / "ratings.csv"
    ratings.frame.rename(columns={"user": "userId", "item": "movieId"}).to_csv(path, index=False)
    args = ["cv", "--ratings", str(path), "--folds", "3", "--epochs", "2", "--n-factors", "8", "--json", "--quiet"]
    assert main(args) == 0
    out = capsys.readouterr().out.strip().splitlines()
    record = json.loads(out[-1])
    assert len(record["folds"]) == 3 and record["summary"]["rmse"]["low"] <= record["summary"]["rmse"]["high"]
    assert any(line.startswith("RMSE") and " to " in line for line in out)
    assert main(["cv", "--ratings", str(path), "--folds", "50"]) == 2
    assert "from 2 to 20" in capsys.readouterr().err


def test_cli_cv_with_auto_names_every_setting_picked_per_fold(tmp_path, capsys, ratings):
    path = tmp_path / "ratings.csv"
    ratings.frame.rename(columns={"user": "userId", "item": "movieId"}).to_csv(path, index=False)
    assert main(["cv", "--ratings", str(path), "--folds", "2", "--n-factors", "8", "--json", "--quiet"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    folds = json.loads(out[-1])["folds"]
    line = next(text for text in out if text.startswith("Auto picked per fold: "))
    for fold in folds:
        picked = fold["picked"]
        assert set(picked) == {"epochs", "weight_decay", "lr", "knn_blend"}
        assert f"{picked['epochs']} epochs, {picked['weight_decay']:g}, lr {picked['lr']:g}" in line
