import dataclasses
import threading

import numpy as np
import pandas as pd
import pytest
import torch

import cf
from cf.training import LIMITS, validation_split
from tests.helpers import small_ratings, split_paths


@pytest.fixture(scope="module")
def small():
    return small_ratings()


def quick(**changes) -> cf.TrainConfig:
    return dataclasses.replace(cf.TrainConfig(epochs=3, n_factors=8, batch_size=256, valid_frac=0.0), **changes)


def predictions(ratings, config):
    rec = cf.fit(ratings, config).recommender
    frame = ratings.frame.head(500)
    return rec.predict(frame["user"].to_numpy(), frame["item"].to_numpy())


@pytest.mark.movielens
def test_defaults_beat_the_bias_baseline_on_the_benchmark_split():
    train_path, test_path = split_paths()
    train, test = cf.load_ratings(train_path), cf.load_ratings(test_path)
    result = cf.fit(train)
    scores = cf.evaluate(result.recommender, test)
    assert scores.n_test == test.n_ratings
    assert scores.rmse < scores.bias_rmse - 0.015
    assert scores.rmse < 0.86
    assert [r.epoch for r in result.history] == list(range(1, cf.TrainConfig().epochs + 1))


def test_same_seed_gives_the_same_model(small):
    assert np.array_equal(predictions(small, quick()), predictions(small, quick()))


@pytest.mark.parametrize(
    "change",
    [
        {"seed": 7},
        {"n_factors": 16},
        {"epochs": 4},
        {"lr": 0.03},
        {"weight_decay": 0.5},
        {"batch_size": 128},
        {"model": "dot"},
        {"model": "nn"},
        {"hidden": (32,), "model": "nn"},
    ],
)
def test_each_setting_changes_the_result(small, change):
    base = quick(model="nn") if "hidden" in change else quick()
    changed = dataclasses.replace(base, **change)
    assert not np.allclose(predictions(small, base), predictions(small, changed))


def test_more_regularisation_shrinks_the_embeddings(small):
    loose = cf.fit(small, quick(weight_decay=0.0)).recommender
    tight = cf.fit(small, quick(weight_decay=1.0)).recommender
    assert np.linalg.norm(tight.item_vectors()) < 0.5 * np.linalg.norm(loose.item_vectors())


def test_callback_hears_every_epoch_with_a_falling_loss(small):
    reports = []
    train, valid, _ = validation_split(small, 0.1, 0)
    cf.fit(train, quick(epochs=4), valid, callback=reports.append)
    assert [r.epoch for r in reports] == [1, 2, 3, 4]
    assert all(r.epochs == 4 for r in reports)
    assert reports[-1].train_loss < reports[0].train_loss
    assert all(r.valid_rmse is not None and np.isfinite(r.valid_rmse) for r in reports)
    assert reports[-1].eta_seconds == 0 and reports[0].eta_seconds > 0
    assert [r.seconds for r in reports] == sorted(r.seconds for r in reports)


def test_snapshot_is_a_frozen_copy_of_that_epoch(small):
    snapshots = []
    result = cf.fit(small, quick(epochs=3), callback=lambda r: snapshots.append(r.snapshot()))
    first, final = snapshots[0], result.recommender
    assert not np.allclose(first.item_vectors(), final.item_vectors())
    assert np.allclose(snapshots[-1].item_vectors(), final.item_vectors())


def test_stop_after_an_epoch_keeps_that_epochs_model(small):
    snapshots = []
    result = cf.fit(
        small,
        quick(epochs=5),
        callback=lambda r: snapshots.append(r.snapshot()),
        should_stop=lambda: len(snapshots) >= 2,
    )
    assert result.stopped and len(result.history) == 2
    assert np.allclose(result.recommender.item_vectors(), snapshots[1].item_vectors())


