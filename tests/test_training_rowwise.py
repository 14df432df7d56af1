"""The row-wise CPU trainer: same maths as torch's sparse Adam, lazy rows, the schedule, the shuffle."""

import copy
import os
from dataclasses import replace

import numpy as np
import pytest
import torch

import cf
from cf.config import ConfigError
from cf.models import build_model
from cf.training import index_ratings, kernels, make_loop, rowwise
from cf.training import loop as training_loop
from tests.helpers import small_ratings, split_paths


@pytest.fixture(scope="module")
def small():
    return small_ratings()


def _model(ratings: cf.Ratings, kind: str = "dot-bias", seed: int = 0) -> torch.nn.Module:
    users, items, _ = index_ratings(ratings)
    torch.manual_seed(seed)
    return build_model(kind, len(users), len(items), 8, ratings.scale, 3.0)


@pytest.mark.parametrize("total", [1, 2, 5, 37, 400])
def test_one_cycle_matches_torchs_scheduler(total):
    placeholder = torch.optim.Adam([torch.nn.Parameter(torch.zeros(1))], lr=0.02)
    schedule = torch.optim.lr_scheduler.OneCycleLR(placeholder, max_lr=0.02, total_steps=total)
    for step in range(total):
        lr, beta1 = rowwise.one_cycle(step, total, 0.02)
        group = placeholder.param_groups[0]
        assert lr == pytest.approx(group["lr"], rel=1e-9)
        assert beta1 == pytest.approx(group["betas"][0], rel=1e-9)
        placeholder.step()
        schedule.step()


def _lazy_adam_reference(model, batches, config, total_steps):
    """Autograd gradients, then torch's Adam formula applied to the rows each batch used."""
    state = {name: (torch.zeros_like(p), torch.zeros_like(p)) for name, p in model.named_parameters()}
    for step, (u, i, r) in enumerate(batches, start=1):
        lr, beta1 = rowwise.one_cycle(step - 1, total_steps, config.lr)
        model.zero_grad()
        predicted, penalty = model(torch.from_numpy(u), torch.from_numpy(i), penalty=True)
        loss = ((predicted - torch.from_numpy(r)).pow(2).sum() + config.weight_decay * penalty) / len(r)
        loss.backward()
        with torch.no_grad():
            for name, p in model.named_parameters():
                used = torch.unique(torch.from_numpy(u if name.startswith("user") else i))
                rows = used if p.dim() == 2 else ...
                m, v = state[name]
                g = p.grad[rows]
                m[rows] = beta1 * m[rows] + (1 - beta1) * g
                v[rows] = 0.999 * v[rows] + 0.001 * g * g
                denom = v[rows].sqrt() / (1 - 0.999**step) ** 0.5 + 1e-8
                p[rows] -= lr / (1 - beta1**step) * m[rows] / denom


@pytest.mark.parametrize("kind", ["dot-bias", "dot"])
def test_steps_match_autograd_with_lazy_adam(small, kind):
    """Three steps of the compiled loop equal autograd + Adam on the rows each batch used."""
    config = cf.TrainConfig(model=kind, n_factors=8, batch_size=500, epochs=2, weight_decay=0.3, lr=0.05)
    _, _, (u, i, r) = index_ratings(small)
    ours = _model(small, kind)
    reference = copy.deepcopy(ours)
    loop = make_loop(ours, config, *(torch.from_numpy(a) for a in (u, i, r)), torch.device("cpu"))
    assert isinstance(loop, rowwise.RowwiseLoop)
    batches = [(u[s : s + 500], i[s : s + 500], r[s : s + 500]) for s in (0, 500, 1000)]
    for bu, bi, br in batches:
        loop._step(bu.astype(np.int32), bi.astype(np.int32), br)
    _lazy_adam_reference(reference, batches, config, loop.total_steps)
    for (name, mine), theirs in zip(ours.state_dict().items(), reference.state_dict().values()):
        # bias and offset gradients are sums of terms that mostly cancel: float rounding shows more there
        tolerance = 2e-6 if "factors" in name else 2e-5
        assert torch.allclose(mine, theirs, atol=tolerance), (name, (mine - theirs).abs().max())
    assert not torch.equal(ours.user_factors.weight, _model(small, kind).user_factors.weight)


