"""A fair queue for jobs that share the cores: at most ``slots`` run at once, the rest wait in order.

A :class:`JobQueue` hands out :class:`Ticket` s. A ticket waits (:meth:`Ticket.wait`) until a
slot is free and every ticket that came before it has started, then runs until
:meth:`Ticket.release`; a waiting ticket can leave with :meth:`Ticket.cancel`. Each owner (a
browser session) holds at most one waiting or running ticket, so one person cannot crowd out
the others. While waiting, a ticket knows its place and an estimate of when it starts, from
the durations of recent jobs. A ticket may take a share of a slot (:func:`slot_share`: half for
training on small data), so that short jobs, which in a busy server mostly wait rather than
compute, run two to a slot. Thread-safe; no dependency on the app.
"""

from __future__ import annotations

import heapq
import os
import statistics
import threading
import time
from collections import deque
from collections.abc import Callable, Hashable
from dataclasses import dataclass

SLOTS_ENV = "CF_MAX_JOBS"
"""Environment variable: how many training jobs run at once in one server (default: the cores)."""

WAITING, RUNNING, DONE, CANCELLED = "waiting", "running", "done", "cancelled"
"""A ticket's states, in the order they happen (a cancelled ticket never ran)."""


class QueueError(ValueError):
    """A ticket asked for something the queue does not allow (a second job of one owner)."""


