"""Training in a background thread of the person's session, so it stays live and stoppable.

The script thread never blocks on training: it starts a :class:`TrainingJob`, and a
fragment polls the job a few times a second to draw the progress bar (from the library's
per-batch progress reports) and the loss chart. Other widgets stay usable meanwhile and
cannot interrupt the run. Stop sets a flag that the library polls after every batch
(``should_stop``); the library then ends with the model of the last finished epoch. When the job is over, the next run
of the script turns it into the session's model (:func:`collect`) - unless no epoch
finished, in which case the previous model stays.
"""

from __future__ import annotations

import dataclasses
import gc
import logging
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st

import cf
from cf import jobs
from cf.verdict import auto_summary
from ui.components.common import seconds
from ui.jobs import base as background
from ui.jobs.base import BackgroundJob
from ui.session import state
from ui.session.state import DataRecord, ModelRecord

log = logging.getLogger("cf.app")

TOPN_PEOPLE = 20_000
"""The most people whose top-N lists a finished run scores (a seeded random sample of them when more have a loved
held-out movie; the screen says so). Everyone up to MovieLens 1M; at 25M ratings all 142,000 took about 90 s on 2
cores, a sample this size gives hit rates within about 0.7 points (95%)."""

WARM_UP_ENV = "CF_WARM_UP"
"""Set to 0 to skip :func:`warm_up` (the tests do: it would train in the background while they run)."""

HOLD_FILE_ENV = "CF_TEST_HOLD_FILE"
"""For tests only: the path of a file holding a number N. While it exists, a run that starts
waits after its first batch past N finished epochs until Stop is pressed (at most
:data:`HOLD_SECONDS`), so a test can stop it at a known point instead of racing it."""
HOLD_SECONDS = 120.0


def hold_after_epochs() -> int | None:
    """The N of :data:`HOLD_FILE_ENV`, or None (no hold: always, outside tests)."""
    path = os.environ.get(HOLD_FILE_ENV)
    if not path:
        return None
    try:
        return int(Path(path).read_text().strip())
    except (OSError, ValueError):
        return None


@dataclass
class Progress:
    fraction: float
    text: str
    epoch: int
    epochs: int
    eta: float | None


