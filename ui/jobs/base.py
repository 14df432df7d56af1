"""What every background job of the app shares: a daemon thread, a stop request, a done flag,
one way of turning a failure into a message for people, and (for the jobs that share the
cores) a place in the server-wide queue.

The training run, cross-validation, the tuning sweep and map layouts subclass
:class:`BackgroundJob` and implement ``_work``; :attr:`BackgroundJob.error` holds what went
wrong, in words. A job given a ticket (:func:`queue_for_session`) first waits for its turn in
:func:`server_queue` (:meth:`BackgroundJob._wait_for_turn`: the one place where a job waits),
and gives its slot back however it ends: finished, failed, stopped, or left the queue.

Screens see every job through :class:`JobView`: its :class:`JobState`, the fraction done, a
message in plain words, its place in the queue and a way to stop it
(:mod:`ui.components.job_panel` draws any job from these). A subclass tells its own progress
through two hooks, ``_share`` and ``_news``; the queue, a failure and the end are said here.
"""

from __future__ import annotations

import contextlib
import enum
import logging
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import Protocol, Self, TypeVar, runtime_checkable

import streamlit as st

from cf import jobs
from ui.components.text import seconds

log = logging.getLogger("cf.app")

SESSION_CHECK_SECONDS = 5.0
"""How often a queued job checks that its page is still open."""
PAGE_GONE_SECONDS = 60.0
"""A queued job whose page has been disconnected this long leaves the queue (the page was closed)."""

GIL_SWITCH_SECONDS = 0.001
"""Python's thread switch interval while any job runs (default 0.005).

A job's loops hand the GIL back to Python between small numpy, torch and compiled calls.
While the server's own threads are busy (other sessions' pages, live views), each
hand-back can wait a whole switch interval before the job gets the GIL again, which made
training and scoring many times slower in a busy server than in a script. A shorter
interval keeps the job moving.
"""

J = TypeVar("J", bound="BackgroundJob")
_SWITCH_LOCK = threading.Lock()
_busy_jobs = 0
_saved_switch_interval = 0.005


class JobState(enum.StrEnum):
    """Where a background job stands."""

    QUEUED = "queued"
    """Waiting for its turn in the server's queue."""
    RUNNING = "running"
    STOPPING = "stopping"
    """Asked to stop (or to leave the queue) and not yet ended."""
    DONE = "done"
    FAILED = "failed"
    """Ended with an error; the message says what went wrong."""
    STOPPED = "stopped"
    """Ended early: stopped, or left the queue before it started."""


ACTIVE = frozenset({JobState.QUEUED, JobState.RUNNING, JobState.STOPPING})
"""The states of a job that has not ended yet."""


@runtime_checkable
class JobView(Protocol):
    """What the screens need to show any background job (training, cross-validation, sweep, map layout).

    Read from any thread; every value is computed when asked.
    """

    @property
    def label(self) -> str:
        """What the job is, as a heading: "Training Model 3", "Cross-validating Model 2"."""
        ...

    @property
    def state(self) -> JobState:
        """Queued, running, stopping, done, failed or stopped."""
        ...

    @property
    def running(self) -> bool:
        """Whether the job has not ended yet (its state is in :data:`ACTIVE`)."""
        ...

    @property
    def fraction(self) -> float:
        """How much is done, from 0 to 1 (0 while queued, 1 once done)."""
        ...

    @property
    def message(self) -> str:
        """What the job is doing or how it ended, in plain words (its place in line while queued)."""
        ...

    def place(self) -> jobs.Place | None:
        """Its place in the server's queue while it waits, else None."""
        ...

    def stop(self) -> None:
        """Ask it to stop at its next check, or to leave the queue while it waits."""
        ...


