"""What every background job of the app shares: a daemon thread, a stop request, and a done flag.

The training run, cross-validation, the tuning sweep and map layouts subclass it and implement
``_run`` (which must set ``done`` when it ends). No Streamlit here: screens read the fields.
"""

from __future__ import annotations

import threading
from typing import Self


class BackgroundJob:
    """A piece of work on its own daemon thread; read its fields from any thread."""

    def __init__(self, name: str):
        self.stop_requested = threading.Event()
        self.done = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def _run(self) -> None:
        raise NotImplementedError

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
