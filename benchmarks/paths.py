"""Where the shared test and benchmark data lives: the one rule the benchmarks, tests and scripts use."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def shared_data_dir() -> Path:
    """``CF_DATA_DIR`` if set, else ``../shared/data`` beside the repository."""
    return Path(os.environ.get("CF_DATA_DIR", REPO.parent / "shared" / "data"))
