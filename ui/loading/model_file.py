"""Model files: load a model saved earlier (safely: no code runs), and say how it fits the data in use.

Loading goes through :meth:`cf.Recommender.load`, which reads with ``torch.load(weights_only=True)``:
a file holding anything but plain data (a crafted pickle) is refused with a message, and the
session's model stays as it was.

A model file carries its own id maps, ratings and titles, so every screen works with it
whatever data is loaded. When its ids do not match the data in use, the person is told how
many of its users and movies are in that data (often none: a model of another dataset).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

import cf
from ui.components.common import count, log, md
from ui.loading import uploads as loading
from ui.session import state
from ui.session.state import DataRecord, ModelRecord

# -- widget keys drawn here (the page, CSS and the tests use these strings) --
UP_MODEL = "cf.up_model"

MODEL_EXTENSION = "cfmodel"


def uploader(data: DataRecord) -> None:
    """The "Load a model file" box; a new file becomes the session's model if it can be read."""
    upload = st.file_uploader(
        "Load a model file",
        key=UP_MODEL,
        help="A .cfmodel file downloaded from this app. It holds numbers and names only: "
        "anything else (such as a file that would run code) is refused.",
    )
    if upload is None:
        return
    content_hash = loading.digest(upload)
    outcomes: dict[str, tuple[str, str]] = st.session_state[state.MODEL_FILES]
    if content_hash not in outcomes:
        outcomes[content_hash] = load_upload(upload.name, upload.getvalue(), content_hash, data)
    kind, text = outcomes[content_hash]
    if kind == "error":
        current = state.model()
        kept = f" {current.name} is still in use." if current is not None else ""
        st.error(md(text) + kept, icon=":material/gpp_bad:")
    else:
        st.caption(text)


def load_upload(name: str, raw: bytes, content_hash: str, data: DataRecord) -> tuple[str, str]:
    """Load a model file's bytes into the session; returns ("ok" | "error", message for people)."""
    try:
        with st.spinner(f"Reading {name}…"):
            recommender = cf.Recommender.load(raw, name=name)
    except cf.DataError as error:
        log.warning("model file %s refused: %s", name, error)
        return "error", str(error)
    except MemoryError:
        return "error", f"{name} is too big to load here."
    record = ModelRecord(
        number=state.next_number(),
        recommender=recommender,
        config=recommender.config,
        history=[],
        scores=None,
        fit_seconds=0.0,
        data_label=f"the data saved in {name}",
        data_key=f"file:{content_hash[:16]}",
        source=name,
    )
    record.note = fit_message(record, data)
    released = state.add_model(record)
    from ui.jobs.training import released_note

    state.set_notice("success", f"Loaded {md(name)} as {record.name}." + released_note(released))
    return "ok", f"{md(name)} is loaded as {record.name}."


def overlap(record: ModelRecord, data: DataRecord) -> dict[str, int]:
    """How many of the model's users and movies are in ``data`` (computed once per pair)."""
    key = ("overlap", data.key)
    if key not in record.cache:
        rec = record.recommender
        if "ids" not in data.cache:
            frame = data.ratings.frame
            data.cache["ids"] = (pd.Index(frame["user"].unique()), pd.Index(frame["item"].unique()))
        users, items = data.cache["ids"]
        record.cache[key] = {
            "n_users": len(rec.users),
            "users_in": int(_isin(rec.users.ids, users).sum()),
            "n_items": len(rec.items),
            "items_in": int(_isin(rec.items.ids, items).sum()),
        }
    return record.cache[key]


def _isin(ids: pd.Index, other: pd.Index):
    try:
        return ids.isin(other)
    except TypeError:  # ids of different kinds (numbers against text) never match
        return pd.Series(False, index=range(len(ids)))


def fit_message(record: ModelRecord, data: DataRecord) -> str:
    """One paragraph on how the model's ids match the data in use."""
    found = overlap(record, data)
    users = f"{count(found['users_in'])} of its {count(found['n_users'])} users"
    items = f"{count(found['items_in'])} of its {count(found['n_items'])} movies"
    if found["users_in"] == found["n_users"] and found["items_in"] == found["n_items"]:
        return f"It fits the data in use ({md(data.label)}): all its users and movies are in it."
    return (
        f"This model knows {count(found['n_users'])} users and {count(found['n_items'])} movies; "
        f"{users} and {items} are in the data in use ({md(data.label)}). It still works on every screen: "
        "its users' ratings, titles and genres are saved in the file. To learn from the data in use, "
        "train a new model."
    )
