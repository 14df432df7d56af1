"""Many sessions on one server, in the app (AppTest): the training queue's place, leaving it, and its slots."""

from __future__ import annotations

import os
import threading

import pytest

import cf
from cf.jobs import DONE, RUNNING, JobQueue
from tests import test_app as app
from tests.helpers import small_ratings
from tests.test_app_tune import run_sweep
from ui.components import widgets
from ui.jobs import base as background
from ui.jobs import training
from ui.jobs.base import BackgroundJob
from ui.screens import train as train_screen
from ui.screens import tune
from ui.session import state


@pytest.fixture
def full_queue():
    """Every slot of the server's training queue taken by another 'session' until the test releases them."""
    queue = background.server_queue()
    blockers = [queue.enter(f"other-session-{i}") for i in range(queue.slots)]
    assert all(t.state == RUNNING for t in blockers), "the queue was not empty: a run of an earlier test still going"
    yield blockers
    for ticket in blockers:
        ticket.release()


def progress_texts(at) -> list[str]:
    return [p.proto.text for p in at.get("progress")]


def test_a_full_queue_shows_the_place_and_the_person_can_leave_it(full_queue):
    at = app.new_app()
    app.start_training(at, epochs=1)
    job = at.session_state[state.JOB]
    assert job.place().position == 1 and job.running and not job.history
    at.run()
    assert any(t.startswith("Waiting for a free slot: next in line") for t in progress_texts(at)), progress_texts(at)
    assert at.button(key=train_screen.STOP).label == "Leave the queue"
    app.go(at, state.TAB_USER)  # the sidebar shows the place from every other screen
    assert any("next in line" in t for t in progress_texts(at))
    assert at.button(key=widgets.STOP_SIDE).label == "Leave the queue"
    at.button(key=widgets.STOP_SIDE).click()
    at.run()
    app.wait_for_training(at)
    assert at.session_state[state.MODEL] is None
    assert job.left_queue and not job.history
    app.go(at, state.TAB_TRAIN)
    assert any("You left the training queue" in i.value for i in at.info)


def test_a_queued_run_starts_when_a_slot_frees_and_gives_this_session_its_model(full_queue):
    first, second = app.new_app(), app.new_app()
    app.start_training(first, epochs=1)
    app.start_training(second, epochs=2)
    jobs = [first.session_state[state.JOB], second.session_state[state.JOB]]
    assert [j.place().position for j in jobs] == [1, 2]
    with pytest.raises(Exception, match="already has a job"):  # one run per session at a time
        background.server_queue().enter(first.session_state[state.SESSION])
    full_queue[0].release()  # one slot frees: both runs, on small data, start in it (half a slot each)
    assert jobs[0].place() is None and jobs[1].place() is None
    assert background.server_queue().counts() == (len(full_queue) - 1 + 2, 0)
    full_queue[1 % len(full_queue)].release()
    for at, epochs in ((first, 1), (second, 2)):
        app.wait_for_training(at)
        record = at.session_state[state.MODEL]
        assert record is not None and len(record.history) == epochs


@pytest.fixture
def tight_memory(monkeypatch):
    """The server's model budget at one byte, idle after 60 s of a clock the test moves."""
    budget = state.server_memory()
    now = [1_000_000.0]
    monkeypatch.setattr(budget, "budget_bytes", 1)
    monkeypatch.setattr(budget, "idle_seconds", 60.0)
    monkeypatch.setattr(budget, "clock", lambda: now[0])
    return now


def test_an_idle_sessions_model_moves_to_disk_and_comes_back_when_the_person_returns(tight_memory):
    away = app.new_app()
    record = app.train(away, epochs=1)
    app.go(away, state.TAB_USER)
    picks = app.picks_shown(away)
    tight_memory[0] += 120  # the page sits idle for two minutes; then someone else works
    app.new_app()
    assert record.recommender is None and record.spilled and os.path.exists(record.spilled)
    path = record.spilled
    app.go(away, state.TAB_DATA)  # the person returns
    assert record.recommender is not None and record.spilled is None and not os.path.exists(path)
    assert any("moved Model 1 out of memory" in i.value and "nothing was lost" in i.value for i in away.info)
    assert any("This server is shared" in c.value for c in away.caption)
    app.go(away, state.TAB_USER)
    assert app.picks_shown(away).equals(picks)
    app.go(away, state.TAB_COMPARE)
    assert any("moved Model 1 out of memory" in i.value for i in away.info)


