"""A server-wide memory budget for the models of every session (no Streamlit here).

Each session reports its models on every run (:meth:`ModelMemory.visit`). When the models in
memory together pass the budget, the models of sessions idle for a while (least recently seen
first) are written to temporary model files (cf's own safe format, :meth:`cf.Recommender.save`)
and dropped from memory; they come back (:meth:`cf.Recommender.load`) on that session's next
run. Models are held by weak references, so a closed session's models are freed with it, and
so are their temporary files.
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cf

BUDGET_ENV = "CF_MODEL_MEMORY_MB"
"""Environment variable: megabytes of model weights all sessions together may keep in memory."""
IDLE_ENV = "CF_IDLE_SECONDS"
"""Environment variable: seconds without a rerun after which a session's models may leave memory."""
DEFAULT_IDLE_SECONDS = 180.0
DEFAULT_BUDGET_CAP_MB = 2048


def default_budget_mb() -> int:
    """A quarter of the machine's memory, at most :data:`DEFAULT_BUDGET_CAP_MB`."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20
    except (ValueError, OSError, AttributeError):
        return DEFAULT_BUDGET_CAP_MB
    return max(64, min(DEFAULT_BUDGET_CAP_MB, total // 4))


def settings_from_env(environ: dict[str, str] | None = None) -> tuple[int, float]:
    """(budget in MB, idle seconds) from :data:`BUDGET_ENV` and :data:`IDLE_ENV`, or the defaults.

    Raises ValueError with a message naming the variable when a value is not a positive number.
    """
    environ = os.environ if environ is None else environ
    values = []
    for name, default in ((BUDGET_ENV, default_budget_mb()), (IDLE_ENV, DEFAULT_IDLE_SECONDS)):
        text = environ.get(name, "").strip()
        try:
            value = float(text) if text else float(default)
        except ValueError:
            value = -1.0
        if value <= 0:
            raise ValueError(f"{name}={text!r} is not a positive number; unset it or set e.g. {name}={default:g}.")
        values.append(value)
    return int(values[0]), values[1]


@dataclass
class Visit:
    """What a session's visit did: models brought back from disk, models that could not be."""

    restored: list[Any] = field(default_factory=list)
    lost: list[Any] = field(default_factory=list)
    seconds: float = 0.0


class ModelMemory:
    """The budget. Records are any objects with ``recommender`` (a :class:`cf.Recommender` or None),
    ``spilled`` (a path or None), ``cache`` (a dict) and ``release()`` (drop the model for good)."""

    def __init__(
        self,
        budget_bytes: int,
        idle_seconds: float,
        folder: str | Path | None = None,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.budget_bytes = budget_bytes
        self.idle_seconds = idle_seconds
        self.folder = str(folder) if folder is not None else None
        self.clock = clock
        self._lock = threading.Lock()
        self._seen: dict[str, float] = {}
        self._records: dict[str, weakref.WeakSet] = {}
        self._sizes: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self.spilled_total = 0
        """Models moved to disk since the server started."""

    def visit(self, session: str, records: Iterable[Any]) -> Visit:
        """``session`` is active with ``records``: bring its models back, then keep everyone within budget."""
        with self._lock:
            self._seen[session] = self.clock()
            tracked = self._records.setdefault(session, weakref.WeakSet())
            tracked.update(records)
            for record in tracked:
                if record.recommender is not None and record not in self._sizes:
                    self._sizes[record] = record.recommender.nbytes()
            back = [r for r in tracked if r.spilled]
        visit = self._restore(back)  # outside the lock: reading a file takes a while
        with self._lock:
            self._enforce()
        return visit

    def usage(self) -> tuple[int, int, int]:
        """(bytes of models in memory, models on disk, sessions with models)."""
        with self._lock:
            records = [r for tracked in self._records.values() for r in tracked]
            in_memory = sum(self._sizes.get(r, 0) for r in records if r.recommender is not None)
            on_disk = sum(1 for r in records if r.spilled)
            return in_memory, on_disk, sum(1 for tracked in self._records.values() if len(tracked))

    # -- inside ------------------------------------------------------------------------

    def _restore(self, records: list[Any]) -> Visit:
        visit, started = Visit(), time.perf_counter()
        for record in records:
            path, record.spilled = record.spilled, None
            try:
                record.recommender = cf.Recommender.load(path, name="temporary model file")
                self._sizes[record] = record.recommender.nbytes()
                visit.restored.append(record)
            except (OSError, cf.DataError):
                record.release()
                visit.lost.append(record)
            finally:
                _unlink(path)
        visit.seconds = time.perf_counter() - started
        return visit

    def _enforce(self) -> None:
        """Move models of idle sessions, least recently seen first, to disk until within budget."""
        now = self.clock()
        records = {s: [r for r in tracked if r.recommender is not None] for s, tracked in self._records.items()}
        total = sum(self._sizes.get(r, 0) for loaded in records.values() for r in loaded)
        idle = sorted((s for s in records if now - self._seen[s] >= self.idle_seconds), key=self._seen.get)
        for session in idle:
            if total <= self.budget_bytes:
                break
            for record in records[session]:
                total -= self._sizes.get(record, 0)
                self._spill(record)
        for session in [s for s, tracked in self._records.items() if not len(tracked)]:
            del self._records[session], self._seen[session]  # closed sessions

    def _spill(self, record: Any) -> None:
        handle, path = tempfile.mkstemp(prefix="cf-idle-", suffix=".cfmodel", dir=self.folder)
        os.close(handle)
        try:
            record.recommender.save(path)
        except OSError:
            _unlink(path)  # no room on disk: the model stays in memory
            return
        record.recommender, record.spilled = None, path
        record.cache.clear()
        weakref.finalize(record, _unlink, path)  # a closed session leaves no file behind
        self.spilled_total += 1


def _unlink(path: str) -> None:
    try:
        os.remove(path)
    except OSError:
        pass
