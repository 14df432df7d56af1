"""Session state of one browser session: the data in use, the trained model, the running job.

Everything lives in ``st.session_state`` under keys that start with ``cf.``, so one
person's model is never seen by another session. The widget keys listed here are the ones
several places share (the tabs, the data source, the user, the Train form's settings, which
page links and presentation mode set too); a screen's own widget keys live beside the screen
(e.g. ``ui.screens.embed.VIEW``), and reach lower layers only as values (``embed.LINKED``).
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import streamlit as st

import cf
from ui.session import memory

log = logging.getLogger("cf.app")

if TYPE_CHECKING:
    from ui.jobs.base import JobView  # the one module of ui.jobs this one names; never imported at run time

# -- session keys (values the app owns) ------------------------------------------------
DATA = "cf.data"
"""The :class:`DataRecord` in use."""
MODEL = "cf.model"
"""The current :class:`ModelRecord`, or None."""
JOB = "cf.job"
"""The session's training run, a :class:`ui.jobs.base.JobView` (typed: :func:`ui.jobs.training.current`), or None."""
SWEEP = "cf.sweep"
"""The session's latest sweep (a :class:`ui.jobs.base.JobView`, running or finished), or None."""
NOTICE = "cf.notice"
"""A message about the last training run: (level, text)."""
COUNTER = "cf.counter"
"""Number of models trained in this session (for names like 'Model 2')."""
RECORDS = "cf.records"
"""Data records by content key, so reruns reuse parsed data and its summaries."""
DIGESTS = "cf.digests"
"""Content hashes of uploads by upload id, so a big file is hashed once."""
PARSED = "cf.parsed"
"""Parsed uploads by (kind, content hash), the few most recent."""
RUNS = "cf.runs"
"""Every :class:`ModelRecord` of this session, oldest first (weights only for the few kept)."""
RATED = "cf.rated"
"""The ratings a person gave on the Rate screen: {movie id: rating}, in the order given."""
MODEL_FILES = "cf.model_files"
"""Outcome of each model file upload by content hash: the loaded record's id or an error message."""
ML_LOADED = "cf.ml_loaded"
"""MovieLens releases loaded in this session: {release name: data record key}."""
UPLOAD_ERRORS = "cf.upload_errors"
"""Messages about the uploaded files that could not be used, shown in the sidebar and on the Data screen."""
LINK = "cf.link"
"""The query parameters this session opened with, once applied (see :mod:`ui.session.links`)."""
LINK_NOTE = "cf.link_note"
"""A note about what a shared link reopened, shown until the person moves on."""
MEMORY_NOTE = "cf.memory_note"
"""The last :class:`ui.session.memory.Visit` that brought models back from disk (or failed to), for Data and Compare."""
SESSION = "cf.session"
"""This session's id in server-wide structures (the training queue, the memory budget)."""

# -- widget keys shared by several places (a screen's own keys live beside it) ---------
NAV = "cf.nav"
"""The open tab (the tabs, the sidebar, links, presentation mode and screens that send the person on)."""
SOURCE = "cf.source"
"""The sidebar's data source (a shared link sets it too)."""
DEMO, MOVIELENS, FILES = "Demo dataset", "MovieLens", "My files"
"""The data sources the sidebar offers: the values of ``SOURCE`` (a shared link sets it too)."""
USER = "cf.user"
"""The selected user: chosen on the User screen, shown by Compare and the map, carried by links."""
MIN_RATINGS = "cf.min_ratings"
"""The User screen's minimum number of ratings for a recommended movie, which Rate, Compare and the map follow."""
F_MODEL = "cf.f_model"
F_FACTORS = "cf.f_factors"
F_EPOCHS = "cf.f_epochs"
F_LR = "cf.f_lr"
F_WD = "cf.f_wd"
F_AUTO = "cf.f_auto"
F_BATCH = "cf.f_batch"
F_VALID = "cf.f_valid"
F_SEED = "cf.f_seed"
FORM_KEYS = {
    "model": F_MODEL,
    "n_factors": F_FACTORS,
    "epochs": F_EPOCHS,
    "lr": F_LR,
    "weight_decay": F_WD,
    "auto": F_AUTO,
    "batch_size": F_BATCH,
    "valid_frac": F_VALID,
    "seed": F_SEED,
}
"""TrainConfig field -> the Train form's widget key (the form, page links and :func:`form_config` share it)."""
ML_RELEASE = "cf.ml_release"
"""The sidebar's MovieLens release (a shared link sets it too)."""

