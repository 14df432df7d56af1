"""Cross-validation in a background thread of the person's session, with progress and Stop.

Like training (:mod:`ui.jobs.training`), the script thread never waits: it starts a
:class:`CrossValJob`, and a fragment polls it. Finished results are kept in the session
by run id (:func:`results`), so the Compare screen can show them with error bars and
pair two runs scored on the same folds.
"""

from __future__ import annotations

import streamlit as st

import cf
from cf.crossval import CVResult, cross_validate
from cf.jobs import QueueError
from ui.jobs.base import BackgroundJob, queue_for_session
from ui.session import state
from ui.session.state import DataRecord, ModelRecord

JOB = "cf.cv_job"
RESULTS = "cf.cv_results"
FOLDS = "cf.cv_folds"
RUN = "cf.cv_run"
STOP = "cf.cv_stop"
START = "cf.cv_start"
SEED = 0
"""The folds' seed: fixed, so every run cross-validated on the same data shares its folds."""


class CrossValJob(BackgroundJob):
    """One cross-validation on a background thread. Read its fields from any thread."""

    title = "Cross-validation"
    expected = (cf.ConfigError, cf.TrainingDiverged, cf.DataError)

    def __init__(self, data: DataRecord, record: ModelRecord, folds: int):
        super().__init__(f"cf-cv-{record.number}")
        self.data, self.record, self.folds = data, record, folds
        self._done_share, self._text = 0.0, "Starting…"
        self.result: CVResult | None = None

    def _work(self) -> None:
        self.result = cross_validate(
            self.data.ratings,
            self.record.config,
            folds=self.folds,
            seed=SEED,
            movies=self.data.movies,
            progress=self._progress,
            should_stop=self.stop_requested.is_set,
        )

    def _progress(self, share: float, text: str) -> None:
        self._done_share, self._text = share, text

    @property
    def label(self) -> str:
        return f"Cross-validating {self.record.name}"

    @property
    def message(self) -> str:
        """As any job's, after the run's name ("Cross-validating Model 2: Fold 3 of 5…"); an error as it is."""
        said = super().message
        return said if self.error else f"{self.label}: {said}"

    def _share(self) -> float:
        return self._done_share

    def _news(self) -> str:
        return self._text


def job() -> CrossValJob | None:
    return st.session_state.get(JOB)


def results() -> dict[str, CVResult]:
    """Finished cross-validations of this session, by run id."""
    return st.session_state.setdefault(RESULTS, {})


def start(data: DataRecord, record: ModelRecord, folds: int) -> CrossValJob:
    """Start cross-validating ``record``'s settings on ``data`` once its turn in the server's queue comes.

    Raises :class:`cf.ConfigError` when this session already has a job queued or running.
    """
    running = job()
    if running is not None and running.running:
        return running
    try:
        started = queue_for_session(CrossValJob(data, record, folds), state.session_id()).start()
    except QueueError as error:
        raise cf.ConfigError(str(error)) from None
    st.session_state[JOB] = started
    return started


def collect() -> tuple[str, str] | None:
    """When the job is over: keep its result and return (kind, message) for a notice."""
    finished = job()
    if finished is None or finished.running:
        return None
    st.session_state[JOB] = None
    name = finished.record.name
    if finished.left_queue:
        return "info", f"Cross-validation of {name} left the queue before it started; nothing was run."
    if finished.error:
        return "error", finished.error
    result = finished.result
    if result is None or not result.folds:
        return "info", f"Cross-validation of {name} was stopped before a fold finished; nothing was kept."
    results()[finished.record.id] = result
    if result.stopped:
        return "info", f"Cross-validation of {name} was stopped: {len(result.folds)} folds finished and are shown."
    return "success", f"Cross-validated {name} on {len(result.folds)} folds in {result.seconds:.0f} s: see below."