def test_a_queued_run_whose_page_was_closed_leaves_the_queue(full_queue, monkeypatch):
    monkeypatch.setattr(background, "SESSION_CHECK_SECONDS", 0.01)
    monkeypatch.setattr(background, "PAGE_GONE_SECONDS", -1.0)  # gone at the second check
    data = state.DataRecord(ratings=small_ratings(), movies=None, label="small", key="small")
    job = training.TrainingJob(data, cf.TrainConfig(epochs=1), number=1)
    job.ticket = background.server_queue().enter("closed-page")
    job.page_open = lambda: False
    job.start()
    assert job.wait(30)
    assert job.left_queue and job.result is None
    assert background.server_queue().counts() == (len(full_queue), 0)


class HeldJob(BackgroundJob):
    """A job that runs until stopped, then ends as told: quietly, with an error message, or raising."""

    def __init__(self, name: str, ending: str = "stop"):
        super().__init__(name)
        self.ending = ending
        self.began = threading.Event()

    def _work(self) -> None:
        self.began.set()
        self.stop_requested.wait(30)
        if self.ending == "error":
            self.error = "it failed"
        elif self.ending == "raise":
            raise RuntimeError("an unexpected failure")


def queued_job(queue: JobQueue, name: str, ending: str = "stop") -> HeldJob:
    job = HeldJob(name, ending)
    job.ticket = queue.enter(name)
    return job.start()


@pytest.mark.parametrize("ending", ["stop", "error", "raise"])
def test_a_job_gives_its_slot_to_the_next_in_line_however_it_ends(ending):
    queue = JobQueue(1)
    first, second = queued_job(queue, "first", ending), queued_job(queue, "second")
    assert first.began.wait(30)
    assert first.ticket.state == RUNNING and second.place().position == 1 and not second.began.is_set()
    first.stop()  # the held job ends now: quietly, with its error, or raising
    assert first.wait(30) and second.began.wait(30)  # the slot went to the next in line
    assert first.ticket.state == DONE and second.ticket.state == RUNNING and queue.counts() == (1, 0)
    assert first.error == {"stop": None, "error": "it failed", "raise": "The job failed: an unexpected failure"}[ending]
    second.stop()
    assert second.wait(30) and queue.counts() == (0, 0)


def test_a_job_that_leaves_the_queue_never_runs_and_frees_its_session():
    queue = JobQueue(1)
    busy, leaving = queued_job(queue, "busy"), queued_job(queue, "leaving")
    leaving.stop()
    assert leaving.wait(30) and leaving.left_queue and not leaving.began.is_set()
    assert queue.counts() == (1, 0)
    again = queued_job(queue, "leaving")  # the session may queue again at once
    assert again.place().position == 1
    busy.stop()
    assert again.began.wait(30)
    again.stop()
    assert again.wait(30) and queue.counts() == (0, 0)


def test_a_sweep_waits_in_the_same_queue_and_the_session_keeps_to_one_job(full_queue):
    at = app.new_app()
    job = run_sweep(at, {"lr": "0.001, 0.01"})
    at.run()
    assert job.place().position == 1 and not job.results
    assert any(t.startswith("Waiting for a free slot: next in line") for t in progress_texts(at)), progress_texts(at)
    app.go(at, state.TAB_TRAIN)
    at.form_submit_button[0].click().run()
    assert at.session_state[state.JOB] is None  # one job per session: the sweep holds its place
    assert any("already has a job queued or running" in e.value for e in at.error), [e.value for e in at.error]
    app.go(at, state.TAB_TUNE)
    assert at.button(key=tune.STOP).label == "Leave the queue"
    at.button(key=tune.STOP).click().run()
    assert job.wait(30) and job.left_queue and not job.results
    at.run()
    assert any("left the queue before it started" in i.value for i in at.info)
    assert background.server_queue().counts() == (len(full_queue), 0)