class TrainingJob(BackgroundJob):
    """One training run on a background thread. Read its fields from any thread."""

    title = "Training"
    expected = (cf.TrainingDiverged, cf.ConfigError, cf.DataError)
    memory_hint = "Try fewer factors, a smaller batch size or a smaller file."

    def __init__(self, data: DataRecord, config: cf.TrainConfig, number: int):
        super().__init__(f"cf-train-{number}")
        self.data = data
        self.config = config
        self.number = number
        self.history: list[cf.EpochReport] = []
        self.started = time.perf_counter()
        self.cpu_started = 0.0
        self.phase = "starting"
        self.result: cf.FitResult | None = None
        self.valid: cf.Ratings | None = None
        self.note: str | None = None
        self.scores: cf.Scores | None = None
        self.device = "cpu"
        self.latest: cf.BatchProgress | None = None
        """The library's last progress report (None before the first batch finished)."""
        self.first_batch_at: float | None = None
        self.hold_after = hold_after_epochs()
        self.held = threading.Event()
        """Set while the run waits at the test hold (see :data:`HOLD_FILE_ENV`)."""
        self.figure_cache: tuple[int, object] | None = None
        """(epochs shown, figure): the live chart is rebuilt only when an epoch finished."""

    # -- the thread ------------------------------------------------------------------

    def _on_turn(self) -> None:
        self.started = time.perf_counter()  # the time in the queue is not the run's
        self.cpu_started = time.thread_time()
        size_thread_pools()

    def _work(self) -> None:
        self.device = cf.place(self.data.ratings.n_ratings, self.config).device_type
        self.phase = "training"
        result, valid, note = cf.train_model(
            self.data.ratings,
            self.config,
            self.data.movies,
            callback=self._on_epoch,
            should_stop=self.stop_requested.is_set,
            progress=self._on_batch,
        )
        self.valid, self.note = valid, note
        trained_at = time.perf_counter()
        if result.history and valid is not None and valid.n_ratings:
            self.phase = "scoring"
            self.scores = cf.evaluate_all(result.recommender, valid, max_people=TOPN_PEOPLE, seed=self.config.seed)
        result.phases["scoring"] = time.perf_counter() - trained_at  # the screen reads result.phases
        self.device = result.placement.device_type
        self.result = result
        now = time.perf_counter()
        log.info(
            "trained %s epochs of %s on %s ratings in %.1f s (%s); the job took %.1f s: %.1f s before scoring, "
            "%.1f s scoring; phases: %s; this thread's CPU %.1f s",
            len(result.history), self.config.model, self.data.ratings.n_ratings, result.fit_seconds,
            "stopped" if result.stopped else "complete", now - self.started, trained_at - self.started,
            now - trained_at, ", ".join(f"{k} {v:.2f}" for k, v in result.phases.items()),
            time.thread_time() - self.cpu_started,
        )  # fmt: skip

    def _finish(self) -> None:
        self.phase = "done"

    def _on_epoch(self, report: cf.EpochReport) -> None:
        self.history.append(report)

    def _on_batch(self, report: cf.BatchProgress) -> None:
        if self.first_batch_at is None:
            self.first_batch_at = time.perf_counter()
        self.latest = report
        if self.hold_after is not None and report.batches_done == self.hold_after * report.batches_per_epoch + 1:
            self.held.set()
            if not self.stop_requested.wait(HOLD_SECONDS):
                log.warning("test hold: no stop within %.0f s, training goes on", HOLD_SECONDS)
            self.held.clear()

    # -- for the screens -------------------------------------------------------------

    def stop(self) -> None:
        """Ask the run to stop (it ends with the model of the last finished epoch), or leave the queue."""
        super().stop()

    @property
    def label(self) -> str:
        return f"Training Model {self.number}"

    def _share(self) -> float:
        return self.progress().fraction

    def _news(self) -> str:
        return self.progress().text

    def progress(self) -> Progress:
        """Where the run is: its place in the queue, or the library's last progress report."""
        place = self.place()
        if place is not None:
            return Progress(0.0, background.queue_text(place), 0, self.config.epochs, place.eta)
        latest, now = self.latest, time.perf_counter()
        epochs = latest.epochs if latest is not None else self.config.epochs  # Auto may pick another number
        done = len(self.history)
        if latest is None:
            text = f"Preparing the data… ({seconds(now - self.started)})"
            if self.config.auto:
                text = f"Auto: trying settings on a validation split… ({seconds(now - self.started)})"
            if self.stop_requested.is_set():
                text = "Stopping…"
            return Progress(0.0, text, 0, epochs, None)
        batches, total = latest.batches_done, latest.batches_total
        fraction = min(1.0, batches / total)
        elapsed = now - (self.first_batch_at or now)
        eta = elapsed / batches * (total - batches) if fraction < 1 else None
        if self.stop_requested.is_set():
            text = f"Stopping… epoch {done} of {epochs} is finished and will be kept" if done else "Stopping…"
        elif done >= epochs or fraction >= 1:
            text = f"Epoch {epochs} of {epochs} · scoring the model on the held-out ratings"
        else:
            text = f"Epoch {latest.epoch} of {epochs} · about {seconds(eta)} left"
        return Progress(fraction, text, done, epochs, eta)


def current() -> TrainingJob | None:
    """The session's training run (queued, running or ended but not yet collected), or None."""
    job = state.job()
    return job if isinstance(job, TrainingJob) else None


def start(data: DataRecord, config: cf.TrainConfig) -> TrainingJob:
    """Start training ``data`` with ``config`` (validated) in this session."""
    config.validate()
    running = current()
    if running is not None and running.running:
        raise cf.ConfigError("A training run is already going; stop it first or wait for it to finish.")
    job = TrainingJob(data, config, state.next_number())
    try:
        background.queue_for_session(job, state.session_id(), jobs.slot_share(data.ratings.n_ratings))
    except jobs.QueueError as error:
        raise cf.ConfigError(str(error)) from None
    job.start()
    st.session_state[state.JOB] = job
    st.session_state[state.NOTICE] = None
    return job


def collect() -> ModelRecord | None:
    """Turn a finished job into the session's model; call at the top of every run.

    Returns the new model record, if a job finished since the last run.
    """
    job = current()
    if job is None or job.running:
        return None
    st.session_state[state.JOB] = None
    had_model = state.model() is not None
    kept = "The previous model is kept." if had_model else "There is no model yet."
    if job.left_queue:
        state.set_notice("info", f"You left the training queue before the run started. {kept}")
        return None
    if job.error:
        state.set_notice("error", f"{job.error} {kept}")
        return None
    result = job.result
    if result is None or not result.history:
        state.set_notice(
            "warning", f"Training was stopped before its first epoch finished, so nothing was learned. {kept}"
        )
        return None
    last = len(result.history)
    status, message = "complete", None
    if result.diverged:
        status, message = "diverged", result.diverged
    elif result.stopped:
        status = "stopped"
        message = f"Stopped at epoch {last} of {job.config.epochs}; the model of epoch {last} is kept."
    picked = result.recommender.config  # with Auto: the settings it picked
    chosen = ("epochs", "weight_decay", "lr", "knn_blend")
    config = dataclasses.replace(job.config, **{name: getattr(picked, name) for name in chosen})
    auto_note = auto_summary(result.auto) if result.auto else None
    record = ModelRecord(
        number=job.number,
        recommender=result.recommender,
        config=config,
        history=list(result.history),
        scores=job.scores,
        fit_seconds=result.fit_seconds,
        setup_seconds=result.setup_seconds,
        data_label=job.data.label,
        data_key=job.data.key,
        status=status,
        message=message,
        note=" ".join(n for n in (auto_note, job.note) if n) or None,
        device=job.device,
        placement=result.placement.sentence(),
        phases=dict(result.phases),
    )
    released = state.add_model(record)
    job.result = None  # the record holds the model now; the job keeps no second reference
    if message:
        state.set_notice("warning" if status == "diverged" else "info", message + released_note(released))
    else:
        summary = f"{record.name} is ready"
        if record.scores and result.recommender.has_ratings:
            summary += f": typical error ±{record.scores.rmse:.2f} stars on ratings it never saw"
        took = f" ({seconds(record.fit_seconds)}{start_up_note(record)})."
        state.set_notice("success", summary + took + released_note(released))
    return record