def cores() -> int:
    """The cores this process may use."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def slots_from_env(environ: dict[str, str] | None = None) -> int:
    """Jobs at once: :data:`SLOTS_ENV` if set to a positive whole number, else the number of cores."""
    value = (os.environ if environ is None else environ).get(SLOTS_ENV, "").strip()
    if not value:
        return cores()
    try:
        slots = int(value)
    except ValueError:
        message = f"{SLOTS_ENV}={value!r} is not a whole number; set it to how many jobs may run at once, e.g. 2."
        raise QueueError(message) from None
    if slots < 1:
        raise QueueError(f"{SLOTS_ENV}={value!r}: at least one job must be able to run; set it to 1 or more.")
    return slots


SMALL_JOB_RATINGS = 500_000
"""A training job on fewer ratings than this takes half a slot (see :func:`slot_share`)."""


def slot_share(n_ratings: int) -> float:
    """The share of a slot a training job on ``n_ratings`` ratings takes: half below
    :data:`SMALL_JOB_RATINGS`, else a whole one.

    Small jobs are short, and in a busy server they spend most of their time waiting for Python's
    lock behind the pages of other sessions rather than computing: in a 30-session room on 2 cores
    (``scripts/loadtest.py``), a demo job's own thread used 0.3 s of CPU in a job of 4-5 s, and
    four jobs at once took no longer each than two. Two of them fit where one large job would.
    """
    return 0.5 if n_ratings < SMALL_JOB_RATINGS else 1.0


def threads_per_job(slots: int, available: int | None = None) -> int:
    """Threads each job may use so that ``slots`` jobs together do not oversubscribe the cores."""
    return max(1, (cores() if available is None else available) // max(1, slots))


@dataclass(frozen=True)
class Place:
    """Where a waiting ticket stands: ``position`` 1 is next; ``eta`` is seconds until it starts (None: unknown)."""

    position: int
    waiting: int
    running: int
    eta: float | None


class Ticket:
    """One job's place in a :class:`JobQueue`. Read :attr:`state` from any thread."""

    def __init__(self, queue: JobQueue, owner: Hashable, entered: float, share: float = 1.0):
        self.queue = queue
        self.owner = owner
        self.share = share
        """The part of a slot the job takes while it runs (0 to 1)."""
        self.state = WAITING
        self.entered = entered
        self.started: float | None = None
        self._changed = threading.Event()
        """Set when the ticket leaves the waiting state (started or cancelled)."""

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the ticket runs (True) or was cancelled (False); False too on timeout."""
        self._changed.wait(timeout)
        return self.state == RUNNING

    def release(self) -> None:
        """The job is over: hand the slot to the next ticket (a no-op unless running)."""
        self.queue._finish(self)

    def cancel(self) -> bool:
        """Leave the queue; True if the ticket was waiting (a running job is stopped by its owner)."""
        return self.queue._cancel(self)

    def place(self) -> Place | None:
        """Where the ticket waits, or None once it runs or left."""
        return self.queue._place(self)

    @property
    def waited(self) -> float | None:
        """Seconds between entering the queue and starting (None before it starts)."""
        return None if self.started is None else self.started - self.entered


class JobQueue:
    """Tickets whose shares add up to at most ``slots`` run at once; waiting ones start in the order they came.

    ``clock`` (seconds) is injectable so estimates can be tested without waiting.
    """

    def __init__(self, slots: int, clock: Callable[[], float] = time.monotonic, remember: int = 20):
        if slots < 1:
            raise QueueError("a queue needs at least one slot")
        self.slots = slots
        self.clock = clock
        self._lock = threading.Lock()
        self._waiting: deque[Ticket] = deque()
        self._running: list[Ticket] = []
        self._durations: deque[float] = deque(maxlen=remember)

    def enter(self, owner: Hashable, share: float = 1.0) -> Ticket:
        """A new ticket for ``owner``, started at once if room is free and nobody waits.

        ``share`` is the part of a slot the job takes (0 to 1, see :func:`slot_share`).
        """
        if not 0 < share <= 1:
            raise QueueError(f"a job takes a share of a slot between 0 and 1, not {share}")
        with self._lock:
            if any(t.owner == owner for t in (*self._running, *self._waiting)):
                raise QueueError(
                    "This session already has a job queued or running (training, cross-validation or a sweep); "
                    "stop it first or wait for it to finish."
                )
            ticket = Ticket(self, owner, self.clock(), share)
            self._waiting.append(ticket)
            self._start_next()
        return ticket

    def counts(self) -> tuple[int, int]:
        """(running, waiting) now."""
        with self._lock:
            return len(self._running), len(self._waiting)

    def typical_seconds(self) -> float | None:
        """The median duration of recent jobs, or None before any finished."""
        with self._lock:
            return statistics.median(self._durations) if self._durations else None

    # -- under the lock ------------------------------------------------------------------

    def _start_next(self) -> None:
        while self._waiting and sum(t.share for t in self._running) + self._waiting[0].share <= self.slots + 1e-9:
            ticket = self._waiting.popleft()
            ticket.state, ticket.started = RUNNING, self.clock()
            self._running.append(ticket)
            ticket._changed.set()

    def _finish(self, ticket: Ticket) -> None:
        with self._lock:
            if ticket.state != RUNNING:
                return
            self._running.remove(ticket)
            ticket.state = DONE
            self._durations.append(self.clock() - ticket.started)
            self._start_next()

    def _cancel(self, ticket: Ticket) -> bool:
        with self._lock:
            if ticket.state != WAITING:
                return False
            self._waiting.remove(ticket)
            ticket.state = CANCELLED
            ticket._changed.set()
            return True

    def _place(self, ticket: Ticket) -> Place | None:
        with self._lock:
            if ticket.state != WAITING:
                return None
            position = self._waiting.index(ticket) + 1
            eta = self._eta(position)
            return Place(position, len(self._waiting), len(self._running), eta)

    def _eta(self, position: int) -> float | None:
        """Seconds until the ``position``-th waiting ticket starts, if every job takes the recent median and
        a whole slot (an upper estimate where jobs share slots)."""
        if not self._durations:
            return None
        typical = statistics.median(self._durations)
        now = self.clock()
        free_at = [max(0.0, typical - (now - t.started)) for t in self._running]
        free_at += [0.0] * (self.slots - len(free_at))
        heapq.heapify(free_at)
        for _ in range(position - 1):  # those ahead take the slots that free up first
            heapq.heappush(free_at, heapq.heappop(free_at) + typical)
        return free_at[0]
