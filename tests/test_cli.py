import json
import subprocess
import sys

import pytest

from cf.cli import main
from tests.helpers import split_paths


def test_help_explains_the_commands():
    out = subprocess.run([sys.executable, "-m", "cf", "--help"], capture_output=True, text=True, check=True).stdout
    for word in ("train", "recommend", "similar", "bench", "ratings"):
        assert word in out
    train_help = subprocess.run(
        [sys.executable, "-m", "cf", "train", "--help"], capture_output=True, text=True, check=True
    ).stdout
    assert "--n-factors" in train_help and "default 50" in train_help


def test_train_json_then_recommend_from_the_saved_model(tmp_path, capsys):
    train_path, test_path = split_paths()
    model = tmp_path / "model.pt"
    code = main(
        [
            "train",
            "--ratings",
            str(train_path),
            "--test",
            str(test_path),
            "--epochs",
            "3",
            "--out",
            str(model),
            "--json",
            "--quiet",
        ]
    )
    assert code == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    record = json.loads(last)
    assert {"rmse", "mae", "baseline_rmse", "fit_seconds", "n_train", "n_test"} <= set(record)
    assert record["n_test"] == 9984 and record["n_train"] == 90852
    assert record["rmse"] < record["baseline_rmse"]
    assert model.exists()

    assert main(["recommend", "--model", str(model), "--user", "1", "-n", "4", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 4 and rows[0]["predicted"] >= rows[-1]["predicted"]
    assert main(["similar", "--model", str(model), "--movie", "1", "-n", "3"]) == 0
    assert "similarity" in capsys.readouterr().out


def test_unknown_user_and_bad_files_exit_2_with_a_message(tmp_path, capsys):
    train_path, _ = split_paths()
    model = tmp_path / "m.pt"
    assert main(["train", "--ratings", str(train_path), "--epochs", "1", "--out", str(model), "--quiet"]) == 0
    capsys.readouterr()
    assert main(["recommend", "--model", str(model), "--user", "999999"]) == 2
    assert "not in the training data" in capsys.readouterr().err
    bad = tmp_path / "bad.csv"
    bad.write_text("userId,movieId,rating\n1,2,abc\n")
    assert main(["train", "--ratings", str(bad), "--quiet"]) == 2
    assert "error:" in capsys.readouterr().err
    assert main(["recommend", "--model", str(bad), "--user", "1"]) == 2
    assert "refused" in capsys.readouterr().err


@pytest.mark.parametrize("args", [["--epochs", "0"], ["--n-factors", "100000"], ["--lr", "-1"]])
def test_out_of_range_settings_exit_2(args, tmp_path, capsys):
    train_path, _ = split_paths()
    assert main(["train", "--ratings", str(train_path), "--quiet", *args]) == 2
    assert "must be between" in capsys.readouterr().err


def test_temporal_hold_out_scores_each_users_latest_ratings(capsys):
    train_path, _ = split_paths()
    assert main(["train", "--ratings", str(train_path), "--temporal", "--epochs", "2", "--json", "--quiet"]) == 0
    record = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert record["n_test"] > 0 and record["n_train"] + record["n_test"] == 90852
    assert record["rmse"] < record["global_mean_rmse"]


def test_download_offers_every_release_the_library_knows(capsys):
    from cf.cli import build_parser
    from cf.data import movielens

    parser = build_parser()
    for name in movielens.RELEASES:
        assert parser.parse_args(["download", name]).release == name
    with pytest.raises(SystemExit) as stopped:
        parser.parse_args(["download", "10m"])
    assert stopped.value.code == 2 and "invalid choice: '10m'" in capsys.readouterr().err
