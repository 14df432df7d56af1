"""A tuning sweep in a background thread of the person's session (see :mod:`cf.sweep`).

Like training (:mod:`ui.jobs.training`), the script thread never waits: :func:`start` starts a
:class:`SweepJob`, a fragment polls it to draw each result as it arrives, and Stop sets a
flag the library checks between batches. The job keeps to itself; it never touches the
session state from its thread.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence

import streamlit as st

import cf
from cf.jobs import QueueError
from cf.sweep import SweepResult, best, grid, run_sweep
from ui.components.text import seconds
from ui.jobs.base import BackgroundJob, queue_for_session
from ui.session import state
from ui.session.state import DataRecord

log = logging.getLogger("cf.app")


class SweepJob(BackgroundJob):
    """One sweep on a background thread. Read its fields from any thread."""

    title = "The sweep"
    expected = (cf.TrainingDiverged, cf.ConfigError, cf.DataError)

    def __init__(self, data: DataRecord, base: cf.TrainConfig, values: Mapping[str, Sequence[float]], score: str):
        super().__init__("cf-sweep")
        self.data = data
        self.base = base
        self.values = {name: list(v) for name, v in values.items()}
        self.score = score
        self.n_points = len(grid(self.values))
        self.results: list[SweepResult] = []
        self.n_valid = 0
        """How many kept-aside ratings every point is scored on (set when the sweep starts)."""
        self.n_people = 0
        """How many people those ratings belong to."""
        self.started = time.perf_counter()
        self.seconds = 0.0

    def _on_turn(self) -> None:
        self.started = time.perf_counter()  # the time in the queue is not the sweep's

    def _work(self) -> None:
        frac = self.base.valid_frac if self.base.valid_frac > 0 else 0.1
        train, valid, _ = cf.validation_split(self.data.ratings, frac, self.base.seed)
        if valid is None or not valid.n_ratings:
            self.error = "There are too few ratings to hold some out for scoring the sweep."
            return
        self.n_valid, self.n_people = valid.n_ratings, int(valid.frame["user"].nunique())
        topn = self.score in ("ndcg", "hit_rate")
        sweep = run_sweep(train, valid, self.base, self.values, self.data.movies, topn, self.stop_requested.is_set)
        for result in sweep:
            self.results.append(result)
        log.info("swept %s of %s points in %.1f s", len(self.results), self.n_points, self.elapsed)

    def _finish(self) -> None:
        self.seconds = time.perf_counter() - self.started

    @property
    def elapsed(self) -> float:
        return self.seconds if self.done.is_set() else time.perf_counter() - self.started

    def _share(self) -> float:
        return len(self.results) / self.n_points

    def _news(self) -> str:
        if self.stop_requested.is_set():
            return "Stopping…"
        return f"Model {min(len(self.results) + 1, self.n_points)} of {self.n_points} · {seconds(self.elapsed)}"

    def best(self) -> SweepResult | None:
        return best(list(self.results), self.score)

    def best_config(self) -> cf.TrainConfig | None:
        """The base settings with the best point's values, or None before any result."""
        winner = self.best()
        return None if winner is None else cf.TrainConfig(**{**vars(self.base), **winner.point}).validate()


def current() -> SweepJob | None:
    """The session's latest sweep (running or finished), or None."""
    job = state.sweep()
    return job if isinstance(job, SweepJob) else None


def start(data: DataRecord, base: cf.TrainConfig, values: Mapping[str, Sequence[float]], score: str) -> SweepJob:
    """Start a sweep of ``values`` over ``base`` on ``data`` (one at a time per session)."""
    job = current()
    if job is not None and job.running:
        raise cf.ConfigError("A sweep is already running; stop it first or wait for it to finish.")
    try:
        job = queue_for_session(SweepJob(data, base.validate(), values, score), state.session_id()).start()
    except QueueError as error:
        raise cf.ConfigError(str(error)) from None
    st.session_state[state.SWEEP] = job
    return job