def test_rows_a_batch_does_not_use_keep_their_values(small):
    config = cf.TrainConfig(n_factors=8, batch_size=64, epochs=1)
    users, items, (u, i, r) = index_ratings(small)
    model = _model(small)
    loop = make_loop(model, config, *(torch.from_numpy(a) for a in (u, i, r)), torch.device("cpu"))
    before = model.user_factors.weight.detach().clone()
    loop._step(u[:64].astype(np.int32), i[:64].astype(np.int32), r[:64])
    used = np.zeros(len(users), bool)
    used[u[:64]] = True
    changed = (model.user_factors.weight.detach() != before).any(1).numpy()
    assert np.array_equal(changed, used)


def test_shuffle_is_a_seeded_permutation_that_keeps_rows_together():
    n = 300_000  # several buckets
    users = np.arange(n, dtype=np.int32)
    items, ratings = users[::-1].copy(), (users % 10).astype(np.float32)
    outs = [tuple(np.empty_like(a) for a in (users, items, ratings)) for _ in range(3)]
    for out, seed in zip(outs, (1, 1, 2)):
        kernels.shuffle_into(users, items, ratings, *out, seed)
    u, i, r = outs[0]
    assert np.array_equal(np.sort(u), users)
    assert np.array_equal(i, n - 1 - u) and np.array_equal(r, (u % 10).astype(np.float32))
    assert np.array_equal(outs[0][0], outs[1][0])
    assert not np.array_equal(outs[0][0], outs[2][0])
    assert abs(np.corrcoef(u[:-1], u[1:])[0, 1]) < 0.01  # neighbours are unrelated


def test_shuffle_is_uniform():
    small = np.arange(4, dtype=np.int32)
    out = (np.empty_like(small), np.empty_like(small), np.empty(4, np.float32))
    first = np.zeros(4)
    for seed in range(4000):
        kernels.shuffle_into(small, small, small.astype(np.float32), *out, seed)
        first[out[0][0]] += 1
    assert np.all(np.abs(first / 4000 - 0.25) < 0.03)


@pytest.mark.movielens
def test_rowwise_matches_the_torch_engine_on_the_benchmark_split():
    train_path, test_path = split_paths()
    train, test = cf.load_ratings(train_path), cf.load_ratings(test_path)
    scores = {}
    for engine in ("rowwise", "torch"):
        result = cf.fit(train, cf.TrainConfig(engine=engine))
        scores[engine] = cf.evaluate(result.recommender, test).rmse
    assert scores["rowwise"] < 0.85
    assert abs(scores["rowwise"] - scores["torch"]) < 0.01


def test_engine_choice(small):
    _, _, arrays = index_ratings(small)
    tensors = [torch.from_numpy(a) for a in arrays]
    cpu = torch.device("cpu")
    assert isinstance(make_loop(_model(small), cf.TrainConfig(), *tensors, cpu), rowwise.RowwiseLoop)
    assert not isinstance(make_loop(_model(small, "nn"), cf.TrainConfig(), *tensors, cpu), rowwise.RowwiseLoop)
    torch_loop = make_loop(_model(small), cf.TrainConfig(engine="torch"), *tensors, cpu)
    assert not isinstance(torch_loop, rowwise.RowwiseLoop)
    with pytest.raises(ConfigError, match="dot and dot-bias"):
        make_loop(_model(small, "nn"), cf.TrainConfig(engine="rowwise", model="nn"), *tensors, cpu)
    with pytest.raises(ConfigError, match="engine must be one of"):
        cf.TrainConfig(engine="fast").validate()


def test_each_engine_trains_with_its_own_loop_and_both_learn(small, monkeypatch):
    frame = small.frame
    spread = cf.rmse(np.full(len(frame), frame["rating"].mean()), frame["rating"])
    used = []  # the loop fit trained with, per engine

    def spy(*args, make=training_loop.make_loop):
        used.append(type(loop := make(*args)))
        return loop

    monkeypatch.setattr(training_loop, "make_loop", spy)
    fitted = {}
    for engine in ("rowwise", "torch"):
        config = cf.TrainConfig(n_factors=8, epochs=10, batch_size=256, valid_frac=0.0, engine=engine)
        rec = cf.fit(small, config).recommender
        fitted[engine] = cf.rmse(rec.predict(frame["user"].to_numpy(), frame["item"].to_numpy()), frame["rating"])
    assert used == [rowwise.RowwiseLoop, training_loop.TorchLoop]
    assert max(fitted.values()) < 0.8 * spread


