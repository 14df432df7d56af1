"""What every background job of the app shares: a daemon thread, a stop request, a done flag,
and one way of turning a failure into a message for people.

The training run, cross-validation, the tuning sweep and map layouts subclass it and implement
``_work``; :attr:`BackgroundJob.error` holds what went wrong, in words. No Streamlit here:
screens read the fields.
"""

from __future__ import annotations

import logging
import threading
from typing import Self

log = logging.getLogger("cf.app")


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
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def _work(self) -> None:
        raise NotImplementedError

    def _finish(self) -> None:
        """Called on the job's thread after the work, whatever happened (before ``done`` is set)."""

    def _run(self) -> None:
        try:
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
            self.done.set()

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        """Ask the job to stop at its next check."""
        self.stop_requested.set()

    @property
    def running(self) -> bool:
        return not self.done.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the job is done (or ``timeout`` seconds passed); True when done."""
        return self.done.wait(timeout)
