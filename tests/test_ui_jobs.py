"""The background job base: failures become one plain message each, and the job always ends; every job is seen
through one protocol (:class:`ui.jobs.base.JobView`), which the shared panel draws in each state."""

import logging

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import cf
from cf.data.demo import load_demo
from cf.jobs import JobQueue
from cf.maps.layouts import LayoutSettings
from ui.jobs.base import BackgroundJob, JobState, JobView
from ui.jobs.crossval import CrossValJob
from ui.jobs.map_layout import LayoutJob
from ui.jobs.sweep import SweepJob
from ui.jobs.training import HOLD_FILE_ENV, TrainingJob
from ui.session.state import DataRecord, ModelRecord


class Failing(BackgroundJob):
    title = "The test job"
    expected = (KeyError,)
    memory_hint = "Try less."

    def __init__(self, error: BaseException | None):
        super().__init__("cf-test-job")
        self.raised, self.finished = error, False

    def _work(self) -> None:
        if self.raised is not None:
            raise self.raised

    def _finish(self) -> None:
        self.finished = True


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (None, None),
        (KeyError("no such column 'rating'"), "\"no such column 'rating'\""),
        (MemoryError(), "The test job ran out of memory. Try less."),
        (RuntimeError("boom"), "The test job failed: boom"),
        (RuntimeError(), "The test job failed: RuntimeError"),
    ],
)
def test_each_failure_becomes_one_message_and_the_job_always_finishes(error, message, caplog):
    with caplog.at_level(logging.ERROR, logger="cf.app"):
        job = Failing(error).start()
        assert job.wait(30)
    assert job.error == message and job.finished and not job.running
    unexpected = isinstance(error, RuntimeError)
    assert any("cf-test-job failed" in r.getMessage() for r in caplog.records) == unexpected  # logged for us


def test_stop_is_a_request_the_work_reads():
    job = Failing(None)
    assert not job.stop_requested.is_set()
    job.stop()
    assert job.stop_requested.is_set() and job.running  # not started: nothing ended it


# -- one view of every job (JobView) and the panel that draws it ------------------------


@pytest.fixture(scope="module")
def demo() -> DataRecord:
    """A slice of the demo dataset: a run of one epoch on it takes well under a second (once compiled)."""
    ratings, movies = load_demo()
    return DataRecord(cf.load_ratings(ratings.frame.head(3000)), movies, "Demo dataset", "demo", demo=True)


def small_config(**changes) -> cf.TrainConfig:
    return cf.TrainConfig(**{"epochs": 1, "n_factors": 4, **changes})


def every_job(data: DataRecord) -> list[BackgroundJob]:
    """One job of each kind, not started: training, cross-validation, a sweep and a map layout."""
    record = ModelRecord(1, None, small_config(), [], None, 0.0, data.label, data.key)
    vectors = np.random.default_rng(0).normal(size=(40, 4))
    return [
        TrainingJob(data, small_config(), 1),
        CrossValJob(data, record, 2),
        SweepJob(data, small_config(), {"n_factors": [2, 4]}, "rmse"),
        LayoutJob(vectors, np.ones(40), LayoutSettings("tsne", perplexity=5)),
    ]


def test_every_job_is_seen_through_one_protocol(demo):
    jobs = every_job(demo)
    assert {type(job) for job in jobs} == {TrainingJob, CrossValJob, SweepJob, LayoutJob}
    for job in jobs:
        assert isinstance(job, JobView), type(job).__name__
        assert job.state is JobState.RUNNING and job.running  # not ended (nor queued: no ticket)
        assert job.fraction == 0.0 and job.message and job.label and job.place() is None
        job.stop()
        assert job.state is JobState.STOPPING and job.running


def test_a_queued_job_tells_its_place_and_leaves_the_queue(demo):
    queue = JobQueue(1)
    busy = queue.enter("another session")
    job = CrossValJob(demo, ModelRecord(2, None, small_config(), [], None, 0.0, demo.label, demo.key), 2)
    job.ticket = queue.enter("this session")
    job.start()
    assert job.state is JobState.QUEUED and job.running and job.place().position == 1
    assert job.fraction == 0.0
    assert job.message.startswith("Cross-validating Model 2: Waiting for a free slot: next in line")
    job.stop()
    assert job.wait(30) and job.left_queue and job.result is None
    assert (
        job.state is JobState.STOPPED and job.message == "Cross-validating Model 2: Left the queue before it started."
    )
    busy.release()


