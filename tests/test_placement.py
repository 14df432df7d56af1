"""The one placement decision: device (argument, CF_DEVICE, data size), engine, batch, movie cap, threads."""

from dataclasses import replace

import pytest
import torch

import cf
from cf import placement
from cf.config import ConfigError, TrainConfig


@pytest.fixture
def fake_gpu(monkeypatch):
    """A machine that reports a CUDA GPU with 100 GB free (no real GPU is touched)."""
    monkeypatch.delenv("CF_DEVICE", raising=False)
    monkeypatch.setattr(placement, "_gpu_name", lambda: "cuda")
    monkeypatch.setattr(placement, "_free_bytes", lambda device: 100 * 10**9)


def test_auto_trains_small_data_on_the_cpu_even_with_a_gpu(fake_gpu):
    small = placement.place(100_836, TrainConfig())
    assert small.device == "cpu" and small.engine == "rowwise"
    assert "100,836 ratings is small data" in small.reason and "300,000" in small.reason
    assert placement.place(500_000, TrainConfig()).device == "cuda"
    big = placement.place(5_000_000, TrainConfig())
    assert big.device == "cuda" and big.engine == "lazy" and big.batch_size == cf.auto_batch_size(5_000_000, "cuda")
    assert big.ranker_max_items == placement.MOVIE_CAP["cuda"] and "large data" in big.reason
    assert placement.place(5_000_000, TrainConfig(), gpu_crossover=10**7).device == "cpu"


def test_argument_then_environment_then_size(fake_gpu, monkeypatch):
    monkeypatch.setattr(placement, "check_device", lambda name: name)  # no real CUDA to check against
    assert placement.place(100, TrainConfig(device="cuda")).reason == "CUDA: asked for"
    monkeypatch.setenv("CF_DEVICE", "cuda")
    assert placement.place(100, TrainConfig()).device == "cuda"
    assert placement.place(100, TrainConfig(device="cpu")).device == "cpu"  # the argument wins
    assert placement.place(10**8, TrainConfig(engine="rowwise")).device == "cpu"  # rowwise runs on the CPU


def test_a_missing_device_is_refused_before_any_work():
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    with pytest.raises(ConfigError, match="'cuda' is not available.*use auto or cpu"):
        placement.place(100, TrainConfig(device="cuda"))
    with pytest.raises(ConfigError, match="not a device name"):
        placement.place(100, TrainConfig(device="gpu9"))


@pytest.mark.parametrize("how", ["argument", "environment"])
def test_train_command_refuses_a_missing_device_before_reading_the_file(how, monkeypatch, capsys, tmp_path):
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    from cf.cli import main

    args = ["train", "--ratings", str(tmp_path / "not-read.csv"), "--quiet"]
    if how == "argument":
        args += ["--device", "cuda"]
    else:
        monkeypatch.setenv("CF_DEVICE", "cuda")
    assert main(args) == 2
    assert "device 'cuda' is not available" in capsys.readouterr().err


def test_an_item_model_too_big_for_memory_says_what_to_change(fake_gpu, monkeypatch):
    monkeypatch.setattr(placement, "check_device", lambda name: name)
    monkeypatch.setattr(placement, "_free_bytes", lambda device: 10**9)
    with pytest.raises(
        ConfigError, match="25.6 GB on CUDA, which has 1.0 GB free: set ranker_max_items to at most 7,905"
    ):
        placement.place(10**7, TrainConfig(device="cuda"), n_movies=59_047)
    fits = placement.place(10**7, TrainConfig(device="cuda", ranker_max_items=7_000), n_movies=59_047)
    assert fits.ranker_max_items == 7_000
    assert placement.place(10**7, TrainConfig(device="cuda"), n_movies=5_000).ranker_max_items == 40_000


def test_threads_follow_the_batch():
    assert placement.place(100_836, TrainConfig(device="cpu")).threads == 1
    assert placement.place(25_000_000, TrainConfig(device="cpu")).threads == torch.get_num_threads()


def test_the_fit_keeps_its_placement_and_the_model_file_keeps_the_cap(demo_data, tmp_path):
    ratings = demo_data[0]
    result = cf.fit(ratings, TrainConfig(epochs=1, n_factors=8, ranker_max_items=300))
    rec = result.recommender
    assert result.placement == rec.placement and rec.placement.ranker_max_items == 300
    assert len(rec.ranker.candidates) == 300 and rec.config.batch_size == rec.placement.batch_size
    assert set(result.phases) >= {"index", "item_model", "warm_up", "training"}
    assert all(seconds >= 0 for seconds in result.phases.values())
    # as if trained on CUDA with a bigger cap: loaded on this CPU, the item model keeps that cap
    rec.placement = replace(rec.placement, device="cuda", ranker_max_items=500)
    rec.save(tmp_path / "model.pt")
    loaded = cf.Recommender.load(tmp_path / "model.pt")
    assert loaded.placement == rec.placement and len(loaded.ranker.candidates) == 500


def test_loading_a_model_whose_item_model_will_not_fit_says_what_to_change(demo_data, monkeypatch):
    rec = cf.fit(demo_data[0], TrainConfig(epochs=1, n_factors=4, device="cpu")).recommender
    monkeypatch.setattr(placement, "_free_bytes", lambda device: 10**6)  # 1 MB free
    covered = len(rec.ranker.candidates)  # the movies with enough ratings: 1,411 of the demo's 1,500
    with pytest.raises(ConfigError, match=rf"item model covers {covered:,} movies .* ranker_max_items at most 250"):
        rec.fit_ranker()
