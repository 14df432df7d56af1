"""The server-wide memory budget: idle sessions' models move to disk and come back; closed ones leave nothing."""

from __future__ import annotations

import gc
import os
from dataclasses import dataclass, field

import numpy as np
import pytest

import cf
from tests.helpers import small_ratings
from ui.session import memory
from ui.session.memory import ModelMemory


@dataclass(eq=False)
class Record:
    """What the app's ModelRecord offers the budget."""

    recommender: cf.Recommender | None
    spilled: str | None = None
    cache: dict = field(default_factory=dict)
    released: bool = False
    number: int = 1

    def release(self) -> None:
        self.recommender, self.released = None, True


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def trained() -> list[cf.Recommender]:
    ratings = small_ratings()
    configs = [cf.TrainConfig(model="dot-bias", epochs=1, n_factors=8, valid_frac=0.0, seed=s) for s in (1, 2, 3)]
    return [cf.train_model(ratings, config)[0].recommender for config in configs]


def picks(recommender: cf.Recommender) -> np.ndarray:
    users = recommender.users.ids[:5]
    return np.stack([recommender.predict(np.repeat(u, 20), recommender.items.ids[:20]) for u in users])


def test_idle_sessions_models_move_to_disk_when_over_budget_and_come_back(trained, tmp_path):
    clock = Clock()
    size = trained[0].nbytes()
    budget = ModelMemory(budget_bytes=int(size * 2.5), idle_seconds=60, folder=tmp_path, clock=clock)
    alice = [Record(trained[0], number=1), Record(trained[1], number=2)]
    bob = [Record(trained[2])]
    before = picks(trained[0])
    budget.visit("alice", alice)
    clock.now = 30
    budget.visit("bob", bob)  # 3 models > 2.5: but alice was seen 30 s ago, not idle yet
    assert all(r.recommender is not None for r in alice + bob)
    assert budget.usage() == (3 * size, 0, 2)
    clock.now = 90  # alice idle 90 s, bob 60 s: the least recently seen goes first, and that is enough
    alice[0].cache["derived"] = "dropped with the weights"
    budget.visit("carol", [])
    assert [r.recommender is None for r in alice + bob] == [True, True, False]
    files = sorted(os.listdir(tmp_path))
    assert len(files) == 2 and all(r.spilled for r in alice) and alice[0].cache == {}
    assert budget.usage() == (size, 2, 2)
    visit = budget.visit("alice", alice)  # alice returns
    assert set(visit.restored) == set(alice) and not visit.lost  # in no particular order
    assert all(r.recommender is not None and r.spilled is None for r in alice)
    assert np.allclose(picks(alice[0].recommender), before)
    # alice's two are back, so bob (idle 60 s by now) makes room: his one file is all that is on disk
    assert bob[0].spilled and os.listdir(tmp_path) == [os.path.basename(bob[0].spilled)]


def test_active_sessions_keep_their_models_even_over_budget(trained, tmp_path):
    budget = ModelMemory(budget_bytes=1, idle_seconds=60, folder=tmp_path, clock=Clock())
    records = [Record(r) for r in trained]
    budget.visit("a", records)
    budget.visit("b", [])
    assert all(r.recommender is not None for r in records) and os.listdir(tmp_path) == []


def test_a_model_whose_file_is_gone_is_released_and_reported(trained, tmp_path):
    clock = Clock()
    budget = ModelMemory(budget_bytes=1, idle_seconds=10, folder=tmp_path, clock=clock)
    record = Record(trained[0])
    budget.visit("a", [record])
    clock.now = 20
    budget.visit("b", [])
    os.remove(record.spilled)
    visit = budget.visit("a", [record])
    assert visit.lost == [record] and record.released and record.recommender is None and record.spilled is None


def test_a_closed_session_frees_its_models_and_files(trained, tmp_path):
    clock = Clock()
    budget = ModelMemory(budget_bytes=1, idle_seconds=10, folder=tmp_path, clock=clock)
    records = [Record(trained[0]), Record(trained[1])]
    budget.visit("gone", records)
    clock.now = 20
    budget.visit("other", [])
    assert len(os.listdir(tmp_path)) == 2
    del records
    gc.collect()
    assert os.listdir(tmp_path) == []
    budget.visit("other", [])
    assert budget.usage() == (0, 0, 0)


def test_settings_from_the_environment():
    assert memory.settings_from_env({}) == (memory.default_budget_mb(), memory.DEFAULT_IDLE_SECONDS)
    assert memory.settings_from_env({memory.BUDGET_ENV: "512", memory.IDLE_ENV: "30"}) == (512, 30.0)
    for name in (memory.BUDGET_ENV, memory.IDLE_ENV):
        with pytest.raises(ValueError, match=name):
            memory.settings_from_env({name: "lots"})
        with pytest.raises(ValueError, match=name):
            memory.settings_from_env({name: "0"})