def test_a_run_is_running_then_stopped_or_done_and_a_failure_says_why(demo, monkeypatch, tmp_path):
    hold = tmp_path / "hold"
    hold.write_text("0")  # runs wait after their first batch until stopped
    monkeypatch.setenv(HOLD_FILE_ENV, str(hold))
    held = TrainingJob(demo, small_config(), 1).start()
    assert held.held.wait(60), "the run did not reach the hold"
    assert held.state is JobState.RUNNING and 0.0 < held.fraction < 1.0
    assert held.message.startswith("Epoch 1 of 1 · about ")
    held.stop()
    assert held.wait(60) and held.state is JobState.STOPPED and held.message == "Stopped." and not held.running
    hold.unlink()
    done = TrainingJob(demo, small_config(), 2).start()
    assert done.wait(120) and done.state is JobState.DONE, done.error
    assert (done.fraction, done.message) == (1.0, "Done.")
    failed = SweepJob(demo, small_config(), {"n_factors": [0]}, "rmse").start()  # 0 factors: no such model
    assert failed.wait(60) and failed.state is JobState.FAILED and failed.message == failed.error
    assert "n_factors must be between 1 and 512" in failed.message


def panel_script() -> None:
    """Draws the job in ``st.session_state["shown"]`` with the shared panel (run by AppTest)."""
    import streamlit as st

    from ui.components import job_panel

    job_panel.panel(st.session_state["shown"], "cf.test_stop", heading="**A job**", stop_label="Stop it")


def drawn(job: JobView) -> AppTest:
    at = AppTest.from_function(panel_script, default_timeout=60)
    at.session_state["shown"] = job
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.markdown[0].value == "**A job**"
    return at


def bar(at: AppTest) -> tuple[int, str] | None:
    bars = at.get("progress")
    return (bars[0].proto.value, bars[0].proto.text) if bars else None


def test_the_panel_draws_every_state_of_a_job(demo, monkeypatch, tmp_path):
    queue = JobQueue(1)
    busy = queue.enter("another session")
    queued = SweepJob(demo, small_config(), {"n_factors": [2, 4]}, "rmse")
    queued.ticket = queue.enter("this session")
    at = drawn(queued.start())
    assert bar(at)[0] == 0 and bar(at)[1].startswith("Waiting for a free slot: next in line")
    assert at.button(key="cf.test_stop").label == "Leave the queue"
    at.button(key="cf.test_stop").click().run()
    assert queued.wait(30) and queued.left_queue
    busy.release()

    hold = tmp_path / "hold"
    hold.write_text("0")
    monkeypatch.setenv(HOLD_FILE_ENV, str(hold))
    running = TrainingJob(demo, small_config(), 1).start()
    assert running.held.wait(60)
    at = drawn(running)
    percent, text = bar(at)
    assert 0 < percent < 100 and text.startswith("Epoch 1 of 1 · about ")
    button = at.button(key="cf.test_stop")
    assert (button.label, button.disabled) == ("Stop it", False)
    button.click().run()
    assert running.stop_requested.is_set() and running.wait(60)

    stopping = TrainingJob(demo, small_config(), 2)
    stopping.stop()  # not started: it stays "stopping" while the panel is drawn
    button = drawn(stopping).button(key="cf.test_stop")
    assert (button.label, button.disabled) == ("Stopping…", True)

    hold.unlink()
    done = TrainingJob(demo, small_config(), 3).start()
    assert done.wait(120)
    at = drawn(done)
    assert bar(at) == (100, "Done.") and not at.button

    failed = LayoutJob(np.zeros((5, 2)), np.ones(5), LayoutSettings("no such method")).start()
    assert failed.wait(30)
    at = drawn(failed)
    assert bar(at) is None and not at.button
    assert [e.value for e in at.error] == [failed.error] and failed.error.startswith("Unknown layout")
