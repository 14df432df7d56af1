import json
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

import cf
from cf.cli import main
from cf.training import loop as training_loop
from cf.training import rowwise
from tests.helpers import serve_folder, small_ratings, split_paths, write_md5


def test_help_explains_the_commands():
    out = subprocess.run([sys.executable, "-m", "cf", "--help"], capture_output=True, text=True, check=True).stdout
    for word in ("train", "recommend", "similar", "bench", "ratings"):
        assert word in out
    train_help = subprocess.run(
        [sys.executable, "-m", "cf", "train", "--help"], capture_output=True, text=True, check=True
    ).stdout
    assert "--n-factors" in train_help and "default 50" in train_help


@pytest.mark.movielens
def test_train_json_then_recommend_from_the_saved_model(tmp_path, capsys):
    train_path, test_path = split_paths()  # the top-N lead over most popular is MovieLens's
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
    topn = record["topn"]
    assert topn["n_people"] > 500 and topn["model"]["ndcg"] > 1.5 * topn["popular"]["ndcg"]
    assert model.exists()

    assert main(["recommend", "--model", str(model), "--user", "1", "-n", "4", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 4 and all(row["because_you_liked"] for row in rows)
    assert main(["recommend", "--model", str(model), "--user", "1", "-n", "4", "--json", "--rank-by", "rating"]) == 0
    by_stars = json.loads(capsys.readouterr().out)
    assert [r["predicted"] for r in by_stars] == sorted((r["predicted"] for r in by_stars), reverse=True)
    assert {r["movieId"] for r in by_stars} != {r["movieId"] for r in rows}
    assert main(["similar", "--model", str(model), "--movie", "1", "-n", "3"]) == 0
    assert "match" in capsys.readouterr().out
    assert main(["similar", "--model", str(model), "--movie", "1", "-n", "3", "--json"]) == 0
    by_id = json.loads(capsys.readouterr().out)
    assert main(["similar", "--model", str(model), "--movie", "movie 1", "-n", "3", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == by_id  # a title as typed finds the same movie


def test_unknown_user_and_bad_files_exit_2_with_a_message(tmp_path, capsys, demo_split_dir):
    train_path = demo_split_dir / "train.csv"
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
def test_out_of_range_settings_exit_2(args, tmp_path, capsys, demo_split_dir):
    train_path = demo_split_dir / "train.csv"
    assert main(["train", "--ratings", str(train_path), "--quiet", *args]) == 2
    assert "must be between" in capsys.readouterr().err


def test_temporal_hold_out_scores_each_users_latest_ratings(capsys, demo_split_dir):
    train_path = demo_split_dir / "train.csv"
    assert main(["train", "--ratings", str(train_path), "--temporal", "--epochs", "2", "--json", "--quiet"]) == 0
    record = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert record["n_test"] > 0 and record["n_train"] + record["n_test"] == len(pd.read_csv(train_path))
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


# -- each training flag changes what is trained ---------------------------------------


@pytest.fixture(scope="module")
def small_csv(tmp_path_factory) -> Path:
    """A small learnable ratings file (about 6,000 ratings)."""
    path = tmp_path_factory.mktemp("cli") / "ratings.csv"
    small_ratings().frame.rename(columns={"user": "userId", "item": "movieId"}).to_csv(path, index=False)
    return path


@pytest.fixture
def loops(monkeypatch) -> list:
    """The training loops the command builds (spied on), to see what it really trained with."""
    built = []

    def spy(*args, make=training_loop.make_loop):
        built.append(loop := make(*args))
        return loop

    monkeypatch.setattr(training_loop, "make_loop", spy)
    return built


def train_json(capsys, tmp_path, ratings: Path, *flags: str) -> tuple[dict, cf.Recommender]:
    """Run ``train`` with ``flags``; return its JSON record and the model file it wrote, loaded."""
    model = tmp_path / "model.pt"
    args = ["train", "--ratings", str(ratings), "--epochs", "1", "--out", str(model), "--json", "--quiet", *flags]
    assert main(args) == 0, capsys.readouterr().err
    record = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    return record, cf.Recommender.load(model)


def test_defaults_of_the_train_command(small_csv, tmp_path, capsys, loops):
    n = cf.load_ratings(small_csv).n_ratings
    record, model = train_json(capsys, tmp_path, small_csv)
    assert record["config"]["model"] == model.config.model == "dot-bias"
    assert isinstance(model.model, cf.EmbeddingDotBias)
    (loop,) = loops
    assert isinstance(loop, rowwise.RowwiseLoop) and loop.batch == record["config"]["batch_size"] == 1024
    assert record["n_test"] == n - record["n_train"] and 0.08 * n < record["n_test"] < 0.12 * n  # about 10%


def test_model_flag_trains_that_model(small_csv, tmp_path, capsys):
    record, model = train_json(capsys, tmp_path, small_csv, "--model", "nn")
    assert record["config"]["model"] == model.config.model == "nn" and isinstance(model.model, cf.EmbeddingNN)
    _, model = train_json(capsys, tmp_path, small_csv, "--model", "dot")
    assert isinstance(model.model, cf.EmbeddingDot) and not isinstance(model.model, cf.EmbeddingDotBias)


def test_engine_flag_picks_the_training_loop(small_csv, tmp_path, capsys, loops):
    train_json(capsys, tmp_path, small_csv, "--engine", "torch")
    train_json(capsys, tmp_path, small_csv, "--engine", "rowwise")
    assert [type(loop) for loop in loops] == [training_loop.TorchLoop, rowwise.RowwiseLoop]
    assert main(["train", "--ratings", str(small_csv), "--quiet", "--engine", "rowwise", "--model", "nn"]) == 2
    assert "engine 'rowwise' trains the dot and dot-bias models" in capsys.readouterr().err


def test_batch_size_flag_sets_the_steps(small_csv, tmp_path, capsys, loops):
    record, model = train_json(capsys, tmp_path, small_csv, "--batch-size", "64")
    assert record["config"]["batch_size"] == model.config.batch_size == 64
    (loop,) = loops
    assert loop.batch == 64 and loop.steps_per_epoch == -(-record["n_train"] // 64)


def test_valid_frac_flag_sets_the_held_out_share(small_csv, tmp_path, capsys):
    n = cf.load_ratings(small_csv).n_ratings
    record, model = train_json(capsys, tmp_path, small_csv, "--valid-frac", "0.3")
    assert record["n_train"] + record["n_test"] == n and 0.27 * n < record["n_test"] < 0.33 * n  # about 30%
    assert record["config"]["valid_frac"] == model.config.valid_frac == 0.3
    record, _ = train_json(capsys, tmp_path, small_csv, "--valid-frac", "0")
    assert (record["n_train"], record["n_test"], record["rmse"]) == (n, 0, None)


def test_device_flag_is_used_and_a_missing_device_is_a_message(small_csv, tmp_path, capsys, loops, monkeypatch):
    monkeypatch.setenv("CF_DEVICE", "cuda:99")  # what auto would use: a device no machine here has
    assert main(["train", "--ratings", str(small_csv), "--epochs", "1", "--quiet"]) == 2
    assert capsys.readouterr().err.startswith("error: device 'cuda:99' is not available")
    record, model = train_json(capsys, tmp_path, small_csv, "--device", "cpu")  # the flag wins
    assert record["config"]["device"] == "cpu" and loops[-1].u.device.type == "cpu"
    assert main(["train", "--ratings", str(small_csv), "--quiet", "--device", "gpu"]) == 2
    assert "'gpu' is not a device name" in capsys.readouterr().err


# -- download ------------------------------------------------------------------------


@pytest.fixture
def grouplens(tmp_path, monkeypatch) -> Iterator[Path]:
    """A local stand-in for GroupLens: a small ml-latest-small.zip made here, with its .md5, a
    damaged ml-100k.zip, and an empty cache."""
    root = tmp_path / "grouplens"
    root.mkdir()
    ratings = small_ratings().frame.rename(columns={"user": "userId", "item": "movieId"})
    movies = pd.DataFrame({"movieId": sorted(ratings["movieId"].unique())})
    movies = movies.assign(title=[f"Film {m} (2001)" for m in movies["movieId"]], genres="Drama|Comedy")
    with zipfile.ZipFile(root / "ml-latest-small.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("ml-latest-small/ratings.csv", ratings.to_csv(index=False))
        archive.writestr("ml-latest-small/movies.csv", movies.to_csv(index=False))
    write_md5(root / "ml-latest-small.zip")
    (root / "ml-100k.zip").write_bytes(b"not the zip the checksum is for")
    (root / "ml-100k.zip.md5").write_text("0" * 32)
    monkeypatch.setenv("CF_CACHE_DIR", str(tmp_path / "cache"))
    with serve_folder(root) as url:
        monkeypatch.setenv("CF_MOVIELENS_URL", url)
        yield root


def test_download_command_fetches_into_the_cache_then_trains_from_it(grouplens, tmp_path, capsys, monkeypatch):
    assert main(["download", "latest-small"]) == 0
    path = Path(capsys.readouterr().out.strip())
    assert path == tmp_path / "cache" / "movielens" / "ml-latest-small.zip"
    assert path.read_bytes() == (grouplens / "ml-latest-small.zip").read_bytes()
    # the next step the help gives: train --ratings <the printed path>, with the zip's titles
    record, model = train_json(capsys, tmp_path, path)
    assert record["n_train"] + record["n_test"] == cf.load_ratings(path).n_ratings
    assert model.movies.frame["title"].str.fullmatch(r"Film \d+ \(2001\)").all()
    # cached: the second time needs no network
    monkeypatch.setenv("CF_MOVIELENS_URL", "http://127.0.0.1:9")
    assert main(["download", "latest-small"]) == 0
    assert capsys.readouterr().out.strip() == str(path)


def test_download_command_failures_exit_2_with_a_message(grouplens, tmp_path, capsys, monkeypatch):
    assert main(["download", "100k"]) == 2
    assert "arrived damaged" in capsys.readouterr().err
    assert not list((tmp_path / "cache" / "movielens").glob("ml-100k.zip*"))  # nothing damaged is kept
    monkeypatch.setenv("CF_MOVIELENS_URL", "http://127.0.0.1:9")
    assert main(["download", "1m"]) == 2
    assert "\nerror: Could not reach 127.0.0.1:9 (" in capsys.readouterr().err  # after the progress bar
