"""The tuning sweep: one result per grid point, the better setting found, stopping, the CLI."""

from __future__ import annotations

import json

import pytest

import cf
from cf.cli import main
from cf.config import ConfigError
from cf.sweep import MAX_POINTS, best, grid, parse_values, run_sweep


@pytest.fixture(scope="module")
def split(demo_split_dir):
    """The first 150 people of the demo split's training file, 10% held out."""
    ratings = cf.load_ratings(demo_split_dir / "train.csv")
    ratings = ratings.subset(ratings.frame["user"].to_numpy() <= 150)
    train, valid, _ = cf.validation_split(ratings, 0.1, 42)
    return train, valid


BASE = cf.TrainConfig(epochs=2, n_factors=8)


def test_one_result_per_grid_point_in_grid_order(split):
    train, valid = split
    values = {"n_factors": [4, 8], "epochs": [1, 2]}
    results = list(run_sweep(train, valid, BASE, values, topn=False))
    assert [r.point for r in results] == grid(values)
    assert len(results) == 4
    assert all(r.ndcg is None and 0.5 < r.rmse < 1.5 for r in results)
    assert len({round(r.rmse, 6) for r in results}) == 4  # each point really trained its own model


def test_finds_the_better_of_a_good_and_a_deliberately_bad_learning_rate(split):
    train, valid = split
    results = list(run_sweep(train, valid, BASE, {"lr": [1e-5, 0.015]}, topn=True))
    bad, good = results
    assert good.rmse < bad.rmse - 0.01
    assert best(results, "rmse").point == {"lr": 0.015}
    assert best(results, "mae").point == {"lr": 0.015}


def test_item_model_sweep_trains_the_rating_model_once(split):
    train, valid = split
    results = list(run_sweep(train, valid, BASE, {"ranker_l2": [1.0, 200.0]}))
    assert results[0].rmse == results[1].rmse  # one rating model, shared
    assert results[0].ndcg != results[1].ndcg  # but two item models
    assert best(results, "ndcg") is max(results, key=lambda r: r.ndcg)


def test_stop_ends_the_sweep_after_the_current_point(split):
    train, valid = split
    seen = []
    for result in run_sweep(
        train, valid, BASE, {"n_factors": [2, 4, 8]}, topn=False, should_stop=lambda: len(seen) >= 1
    ):
        seen.append(result)
    assert [r.point for r in seen] == [{"n_factors": 2}]


def test_bad_sweep_settings_say_what_to_do():
    with pytest.raises(ConfigError, match="between 1 and 512"):
        parse_values("n_factors", "0, 16")
    with pytest.raises(ConfigError, match="whole number"):
        parse_values("epochs", "2.5")
    with pytest.raises(ConfigError, match="numbers separated by commas"):
        parse_values("lr", "fast")
    with pytest.raises(ConfigError, match="can vary"):
        parse_values("batch_size", "64")
    assert parse_values("weight_decay", "0.2, 0.05,0.05") == [0.05, 0.2]
    with pytest.raises(ConfigError, match="one or two"):
        grid({"lr": [0.01], "epochs": [1], "n_factors": [8]})
    with pytest.raises(ConfigError, match=f"at most {MAX_POINTS}"):
        grid({"n_factors": list(range(1, 10)), "epochs": list(range(1, 10))})


def test_cli_tune_prints_each_result_then_json(capsys, demo_split_dir):
    train_path = demo_split_dir / "train.csv"
    code = main(
        [
            "tune",
            "--ratings",
            str(train_path),
            "--vary",
            "lr=0.00001,0.015",
            "--epochs",
            "1",
            "--n-factors",
            "8",
            "--json",
        ]
    )
    assert code == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith("lr=1e-05: RMSE") and lines[1].startswith("lr=0.015: RMSE")
    record = json.loads(lines[-1])
    assert record["score"] == "rmse" and len(record["results"]) == 2
    assert record["best"]["lr"] == 0.015


def test_cli_tune_bad_values_exit_2(capsys, demo_split_dir):
    train_path = demo_split_dir / "train.csv"
    assert main(["tune", "--ratings", str(train_path), "--vary", "epochs=0,3"]) == 2
    assert "epochs must be between" in capsys.readouterr().err
