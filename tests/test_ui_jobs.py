"""The background job base: failures become one plain message each, and the job always ends."""

import logging

import pytest

from ui.jobs.base import BackgroundJob


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