# -- tab labels ---------------------------------------------------------------------
TAB_DATA = "Data"
TAB_TRAIN = "Train"
TAB_USER = "User"
TAB_RATE = "Rate"
TAB_MOVIES = "Movies"
TAB_EMBED = "Embeddings"
TAB_COMPARE = "Compare"
TAB_TUNE = "Tune"
TABS = (TAB_DATA, TAB_TRAIN, TAB_USER, TAB_RATE, TAB_MOVIES, TAB_EMBED, TAB_COMPARE, TAB_TUNE)

MAX_WEIGHTS = 5
"""At most this many models keep their weights in one session (the current one included)."""
MAX_RUNS = 50
"""Runs listed on the Compare screen (curves and scores only; older ones are forgotten)."""


@dataclass(eq=False)
class DataRecord:
    """Parsed ratings (and movies) with a label for people and a key for caches."""

    ratings: cf.Ratings
    movies: cf.Movies | None
    label: str
    key: str
    demo: bool = False
    cache: dict[str, Any] = field(default_factory=dict, repr=False)

    def stats(self) -> dict[str, Any]:
        """Counts for the summary, computed once."""
        if "stats" not in self.cache:
            frame = self.ratings.frame
            per_user = frame["user"].value_counts()
            per_item = frame["item"].value_counts()
            n_users, n_items = len(per_user), len(per_item)
            self.cache["stats"] = {
                "n_users": n_users,
                "n_items": n_items,
                "n_ratings": len(frame),
                "density": len(frame) / max(1, n_users * n_items),
                "scale": self.ratings.scale,
                "n_duplicates": self.ratings.n_duplicates,
                "per_user": per_user.to_numpy(),
                "per_item": per_item.to_numpy(),
                "rating_counts": frame["rating"].value_counts().sort_index(),
                "median_per_user": float(per_user.median()) if n_users else 0.0,
                "n_movies_file": len(self.movies) if self.movies is not None else 0,
            }
        return self.cache["stats"]


@dataclass(eq=False)
class ModelRecord:
    """A trained model and what the screens show about it."""

    number: int
    recommender: cf.Recommender | None
    """The trained model; None once released to save memory (curves and scores stay)."""
    config: cf.TrainConfig
    history: list
    scores: cf.Scores | None
    """Validation scores with the top-N report; None without a validation share."""
    fit_seconds: float
    data_label: str
    data_key: str
    status: str = "complete"
    """``complete``, ``stopped`` or ``diverged``."""
    message: str | None = None
    """Why the run ended early, for people."""
    note: str | None = None
    """The library's note when no validation split was possible."""
    device: str = "cpu"
    setup_seconds: float = 0.0
    """Time spent getting the training loop ready, apart from ``fit_seconds`` (see :class:`cf.FitResult`)."""
    placement: str | None = None
    """Where and how it was trained, and why, in one line (:meth:`cf.Placement.sentence`); None for a file."""
    phases: dict[str, float] = field(default_factory=dict)
    """Seconds of each phase of the run (:attr:`cf.FitResult.phases`, with the app's scoring)."""
    source: str | None = None
    """The model file's name when the model was loaded from a file rather than trained here."""
    spilled: str | None = None
    """The temporary model file holding the weights while this session is idle (see :mod:`ui.session.memory`)."""
    keep: bool = False
    """Pinned: keep the weights whatever comes next (within :data:`MAX_WEIGHTS`)."""
    last_used: int = 0
    """When it was last made the current model (a session-wide tick; higher is more recent)."""
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    cache: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def name(self) -> str:
        return f"Model {self.number}"

    @property
    def loaded(self) -> bool:
        """Whether the weights are still in memory."""
        return self.recommender is not None

    def release(self) -> None:
        """Drop the weights and everything computed from them; curves and scores stay."""
        self.recommender = None
        self.keep = False
        self.cache.clear()

    def user_table(self) -> pd.DataFrame:
        """User ids with their number of ratings, most active first (computed once)."""
        if "users" not in self.cache:
            self.cache["users"] = self.recommender.user_table()
        return self.cache["users"]


