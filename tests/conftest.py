"""Shared fixtures: where the real MovieLens data lives (outside the repository).

Set ``CF_DATA_DIR`` to point elsewhere; tests that need the data are skipped when it is missing.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.paths import shared_data_dir


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The folder holding ``ml-latest-small/`` and ``ml-latest-small-split/`` (skip when absent)."""
    path = shared_data_dir()
    if not path.is_dir():
        pytest.skip(f"no test data at {path} (set CF_DATA_DIR)")
    return path


def _existing(path: Path) -> Path:
    """``path`` when it exists, else skip the test."""
    if not path.exists():
        pytest.skip(f"missing test data file {path}")
    return path


@pytest.fixture(scope="session")
def ml_small_ratings_path(data_dir: Path) -> Path:
    """MovieLens latest-small ``ratings.csv`` (100,836 ratings)."""
    return _existing(data_dir / "ml-latest-small" / "ratings.csv")


@pytest.fixture(scope="session")
def ml_small_movies_path(data_dir: Path) -> Path:
    """MovieLens latest-small ``movies.csv`` (9,742 movies)."""
    return _existing(data_dir / "ml-latest-small" / "movies.csv")


@pytest.fixture(scope="session")
def split_dir(data_dir: Path) -> Path:
    """The fixed 90/10 split of latest-small: ``train.csv`` and ``test.csv``."""
    path = _existing(data_dir / "ml-latest-small-split")
    _existing(path / "train.csv")
    _existing(path / "test.csv")
    return path