def test_stop_in_the_middle_of_an_epoch_rolls_back_to_the_last_finished_one(small):
    snapshots, calls = [], {"n": 0}

    def should_stop():
        calls["n"] += 1
        return len(snapshots) == 1 and calls["n"] > 30  # well inside epoch 2

    result = cf.fit(small, quick(epochs=5), callback=lambda r: snapshots.append(r.snapshot()), should_stop=should_stop)
    assert result.stopped and len(result.history) == 1
    assert np.allclose(result.recommender.item_vectors(), snapshots[0].item_vectors())
    assert np.isfinite(result.recommender.predict([1], [1])).all()


@pytest.mark.parametrize("engine", ["rowwise", "torch"])
def test_progress_is_reported_after_every_batch_with_the_total(small, engine):
    reports = []
    cf.fit(small, quick(epochs=3, batch_size=512, engine=engine), progress=reports.append)
    per_epoch = -(-small.n_ratings // 512)
    assert per_epoch > 5
    assert [r.batches_done for r in reports] == list(range(1, 3 * per_epoch + 1))
    assert {r.batches_total for r in reports} == {3 * per_epoch}
    assert [r.epoch for r in reports] == [epoch for epoch in (1, 2, 3) for _ in range(per_epoch)]
    assert {(r.epochs, r.batches_per_epoch) for r in reports} == {(3, per_epoch)}


def test_progress_counts_the_automatic_batch_and_ends_where_the_stop_landed(small):
    reports = []
    result = cf.fit(
        small,
        quick(epochs=4, batch_size=None),
        progress=reports.append,
        should_stop=lambda: reports[-1].batches_done == reports[-1].batches_per_epoch + 2,
    )
    per_epoch = -(-small.n_ratings // cf.auto_batch_size(small.n_ratings))
    assert reports[-1].batches_total == 4 * per_epoch
    assert reports[-1].batches_done == per_epoch + 2 and reports[-1].epoch == 2
    assert result.stopped and len(result.history) == 1


def test_divergence_later_keeps_the_last_good_epoch(small):
    def poison(report):
        if report.epoch == 2:
            with torch.no_grad():
                result_holder["model"].item_factors.weight[:] = float("nan")

    result_holder = {}
    original_build = cf.training.loop.build_model

    def capture(*args, **kwargs):
        result_holder["model"] = original_build(*args, **kwargs)
        return result_holder["model"]

    cf.training.loop.build_model = capture
    try:
        result = cf.fit(small, quick(epochs=4), callback=poison)
    finally:
        cf.training.loop.build_model = original_build
    assert result.diverged and "learning rate" in result.diverged
    assert len(result.history) == 2
    assert np.isfinite(result.recommender.item_vectors()).all()


def test_divergence_in_the_first_epoch_raises_with_advice():
    frame = pd.DataFrame({"user": [1, 2, 3, 1], "item": [1, 2, 1, 3], "rating": [1e30, -1e30, 1e30, 5.0]})
    ratings = cf.load_ratings(frame)
    with pytest.raises(cf.TrainingDiverged, match="Lower the learning rate"):  # float32 overflows in torch
        cf.fit(ratings, quick(model="dot", lr=1.0, engine="torch"))


@pytest.mark.parametrize("name", sorted(LIMITS))
def test_each_numeric_setting_has_bounds(name):
    low, high = LIMITS[name]
    with pytest.raises(cf.ConfigError, match=name):
        dataclasses.replace(cf.TrainConfig(), **{name: high * 2 + 1}).validate()
    if low > 0:
        with pytest.raises(cf.ConfigError, match=name):
            dataclasses.replace(cf.TrainConfig(), **{name: low / 2 if low < 1 else 0}).validate()


def test_unknown_model_kind_is_refused():
    with pytest.raises(cf.ConfigError, match="model must be one of"):
        cf.TrainConfig(model="svd").validate()


def test_validation_split_keeps_validation_users_and_movies_in_training(small):
    train, valid, note = validation_split(small, 0.2, 3)
    assert note is None and valid.n_ratings > 0
    assert valid.frame["user"].isin(train.frame["user"]).all()
    assert valid.frame["item"].isin(train.frame["item"]).all()
    assert train.n_ratings + valid.n_ratings == small.n_ratings


def test_no_validation_split_when_every_user_has_one_rating():
    frame = pd.DataFrame(
        {"user": range(50), "item": [i % 5 for i in range(50)], "rating": [1 + i % 5 for i in range(50)]}
    )
    ratings = cf.load_ratings(frame)
    result, valid, note = cf.train_model(ratings, quick(valid_frac=0.2))
    assert valid is None and "No validation split" in note
    assert len(result.recommender.users) == 50


def test_device_comes_from_the_argument_then_the_environment(monkeypatch):
    monkeypatch.setenv("CF_DEVICE", "cpu")
    assert cf.place(10**8, cf.TrainConfig()).device == "cpu"
    assert "CF_DEVICE=cpu" in cf.place(10**8, cf.TrainConfig()).reason
    assert cf.place(10**8, cf.TrainConfig(device="cpu")).reason == "CPU: asked for"
    monkeypatch.delenv("CF_DEVICE")
    gpu = "cuda" if torch.cuda.is_available() else "mps" if torch.backends.mps.is_available() else None
    assert cf.place(100_836, cf.TrainConfig()).device == "cpu"  # small data: the CPU, GPU or not
    assert cf.place(50_000_000, cf.TrainConfig()).device_type == (gpu or "cpu")


def test_concurrent_runs_restore_the_thread_count(small):
    import threading

    before = torch.get_num_threads()
    runs = [threading.Thread(target=cf.fit, args=(small, quick(epochs=2))) for _ in range(3)]
    for run in runs:
        run.start()
    for run in runs:
        run.join()
    assert torch.get_num_threads() == before


class _Clock:
    """A stand-in for ``time.perf_counter`` that moves only when told to."""

    def __init__(self):
        self.now = 0.0

    def perf_counter(self) -> float:
        return self.now


def test_one_time_start_up_is_reported_apart_from_the_training_time(small, monkeypatch):
    """Loading the compiled kernels (seconds, the first time in a server) is not counted as training."""
    from cf.training import rowwise

    if not rowwise.available():
        pytest.skip("numba is not installed: no kernels to load")
    clock = _Clock()
    monkeypatch.setattr("cf.training.loop.time", clock)
    monkeypatch.setattr(rowwise, "_WARM", threading.Event())  # as in a fresh process
    loaded = []
    real_warm_up = rowwise.warm_up

    def slow_warm_up() -> None:
        if not rowwise._WARM.is_set():
            clock.now += 40.0  # what loading the kernels costs on a cold server, in fake seconds
            loaded.append(True)
        real_warm_up()

    monkeypatch.setattr(rowwise, "warm_up", slow_warm_up)
    first = cf.fit(small, quick(engine="rowwise"))
    second = cf.fit(small, quick(engine="rowwise"))
    assert loaded == [True]  # once per process
    assert first.setup_seconds == 40.0 and first.fit_seconds == 0.0
    assert second.setup_seconds == 0.0 and second.fit_seconds == 0.0
    assert [r.seconds for r in first.history] == [0.0, 0.0, 0.0]  # the epochs' own times are not inflated


def test_fits_in_concurrent_threads_give_the_models_of_fits_one_after_another(small):
    """Each fit seeds its own initialisation: threads (Auto's trials, sessions) do not draw from each other's seeds."""
    from concurrent.futures import ThreadPoolExecutor

    configs = [cf.TrainConfig(epochs=2, seed=seed) for seed in (1, 2, 3, 4)]
    alone = [cf.fit(small, config, rank=False).recommender.model.state_dict() for config in configs]
    with ThreadPoolExecutor(4) as pool:
        together = [r.recommender.model.state_dict() for r in pool.map(lambda c: cf.fit(small, c, rank=False), configs)]
    for one, other in zip(alone, together):
        assert all(torch.equal(one[name], other[name]) for name in one)