def init() -> None:
    """Create this session's entries on its first run."""
    defaults = {
        MODEL: None, JOB: None, SWEEP: None, NOTICE: None, COUNTER: 0, RECORDS: {}, DIGESTS: {}, RUNS: [], RATED: {},
        MODEL_FILES: {}, LINK_NOTE: None, SESSION: uuid.uuid4().hex,
    }  # fmt: skip
    if SESSION not in st.session_state:
        log.info("session %s began", defaults[SESSION][:8])  # a reconnect to a fresh session shows here too
    for key, value in defaults.items():
        if key not in st.session_state:
            st.session_state[key] = value


def session_id() -> str:
    """This session's id (see :data:`SESSION`)."""
    return st.session_state.setdefault(SESSION, uuid.uuid4().hex)


def data() -> DataRecord | None:
    return st.session_state.get(DATA)


def model() -> ModelRecord | None:
    return st.session_state.get(MODEL)


def job() -> JobView | None:
    """The session's training run, seen as any job (:func:`ui.jobs.training.current` gives it typed), or None."""
    return st.session_state.get(JOB)


def sweep() -> JobView | None:
    """The session's latest sweep, seen as any job (:func:`ui.jobs.sweep.current` gives it typed), or None."""
    return st.session_state.get(SWEEP)


def fits(record: ModelRecord, data: DataRecord) -> bool:
    """Whether ``record`` may be shown with ``data``: trained on it, or loaded from a model file
    (which carries its own users, ratings and titles)."""
    return record.source is not None or record.data_key == data.key


def model_for(data: DataRecord) -> ModelRecord | None:
    """The model to show with ``data``: the current one if it fits, else the most recently used
    run trained on ``data`` that still has its weights (made current), else None."""
    current = model()
    if current is None or fits(current, data):
        return current
    candidates = [r for r in runs() if r.loaded and r.source is None and r.data_key == data.key]
    if not candidates:
        return None
    record = max(candidates, key=lambda r: r.last_used)
    use_model(record)
    set_notice("info", f"Now using {record.name}, trained on {record.data_label}, the data in use.")
    return record


def runs() -> list[ModelRecord]:
    return st.session_state.setdefault(RUNS, [])


def next_number() -> int:
    st.session_state[COUNTER] = st.session_state.get(COUNTER, 0) + 1
    return st.session_state[COUNTER]


def add_model(record: ModelRecord) -> list[ModelRecord]:
    """Make ``record`` the session's model and list it as a run; returns the runs whose weights were released.

    Which models keep their weights is :func:`weights_kept`'s choice.
    """
    listed = runs()
    listed.append(record)
    st.session_state.pop(MEMORY_NOTE, None)  # news about models that came back from disk is old now
    del listed[: max(0, len(listed) - MAX_RUNS)]
    _make_current(record)
    return enforce_memory()


def use_model(record: ModelRecord) -> list[ModelRecord]:
    """Switch the current model to an earlier run that still has its weights."""
    if not record.loaded:
        raise cf.DataError(f"{record.name}'s weights were released to save memory; train it again.")
    _make_current(record)
    return enforce_memory()


_ticks = itertools.count(1)