@contextlib.contextmanager
def short_thread_switches() -> Iterator[None]:
    """:data:`GIL_SWITCH_SECONDS` while any job runs in this process; the interval is restored after the last."""
    global _busy_jobs, _saved_switch_interval
    with _SWITCH_LOCK:
        if _busy_jobs == 0:
            _saved_switch_interval = sys.getswitchinterval()
            sys.setswitchinterval(GIL_SWITCH_SECONDS)
        _busy_jobs += 1
    try:
        yield
    finally:
        with _SWITCH_LOCK:
            _busy_jobs -= 1
            if _busy_jobs == 0:
                sys.setswitchinterval(_saved_switch_interval)


class BackgroundJob:
    """A piece of work on its own daemon thread; read its fields from any thread."""

    title = "The job"
    """How messages name the job ("Training failed: ...")."""
    expected: tuple[type[Exception], ...] = ()
    """Errors whose own message already tells people what is wrong and how to fix it."""
    memory_hint = "Try fewer factors or a smaller file."
    """What to try when the job runs out of memory."""

    def __init__(self, name: str):
        self.stop_requested = threading.Event()
        self.done = threading.Event()
        self.error: str | None = None
        """What went wrong, for people; None while running and after a success."""
        self.ticket: jobs.Ticket | None = None
        """The job's place in the server-wide queue (see :func:`queue_for_session`); None runs at once."""
        self.page_open: Callable[[], bool] | None = None
        """Whether the page that started the job is still connected (None: assume so)."""
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def _work(self) -> None:
        raise NotImplementedError

    def _on_turn(self) -> None:
        """Called on the job's thread when its turn came, just before the work (a hook)."""

    def _finish(self) -> None:
        """Called on the job's thread after the work, whatever happened (before ``done`` is set)."""

    def _run(self) -> None:
        try:
            if self.ticket is not None and not self._wait_for_turn():
                return
            self._on_turn()
            with short_thread_switches():
                self._work()
        except self.expected as error:
            self.error = str(error)
        except MemoryError:
            self.error = f"{self.title} ran out of memory. {self.memory_hint}"
        except Exception as error:  # noqa: BLE001 - reported to the person, logged for us
            log.exception("%s failed", self._thread.name)
            self.error = f"{self.title} failed: {str(error).strip() or type(error).__name__}"
        finally:
            self._finish()
            if self.ticket is not None:
                self.ticket.release()  # before `done`: the session may queue its next job at once
            self.done.set()

    def _wait_for_turn(self) -> bool:
        """Wait for the queue to start the job; leave it if the page was closed meanwhile (False: left)."""
        gone_since = None
        while not self.ticket.wait(timeout=SESSION_CHECK_SECONDS):
            if self.ticket.state == jobs.CANCELLED:
                return False
            if self.page_open is None or self.page_open():
                gone_since = None
            elif gone_since is None:
                gone_since = time.monotonic()
            elif time.monotonic() - gone_since > PAGE_GONE_SECONDS:
                self.ticket.cancel()
                log.info("%s left the queue: its page was closed", self._thread.name)
        if self.ticket.state == jobs.RUNNING:
            running, waiting = self.ticket.queue.counts()
            log.info(
                "%s started after %.1f s in the queue; %d running, %d waiting",
                self._thread.name, self.ticket.waited, running, waiting,
            )  # fmt: skip
            return True
        return False

    def start(self) -> Self:
        self._thread.start()
        return self

    # -- what the screens see (JobView) ------------------------------------------------

    @property
    def label(self) -> str:
        """What the job is, as a heading (its :attr:`title` unless a job says more)."""
        return self.title

    @property
    def state(self) -> JobState:
        """Where the job stands (see :class:`JobState`)."""
        if self.done.is_set():
            if self.error:
                return JobState.FAILED
            return JobState.STOPPED if self.stop_requested.is_set() or self.left_queue else JobState.DONE
        if self.place() is not None:
            return JobState.QUEUED
        return JobState.STOPPING if self.stop_requested.is_set() else JobState.RUNNING

    @property
    def fraction(self) -> float:
        """How much is done, from 0 to 1: 0 while queued, 1 once done, else the job's ``_share``."""
        state = self.state
        if state is JobState.QUEUED:
            return 0.0
        if state is JobState.DONE:
            return 1.0
        return min(1.0, max(0.0, self._share()))

    @property
    def message(self) -> str:
        """The place in line while queued, the error once failed, how it ended, else the job's ``_news``."""
        place = self.place()
        if place is not None:
            return queue_text(place)
        state = self.state
        if state is JobState.FAILED:
            return self.error or f"{self.title} failed."
        if state is JobState.STOPPED:
            return "Left the queue before it started." if self.left_queue else "Stopped."
        if state is JobState.DONE:
            return "Done."
        return self._news()

    def _share(self) -> float:
        """The fraction done while running (a hook; 0 unless a job knows better)."""
        return 0.0

    def _news(self) -> str:
        """What the job is doing while running, in plain words (a hook)."""
        return "Stopping…" if self.stop_requested.is_set() else "Working…"

    def stop(self) -> None:
        """Ask the job to stop at its next check; a job still waiting leaves the queue."""
        self.stop_requested.set()
        if self.ticket is not None:
            self.ticket.cancel()  # a no-op once it runs

    @property
    def running(self) -> bool:
        """Whether the job has not ended yet (queued, running or stopping)."""
        return not self.done.is_set()

    @property
    def left_queue(self) -> bool:
        """Whether the job left the queue before it started."""
        return self.ticket is not None and self.ticket.state == jobs.CANCELLED

    def place(self) -> jobs.Place | None:
        """The job's place in the queue while it waits, else None."""
        return None if self.ticket is None else self.ticket.place()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the job is done (or ``timeout`` seconds passed); True when done."""
        return self.done.wait(timeout)


# -- the server's queue (Streamlit) ----------------------------------------------------


@st.cache_resource(show_spinner=False)
def server_queue() -> jobs.JobQueue:
    """The one job queue of this server: :data:`cf.jobs.SLOTS_ENV` jobs at once (default: the cores)."""
    try:
        slots = jobs.slots_from_env()
    except jobs.QueueError as error:
        slots = jobs.cores()
        log.warning("%s Using %d, the number of cores, meanwhile.", error, slots)
    import torch

    torch.set_num_threads(jobs.threads_per_job(slots))  # process-wide: every job's share of the cores
    log.info("job queue: %d jobs at once, %d threads each", slots, torch.get_num_threads())
    return jobs.JobQueue(slots)


def queue_for_session(job: J, session: str, share: float = 1.0) -> J:
    """Give ``job`` its place in :func:`server_queue` for ``session`` (call before ``start``), taking
    ``share`` of a slot (see :func:`cf.jobs.slot_share`).

    Raises :class:`cf.jobs.QueueError` when the session already has a job queued or running.
    """
    job.ticket = server_queue().enter(session, share)
    job.page_open = page_checker()
    return job


def page_checker() -> Callable[[], bool] | None:
    """A thread-safe check that this browser session is still connected, or None outside a server."""
    from streamlit.runtime import Runtime
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    if ctx is None or not Runtime.exists():
        return None
    runtime, session_id = Runtime.instance(), ctx.session_id
    return lambda: runtime.is_active_session(session_id)


def threads_per_job() -> int:
    """Threads each job may use: its share of the cores (see :func:`cf.jobs.threads_per_job`)."""
    return jobs.threads_per_job(server_queue().slots)


def queue_text(place: jobs.Place) -> str:
    """'Waiting for a free slot: 3rd in line (2 training, 5 waiting) · starts in about 20 s'."""
    line = "next in line" if place.position == 1 else f"{place.position}{_ordinal(place.position)} in line"
    text = f"Waiting for a free slot: {line} ({place.running} training, {place.waiting} waiting)"
    if place.eta is not None:
        text += f" · starts in about {seconds(place.eta)}"
    return text


def _ordinal(n: int) -> str:
    return "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