def test_without_numba_auto_falls_back_to_the_torch_loop(small, monkeypatch):
    monkeypatch.setattr(rowwise, "available", lambda: False)
    monkeypatch.setattr("cf.placement._has_numba", lambda: False)  # the placement decides the engine
    _, _, arrays = index_ratings(small)
    tensors = [torch.from_numpy(a) for a in arrays]
    loop = make_loop(_model(small), cf.TrainConfig(), *tensors, torch.device("cpu"))
    assert not isinstance(loop, rowwise.RowwiseLoop)
    with pytest.raises(ConfigError, match="needs numba"):
        make_loop(_model(small), cf.TrainConfig(engine="rowwise"), *tensors, torch.device("cpu"))


@pytest.mark.parametrize("ordered", [False, True], ids=["index_add", "sorted"])
@pytest.mark.parametrize("kind", ["dot-bias", "dot"])
def test_lazy_torch_steps_match_autograd_with_lazy_adam(small, kind, ordered, monkeypatch):
    """Three steps of the GPU's lazy torch loop (run here on CPU tensors) equal autograd + Adam on the rows used,
    with the per-row sums of the CPU (``index_add_``) and of the GPU (sorted ``index_put_``)."""
    from functools import partial

    from cf.training import lazy
    from cf.training.lazy import LazyTorchLoop

    monkeypatch.setattr(lazy, "row_sums", partial(lazy.row_sums, ordered=ordered))

    config = cf.TrainConfig(model=kind, n_factors=8, batch_size=500, epochs=2, weight_decay=0.3, lr=0.05)
    _, _, (u, i, r) = index_ratings(small)
    ours = _model(small, kind)
    reference = copy.deepcopy(ours)
    loop = LazyTorchLoop(ours, config, *(torch.from_numpy(a) for a in (u, i, r)), torch.device("cpu"))
    loop.warm_up()  # leaves the model and the schedule as they were
    batches = [(u[s : s + 500], i[s : s + 500], r[s : s + 500]) for s in (0, 500, 1000)]
    for bu, bi, br in batches:
        loop.step(*(torch.from_numpy(a) for a in (bu.astype(np.int64), bi.astype(np.int64), br)))
    _lazy_adam_reference(reference, batches, config, loop.total_steps)
    for (name, mine), theirs in zip(ours.state_dict().items(), reference.state_dict().values()):
        tolerance = 2e-6 if "factors" in name else 2e-5
        assert torch.allclose(mine, theirs, atol=tolerance), (name, (mine - theirs).abs().max())
    assert not torch.equal(ours.user_factors.weight, _model(small, kind).user_factors.weight)


@pytest.mark.parametrize("kind", ["dot-bias", "dot"])
def test_the_lazy_loops_dense_masked_update_gives_the_same_model(small, kind):
    """Adam over whole tables with a mask of the rows used (no torch.unique) trains the very same model as
    Adam on the unique rows: same operations on the rows used, nothing changed elsewhere."""
    from cf.training.lazy import LazyTorchLoop

    config = cf.TrainConfig(model=kind, n_factors=8, batch_size=300, epochs=2, weight_decay=0.3, lr=0.05)
    _, _, arrays = index_ratings(small)
    device = torch.device("cuda" if os.environ.get("CF_DEVICE", "").startswith("cuda") else "cpu")  # the GPU check
    models = []
    for dense in (False, True):  # on a GPU the warm-up picks one by timing: the model must not depend on it
        model = _model(small, kind).to(device)
        loop = LazyTorchLoop(model, config, *(torch.from_numpy(a).to(device) for a in arrays), device)
        loop.dense = dense
        for _ in range(config.epochs):
            loop.run_epoch(None)
        models.append(model.state_dict())
    assert all(torch.equal(models[0][name], models[1][name]) for name in models[0])
    assert not torch.equal(models[0]["user_factors.weight"].cpu(), _model(small, kind).user_factors.weight)


