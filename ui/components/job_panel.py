"""One way to show any background job: its place in the queue, a progress bar with its message, Stop.

Every job of :mod:`ui.jobs` is drawn from :class:`ui.jobs.base.JobView` alone, so training,
cross-validation, a sweep and a map layout look and behave alike. :func:`follow` redraws a
panel a few times a second without a full rerun and redraws the page once the job ended;
:func:`panel` draws one: a heading, :func:`bar`, whatever the screen adds (metrics, a chart),
and :func:`stop_button`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import streamlit as st

from ui.components.common import guarded
from ui.jobs.base import ACTIVE, JobState, JobView

LIVE_KEY_PREFIX = "cf-live-"
"""The key prefix of the containers kept for live panels (:func:`live_place`); the style sheet hides them empty."""
POLL_SECONDS = 0.5
"""How often the live view asks the running job for news."""
QUEUED_POLL_SECONDS = 2.0
"""How often a page whose job waits in the queue asks for news: a place in line changes slowly,
and a room of waiting pages polling fast kept the browsers too busy to draw what arrived."""

J = TypeVar("J", bound=JobView)

LEAVE_QUEUE = "Leave the queue"
STOPPING = "Stopping…"


def follow(job: J | None, draw: Callable[[J], None], doing: str = "showing the progress") -> None:
    """Run ``draw`` as a fragment that refreshes every :data:`POLL_SECONDS`, errors shown as messages.

    While ``job`` waits in the queue the fragment refreshes every :data:`QUEUED_POLL_SECONDS`
    instead, and its turn redraws the page so that the faster refresh takes over; so does its end
    (the page then shows what it made).

    With ``job`` None the fragment is drawn empty and does not refresh. A place on the page that
    shows a job now and then should call this on every run, inside a container that is always
    drawn: a refresh the browser had already asked for, arriving after a run that was cut short
    (a click during the run), is drawn where the fragment was; had something else moved there,
    the browser would fail and blank the page. :func:`live_place` draws that container.

    Parameters
    ----------
    job
        The job the fragment follows, or None (an empty fragment, kept in its place).
    draw
        Draws the panel for the job (called with it on every refresh while it goes).
    doing
        What the fragment does, for the message should ``draw`` fail ("showing the sweep").
    """
    waiting = job is not None and job.state is JobState.QUEUED

    def body() -> None:
        if job is None:
            return
        if not job.running or (waiting and job.place() is None):
            st.rerun(scope="app")
        with guarded(doing):
            draw(job)

    refresh = None if job is None else QUEUED_POLL_SECONDS if waiting else POLL_SECONDS
    st.fragment(run_every=refresh)(body)()


def live_place(name: str, job: J | None, draw: Callable[[J], None], doing: str = "showing the progress") -> None:
    """:func:`follow` ``job`` (None while no job goes) in the container kept for it on every run, keyed
    ``cf-live-{name}`` (empty, it takes no room: ``ui/style.css``)."""
    with st.container(key=f"{LIVE_KEY_PREFIX}{name}"):
        follow(job, draw, doing)


def bar(job: JobView, after: str = "") -> None:
    """The job's progress bar, its message as the text (``after`` appended); an error box once it failed."""
    if job.state is JobState.FAILED:
        st.error(job.message, icon=":material/error:")
        return
    st.progress(job.fraction, text=job.message + after)


def stop_button(job: JobView, key: str, label: str = "Stop", help: str | None = None, compact: bool = False) -> None:
    """The Stop button: "Leave the queue" while ``job`` waits, ``label`` while it runs, "Stopping…" (disabled)
    once asked, nothing once it ended.

    Parameters
    ----------
    job
        The job the button stops.
    key
        The button's widget key (the same whatever it says, so tests and the browser find it).
    label, help
        The button's words and tooltip while the job runs.
    compact
        Stretch the button to the width of its column (the sidebar).
    """
    state = job.state
    if state not in ACTIVE:
        return
    width = "stretch" if compact else "content"
    if state is JobState.QUEUED:
        st.button(LEAVE_QUEUE, key=key, on_click=job.stop, icon=":material/logout:", width=width)
        return
    stopping = state is JobState.STOPPING
    st.button(
        STOPPING if stopping else label,
        key=key,
        on_click=job.stop,
        icon=":material/stop_circle:",
        disabled=stopping,
        help=help,
        width=width,
    )


def panel(
    job: JobView,
    stop_key: str | None = None,
    *,
    heading: str | None = None,
    body: Callable[[], None] | None = None,
    stop_label: str = "Stop",
    stop_help: str | None = None,
    compact: bool = False,
) -> None:
    """The whole panel of ``job``: ``heading`` (Markdown), :func:`bar`, ``body``, :func:`stop_button`.

    Parameters
    ----------
    job
        The job to show.
    stop_key
        The Stop button's widget key; None draws no button (a job that cannot stop).
    heading
        A line of Markdown above the bar, or None.
    body
        Draws what the screen shows between the bar and the button (metrics, a live chart), or None.
    stop_label, stop_help, compact
        As for :func:`stop_button`.
    """
    if heading:
        st.markdown(heading)
    bar(job)
    if body is not None:
        body()
    if stop_key is not None:
        stop_button(job, stop_key, stop_label, stop_help, compact)
