"""The scale tools: the synthetic generator, the automatic batch, the scale benchmark (on a small fraction)."""

import gc
import json
import os
import resource
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import cf
from benchmarks import scale
from cf.cli import main
from cf.data.synth import ML25M, synthetic_ratings


def test_synthetic_table_has_ml25m_shape_at_a_fraction():
    columns = synthetic_ratings(0.004, seed=1)
    n = len(columns["rating"])
    assert n == int(ML25M["n_ratings"] * 0.004)
    pairs = columns["userId"].astype(np.int64) * 10**6 + columns["movieId"]
    assert len(np.unique(pairs)) == n
    assert set(np.unique(columns["rating"])) <= set(np.arange(1, 11) / 2)
    per_user = np.bincount(columns["userId"])[1:]
    per_movie = np.bincount(columns["movieId"])[1:]
    assert per_user.max() > 10 * np.median(per_user[per_user > 0])  # a long tail of activity
    assert per_movie.max() > 50 * np.median(per_movie[per_movie > 0])  # and of popularity


@pytest.mark.parametrize(("n", "batch"), [(100, 1024), (524_288, 1024), (1_000_209, 2048), (25_000_095, 65536)])
def test_automatic_batch_grows_with_the_data(n, batch):
    assert cf.auto_batch_size(n) == batch
    assert cf.place(n, cf.TrainConfig(device="cpu")).batch_size == batch
    assert cf.place(n, cf.TrainConfig(device="cpu", batch_size=256)).batch_size == 256


def test_automatic_batch_is_bigger_on_a_gpu():
    assert cf.auto_batch_size(90_000, "cuda") == 1024
    assert cf.auto_batch_size(25_000_095, "cuda") == 262_144
    assert cf.auto_batch_size(25_000_095, "mps") == cf.auto_batch_size(25_000_095, "cpu") == 65_536


def test_fit_records_the_batch_it_used():
    columns = synthetic_ratings(0.03, seed=2)  # 750k ratings: above the small-data batch
    ratings = cf.load_ratings(pd.DataFrame(columns))
    result = cf.fit(ratings, cf.TrainConfig(epochs=1, n_factors=4, valid_frac=0.0))
    assert result.recommender.config.batch_size == cf.auto_batch_size(ratings.n_ratings) == 2048


def test_scale_benchmark_reports_load_memory_and_throughput(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CF_BENCH_DIR", str(tmp_path))
    started = time.perf_counter()
    assert main(["bench", "--scale", "--fractions", "0.002", "--devices", "cpu", "--json"]) == 0
    took = time.perf_counter() - started
    out = capsys.readouterr().out
    report = json.loads(out.strip().splitlines()[-1])
    row = report["results"][0]
    assert row["load"]["n_ratings"] == int(ML25M["n_ratings"] * 0.002)
    assert 0 < row["load"]["seconds"] < took and row["load"]["peak_mb"] > 50  # seconds, of a part of the run
    (train,) = row["train"]
    assert train["device"] == "cpu" and train["engine"] == "rowwise" and train["ratings_per_second"] > 0
    assert train["batch_size"] == cf.auto_batch_size(row["load"]["n_ratings"])
    assert "M ratings/s" in out and (tmp_path / "synthetic-25m-0.002.csv").exists()


def test_synth_command_writes_a_readable_file(tmp_path, capsys):
    path = tmp_path / "big.csv"
    assert main(["synth", "--out", str(path), "--fraction", "0.001"]) == 0
    assert "25,000 ratings" in capsys.readouterr().out
    assert cf.load_ratings(path).n_ratings == 25_000
    assert main(["synth", "--out", str(path), "--fraction", "0"]) == 2
    assert "--fraction" in capsys.readouterr().err


def test_peak_memory_is_this_processs_high_water_mark():
    assert _resident_mb() <= scale.peak_memory_mb() <= resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 + 1
    gc.collect()
    spike = np.ones(200 * 2**20 // 8)  # 200 MB touched, then freed: the high-water mark holds it
    del spike
    assert scale.peak_memory_mb() >= _resident_mb() + 150
    Path("/proc/self/clear_refs").write_text("5")  # Linux: the peak starts again from the current size
    assert scale.peak_memory_mb() <= _resident_mb() + 50
    block = np.ones(100 * 2**20 // 8)  # 100 MB touched: counted even if other memory is freed meanwhile
    assert scale.peak_memory_mb() >= _resident_mb() >= block.nbytes / 2**20


def _resident_mb() -> float:
    return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def test_batch_trials_time_an_epoch_and_score_a_fit_at_each_batch(capsys):
    """Each batch gets its own line: the batch it ran at, ratings/s of an epoch, the 6-epoch validation RMSE."""
    ratings = scale.synthetic_table(0.001)  # 25,000 ratings
    rows = scale.batch_trials(ratings, "cpu", (256, 4096))
    assert [row["batch_size"] for row in rows] == [256, 4096]
    assert all(row["ratings_per_second"] > 0 and 0.3 < row["valid_rmse"] < 1.5 for row in rows)
    assert rows[0]["valid_rmse"] != rows[1]["valid_rmse"]  # two different fits, not one reported twice
    printed = [json.loads(line)["batch"] for line in capsys.readouterr().out.strip().splitlines()]
    assert printed == rows


def test_batch_trials_of_the_lazy_loop_also_time_its_dense_update(monkeypatch, capsys):
    """Where the lazy torch loop trains (a GPU; here forced on CPU tensors), each batch also gets the speed of the
    masked whole-table update, which trains the same model."""
    from dataclasses import replace

    place = scale.place
    monkeypatch.setattr(scale, "place", lambda *args, **kw: replace(place(*args, **kw), engine="lazy"))
    (row,) = scale.batch_trials(scale.synthetic_table(0.001), "cpu", (4096,))
    assert row["engine"] == "lazy" and row["batch_size"] == 4096
    assert row["ratings_per_second"] > 0 and row["dense_ratings_per_second"] > 0 and 0.3 < row["valid_rmse"] < 1.5
    dense = scale.measure_throughput(scale.synthetic_table(0.001), "cpu", 4096, dense=True)
    assert dense["engine"] == "lazy (dense update)"


def test_atomic_row_sums_switch_the_lazy_loop_to_index_add_for_a_while():
    import torch

    from cf.training import lazy

    original = lazy.row_sums
    index, values = torch.tensor([0, 2, 0]), torch.tensor([1.0, 2.0, 3.0])
    with scale.atomic_row_sums():
        assert lazy.row_sums is not original and lazy.row_sums.keywords == {"ordered": False}
        assert lazy.row_sums(index, values, 3).tolist() == [4.0, 0.0, 2.0]
    assert lazy.row_sums is original


def test_step_calls_counts_the_lazy_loops_torch_calls_per_step_for_both_updates():
    """The launch count that sets the GPU loop's speed at the default batch: one packed table keeps it near 40
    kernels a step (separate user, movie, bias and offset tables took 106)."""
    from benchmarks import scale

    rows = scale.step_calls(scale.synthetic_table(0.001), "cpu", batch_size=4096)
    assert [row["update"] for row in rows] == ["rows used", "dense"]
    for row in rows:
        assert row["batch_size"] == 4096 and 0 < row["kernels"] < row["calls"]
        assert row["kernels"] <= 50, row