def test_a_stop_inside_an_epoch_leaves_the_lazy_loops_model_with_the_steps_taken(small):
    """The packed table is copied back into the model when an epoch stops early, not only when it ends."""
    from cf.training.lazy import LazyTorchLoop

    config = cf.TrainConfig(n_factors=8, batch_size=300, epochs=2)
    _, _, arrays = index_ratings(small)
    model = _model(small)
    loop = LazyTorchLoop(model, config, *(torch.from_numpy(a) for a in arrays), torch.device("cpu"))
    loss, stopped = loop.run_epoch(lambda: True)  # stop after the first step
    assert stopped and loop.step_count == 1
    fresh = _model(small).state_dict()
    assert all(not torch.equal(weight, fresh[name]) for name, weight in model.state_dict().items())
    assert all(torch.equal(weight, place) for weight, place in loop.rows._parts())


def test_the_lazy_loop_times_both_updates_and_keeps_the_faster_leaving_the_run_as_it_was(small):
    """On a GPU the warm-up picks the faster of the two updates (the same model either way) by timing a few
    steps of each; the model, the Adam state and the schedule are left as they were. On a CPU: the rows used."""
    from cf.training.lazy import LazyTorchLoop

    config = cf.TrainConfig(n_factors=8, batch_size=300, epochs=2)
    _, _, arrays = index_ratings(small)
    model = _model(small)
    loop = LazyTorchLoop(model, config, *(torch.from_numpy(a) for a in arrays), torch.device("cpu"))
    loop.warm_up()
    assert loop.dense is False and loop.update_seconds == {}  # a CPU: nothing timed
    loop.run_epoch(lambda: loop.step_count >= 3)
    before = {name: t.clone() for name, t in model.state_dict().items()}
    moments, count = loop.rows.moments.clone(), loop.step_count
    assert loop.choose_update(lambda dense: 1.0 if dense else 2.0) is True
    assert loop.choose_update(lambda dense: 2.0 if dense else 1.0) is False
    assert loop.choose_update() in (True, False)  # timed for real: whichever, nothing else changes
    assert set(loop.update_seconds) == {"rows used", "dense"} and min(loop.update_seconds.values()) > 0
    assert loop.step_count == count and torch.equal(loop.rows.moments, moments)
    assert all(torch.equal(before[name], t) for name, t in model.state_dict().items())
    assert all(torch.equal(weight, place) for weight, place in loop.rows._parts())


@pytest.mark.parametrize("ordered", [False, True])
def test_row_sums_add_each_rows_values(ordered):
    """Both ways of summing by row give the sums of each row's values (rows no value goes to stay 0)."""
    from cf.training.lazy import row_sums

    generator = torch.Generator().manual_seed(0)
    index = torch.randint(0, 7, (500,), generator=generator)
    index[index == 3] = 4  # row 3 gets nothing
    values = torch.randn(500, 5, generator=generator)
    expected = np.zeros((7, 5))
    np.add.at(expected, index.numpy(), values.double().numpy())
    got = row_sums(index, values, 7, ordered=ordered)
    assert got.shape == (7, 5) and np.allclose(got.numpy(), expected, atol=1e-4)
    assert torch.equal(got[3], torch.zeros(5))
    assert torch.equal(row_sums(index, values[:, 0], 7, ordered=ordered), got[:, 0])


def test_lazy_torch_loop_trains_as_well_as_the_rowwise_loop(demo_data):
    """On the demo data (100,000 ratings, as latest-small): validation RMSE after the same epochs within 0.005
    of the row-wise loop's."""
    from cf.placement import place
    from cf.training.loop import fit_once

    train, valid, _ = cf.validation_split(demo_data[0], 0.1, 0)
    config = cf.TrainConfig(epochs=6, n_factors=16, device="cpu")
    rowwise_fit = fit_once(train, config, place(train.n_ratings, config), valid, rank=False)
    lazy = replace(place(train.n_ratings, config), engine="lazy")
    lazy_fit = fit_once(train, config, lazy, valid, rank=False)
    assert lazy_fit.history[-1].valid_rmse == pytest.approx(rowwise_fit.history[-1].valid_rmse, abs=0.005)
    assert lazy_fit.history[-1].valid_rmse < lazy_fit.history[0].valid_rmse