def _make_current(record: ModelRecord) -> None:
    record.last_used = next(_ticks)
    st.session_state[MODEL] = record


IN_USE, PINNED, BEST, RECENT = "in use", "pinned", "best", "recent"
"""Why a model keeps its weights (see :func:`weights_kept`)."""


def weights_kept(listed: list[ModelRecord], current: ModelRecord | None) -> dict[ModelRecord, str]:
    """The runs that keep their weights, each with why, at most :data:`MAX_WEIGHTS`.

    In this order until the limit: the current model, the pinned ones (most recently used
    first), the best by validation RMSE on each dataset, then the most recently used.
    """
    loaded = sorted((r for r in listed if r.loaded), key=lambda r: r.last_used, reverse=True)
    if current is not None and current.loaded and current not in loaded:
        loaded.insert(0, current)
    best: dict[str, ModelRecord] = {}
    for record in loaded:
        rmse = record.scores.rmse if record.scores else None
        if rmse is not None and np.isfinite(rmse):
            held = best.get(record.data_key)
            if held is None or rmse < held.scores.rmse:
                best[record.data_key] = record
    kept: dict[ModelRecord, str] = {}
    choices = [(current, IN_USE)] if current is not None and current.loaded else []
    choices += [(r, PINNED) for r in loaded if r.keep]
    choices += [(r, BEST) for r in best.values()]
    choices += [(r, RECENT) for r in loaded]
    for record, reason in choices:
        if len(kept) < MAX_WEIGHTS and record not in kept:
            kept[record] = reason
    return kept


def enforce_memory() -> list[ModelRecord]:
    """Release the weights of the runs :func:`weights_kept` leaves out; returns them."""
    kept = weights_kept(runs(), model())
    released = [r for r in runs() if r.loaded and r not in kept]
    for record in released:
        record.release()
    return released


def dropped() -> list[ModelRecord]:
    """The runs whose weights were released to save memory (curves and scores stay)."""
    return [r for r in runs() if not r.loaded]


@st.cache_resource(show_spinner=False)
def server_memory() -> memory.ModelMemory:
    """The server-wide budget for models (:data:`ui.session.memory.BUDGET_ENV`, :data:`ui.session.memory.IDLE_ENV`)."""
    try:
        budget_mb, idle = memory.settings_from_env()
    except ValueError as error:
        budget_mb, idle = memory.default_budget_mb(), memory.DEFAULT_IDLE_SECONDS
        log.warning("%s Using %d MB and %g s meanwhile.", error, budget_mb, idle)
    return memory.ModelMemory(budget_mb * 2**20, idle)


def visit_memory() -> None:
    """Report this session's models to the server-wide budget, bringing back any moved to disk while it was idle."""
    visit = server_memory().visit(session_id(), runs())
    if visit.restored or visit.lost:
        st.session_state[MEMORY_NOTE] = visit


def set_notice(level: str, text: str) -> None:
    st.session_state[NOTICE] = (level, text)


def remember_record(record: DataRecord, keep: int = 2) -> DataRecord:
    """Keep ``record`` (and at most ``keep`` records in all) in the session; return the kept one."""
    records: dict[str, DataRecord] = st.session_state[RECORDS]
    if record.key in records:
        return records[record.key]
    records[record.key] = record
    current = data()
    for key in list(records):
        if len(records) <= keep:
            break
        if key != record.key and (current is None or key != current.key):
            del records[key]
    return record


def form_config() -> cf.TrainConfig:
    """The Train form's settings as last submitted (its defaults where it was never used)."""
    values: dict[str, object] = {"auto": True}  # the form's Auto switch starts on
    for name, key in FORM_KEYS.items():
        value = st.session_state.get(key)
        if value is None:
            continue
        if name == "batch_size":
            value = None if value == "Auto" else int(value)
        elif name == "valid_frac":
            value = float(value) / 100.0
        values[name] = value
    return dataclasses.replace(cf.TrainConfig(), **values)