def start_with_form_settings(data: DataRecord) -> None:
    """Start training ``data`` with the Train form's settings as last submitted (a button's callback
    outside the form); a setting that cannot be used becomes the session's notice."""
    try:
        start(data, state.form_config())
    except cf.ConfigError as error:
        state.set_notice("error", str(error))


def size_thread_pools() -> None:
    """Give this thread's numba kernels the job's share of the cores (numba's count is per thread)."""
    from cf.training import rowwise

    if rowwise.available():
        import numba

        numba.set_num_threads(min(background.threads_per_job(), numba.config.NUMBA_NUM_THREADS))


START_UP_SHOWN = 0.5
"""Start-up times (loading compiled code) longer than this many seconds are reported next to the training time."""


def start_up_note(record: ModelRecord) -> str:
    """', plus 4.1 s of one-time start-up' when getting ready took long (first run in a server), else ''."""
    if record.setup_seconds < START_UP_SHOWN:
        return ""
    return f", plus {seconds(record.setup_seconds)} of one-time start-up"


def released_note(released: list[ModelRecord]) -> str:
    """A sentence about models whose weights were just released (empty if none)."""
    if not released:
        return ""
    names = ", ".join(r.name for r in sorted(released, key=lambda r: r.number))
    verb = "was" if len(released) == 1 else "were"
    return (
        f" {names} {verb} dropped to save memory: curves and scores stay on the Compare screen. The best and "
        "the most recent models are kept on their own; tick “Keep for comparison” to keep a particular one."
    )


LOG_RUNS_ENV = "CF_LOG_RUNS"
"""Set to 1 to log how long each page run took to draw its screen (the load test reads it)."""


def log_run(screen: str, started: float) -> None:
    """With :data:`LOG_RUNS_ENV` set, log the seconds since ``started`` (``time.perf_counter``) for ``screen``."""
    if os.environ.get(LOG_RUNS_ENV) == "1":
        log.info("drew the %s screen in %.2f s", screen, time.perf_counter() - started)


WARM_UP_DONE = "warm-up done in"
"""The server log's line once the warm-up has finished (tests wait for it)."""


def warm_up() -> threading.Thread | None:
    """Run tiny trainings once per server, in the background, so the one-time start-up costs
    (torch's optimiser, loading the compiled kernels) are paid before the first person presses Train.

    Returns the thread, or None when :data:`WARM_UP_ENV` is 0.
    """
    if os.environ.get(WARM_UP_ENV, "1") == "0":
        return None
    return _warm_up_once()


@st.cache_resource(show_spinner=False)
def _warm_up_once() -> threading.Thread:
    def run() -> None:
        started = time.perf_counter()
        try:
            from cf.training import rowwise

            n = 60
            frame = pd.DataFrame(
                {"user": np.arange(n) % 7, "item": np.arange(n) % 9, "rating": (np.arange(n) % 5 + 1).astype(float)}
            )
            ratings = cf.load_ratings(frame)
            for kind in ("dot-bias", "nn"):  # the compiled row-wise kernels, then torch's optimiser
                cf.train_model(ratings, cf.TrainConfig(model=kind, epochs=1, valid_frac=0.0, n_factors=4))
            if rowwise.available():
                rowwise.warm_up()
        except Exception:  # noqa: BLE001 - warming up is best effort
            log.debug("warm-up failed", exc_info=True)
        # Everything imported so far lives as long as the server: keep the garbage collector
        # from walking it again and again (its full passes stall every thread, training too).
        gc.freeze()
        log.info("%s %.1f s", WARM_UP_DONE, time.perf_counter() - started)

    thread = threading.Thread(target=run, name="cf-warm-up", daemon=True)
    thread.start()
    return thread
