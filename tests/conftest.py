"""Shared fixtures and settings: where the real MovieLens data lives (outside the repository),
and how the property-based tests draw their examples.

Set ``CF_DATA_DIR`` to point elsewhere; tests that need the data are marked ``movielens`` and
are skipped when it is missing (as are the browser tests without Chromium). Most tests need only
real-looking ratings: they use the generated demo data (``demo_data``, ``demo_split_dir``), which
every clone has. With ``CF_REQUIRE_ALL=1`` (``.ci/run`` sets it) a
skipped test fails instead, so CI cannot pass without running everything.
Property-based tests explore new random examples on every local run; with ``CI`` set they draw
the same examples every time (hypothesis profile ``ci``), so a CI failure reproduces.
``HYPOTHESIS_PROFILE`` picks a profile explicitly.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import settings

from benchmarks.paths import shared_data_dir
from cf import Movies, Ratings
from cf.data.demo import load_demo

os.environ["CF_WARM_UP"] = "0"  # the app's warm-up would train in the background while tests run

REQUIRE_ALL_ENV = "CF_REQUIRE_ALL"


MISSING_DATA = ("CF_DATA_DIR", "MovieLens", "test data")
"""Words of the reasons a test skips for want of the MovieLens files."""


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """With ``CF_REQUIRE_ALL=1``, a skipped test is reported as failed, with the reason it was skipped.
    Without it, a test that skips for want of the MovieLens files fails unless it is marked ``movielens``,
    so the tests a fresh clone cannot run stay marked and counted."""
    report = (yield).get_result()
    if not report.skipped or hasattr(report, "wasxfail"):
        return
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    if os.environ.get(REQUIRE_ALL_ENV) == "1":
        report.outcome = "failed"
        report.longrepr = f"{reason}\n{REQUIRE_ALL_ENV}=1: every test must run here, none may be skipped."
    elif any(word in reason for word in MISSING_DATA) and item.get_closest_marker("movielens") is None:
        report.outcome = "failed"
        report.longrepr = f"{reason}\nA test that needs the MovieLens files is marked @pytest.mark.movielens."


settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
settings.register_profile("explore", print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "explore"))


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


@pytest.fixture(scope="session")
def demo_data() -> tuple[Ratings, Movies]:
    """The generated demo dataset (600 users, 1,500 movies, 100,000 ratings): on every clone."""
    return load_demo()


@pytest.fixture(scope="session")
def demo_split_dir(demo_data: tuple[Ratings, Movies], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo data as MovieLens-style files: ``ratings.csv``, split 90/10 the way the benchmark split was made
    into ``train.csv`` and ``test.csv`` (a row is in test when ``default_rng(42).random(n) < 0.1``;
    a few test rows have a movie unseen in training) and ``movies.csv`` (``title``, ``genres``)."""
    ratings, movies = demo_data
    folder = tmp_path_factory.mktemp("demo-split")
    frame = ratings.frame.rename(columns={"user": "userId", "item": "movieId"})
    in_test = np.random.default_rng(42).random(len(frame)) < 0.1
    frame.to_csv(folder / "ratings.csv", index=False)
    frame[~in_test].to_csv(folder / "train.csv", index=False)
    frame[in_test].to_csv(folder / "test.csv", index=False)
    table = movies.frame.reset_index()
    pd.DataFrame(
        {
            "movieId": table["item"],
            "title": table["title"],
            "genres": ["|".join(genres) or "(no genres listed)" for genres in table["genres"]],
        }
    ).to_csv(folder / "movies.csv", index=False)
    return folder
