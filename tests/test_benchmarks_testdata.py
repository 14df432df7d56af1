"""Getting the MovieLens test data (`python -m benchmarks.testdata`): the split rule and the folder layout."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import cf
from benchmarks import testdata
from tests.helpers import release_zip


def test_split_holds_out_the_rows_the_rule_picks_and_keeps_every_row(tmp_path: Path, demo_split_dir: Path):
    source = demo_split_dir / "ratings.csv"
    n_train, n_test = testdata.write_split(source, tmp_path)
    every = pd.read_csv(source)
    train, test = pd.read_csv(tmp_path / "train.csv"), pd.read_csv(tmp_path / "test.csv")
    in_test = np.random.default_rng(42).random(len(every)) < 0.1
    assert (n_train, n_test) == (len(train), len(test)) == ((~in_test).sum(), in_test.sum())
    assert test.equals(every[in_test].reset_index(drop=True)) and train.equals(every[~in_test].reset_index(drop=True))


@pytest.mark.movielens
def test_split_of_latest_small_is_the_shared_benchmark_split(tmp_path: Path, ml_small_ratings_path: Path, split_dir):
    testdata.write_split(ml_small_ratings_path, tmp_path)
    for name in ("train.csv", "test.csv"):
        assert (tmp_path / name).read_bytes() == (split_dir / name).read_bytes(), name


def test_a_release_zip_becomes_the_folders_the_tests_read(tmp_path: Path, demo_split_dir: Path, capsys):
    archive = release_zip(tmp_path / "ml-latest-small.zip", demo_split_dir)
    data_dir = tmp_path / "data"
    assert testdata.main(["--zip", str(archive), "--data-dir", str(data_dir)]) == 0
    assert f"CF_DATA_DIR={data_dir}" in capsys.readouterr().out
    ratings = cf.load_ratings(data_dir / "ml-latest-small" / "ratings.csv")
    assert len(cf.load_movies(data_dir / "ml-latest-small" / "movies.csv")) == len(
        pd.read_csv(demo_split_dir / "movies.csv")
    )
    train = cf.load_ratings(data_dir / "ml-latest-small-split" / "train.csv")
    test = cf.load_ratings(data_dir / "ml-latest-small-split" / "test.csv")
    assert train.n_ratings + test.n_ratings == ratings.n_ratings and 0.08 < test.n_ratings / ratings.n_ratings < 0.12
