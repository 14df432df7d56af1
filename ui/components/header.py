"""The page header: product name, what it does, and what is loaded.

Imports nothing heavy: :func:`title` draws before torch has loaded, so the page is
never blank while the server warms up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import streamlit as st

from ui.components.text import md, short_count

if TYPE_CHECKING:
    from streamlit.delta_generator import DeltaGenerator

    from ui.jobs.base import JobView
    from ui.session.state import DataRecord, ModelRecord

TITLE = "CF Explorer"
TAGLINE = (
    "Learn people's tastes from their ratings: train a collaborative-filtering model, see what it "
    "recommends to each person, and explore the map of movies it discovers."
)


def title() -> DeltaGenerator:
    """Draw the title and tagline; return the slot for :func:`badges`."""
    with st.container(key="cf-wrap-header"):  # the badges go under the title in a narrow window
        left, right = st.columns([3, 2], vertical_alignment="center")
    with left:
        st.title(f":material/movie_filter: {TITLE}", anchor=False)
        st.caption(TAGLINE)
    return right.container(horizontal=True, horizontal_alignment="right", gap="small")


def badges(
    slot: DeltaGenerator,
    data: DataRecord,
    model: ModelRecord | None,
    job: JobView | None,
    other_data: bool = False,
) -> None:
    """What is loaded and trained, as small badges in the header.

    ``model`` is the model for ``data`` (see :func:`ui.session.state.model_for`), never one trained on
    other data; ``other_data`` says that the session's model was trained on other data.
    """
    with slot:
        n_ratings = short_count(data.stats()["n_ratings"])
        st.badge(f"{md(data.label)} · {n_ratings} ratings", icon=":material/database:", color="blue")
        if job is not None and job.running:
            st.badge(f"{job.label}…", icon=":material/hourglass_top:", color="orange")
        if model is not None:
            score = f" · typical error ±{model.scores.rmse:.2f} stars" if model.scores else ""  # as the results say
            st.badge(f"{md(model.name)}{score}", icon=":material/neurology:", color="violet")
        elif job is None or not job.running:
            text = "No model for this data" if other_data else "No model yet"
            st.badge(text, icon=":material/neurology:", color="gray")


def waiting(slot: DeltaGenerator, files: str) -> None:
    """The header while a shared link waits for its uploaded files."""
    with slot:
        st.badge(f"Waiting for {md(files)}", icon=":material/upload_file:", color="orange")
