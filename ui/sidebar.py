"""The sidebar: where the data comes from, and the training status seen from every screen."""

from __future__ import annotations

import streamlit as st

from ui import data as loading
from ui import state, train_tab
from ui.common import count, guarded, md
from ui.state import DataRecord

DEMO, FILES = "Demo dataset", "My files"


def render() -> DataRecord:
    """Draw the sidebar and return the data in use."""
    with st.sidebar:
        st.markdown("### :material/database: Data")
        source = st.segmented_control(
            "Data source",
            [DEMO, FILES],
            default=DEMO,
            required=True,
            key=state.SOURCE,
            label_visibility="collapsed",
            help="Start with the demo, or upload your own ratings.",
        )
        previous = state.data()
        record = None
        if source == FILES:
            record = _uploads()
        if record is None:
            record = previous if (source == FILES and previous is not None) else loading.demo_record()
        st.session_state[state.DATA] = record
        stats = record.stats()
        st.caption(
            f"In use: **{md(record.label)}** · {count(stats['n_ratings'])} ratings · "
            f"{count(stats['n_users'])} users · {count(stats['n_items'])} movies"
        )
        job = state.job()
        if job is not None and job.running and st.session_state.get(state.NAV) != state.TAB_TRAIN:
            st.divider()
            train_tab.sidebar_status()
        st.divider()
        with st.expander("How it works", icon=":material/help:"):
            st.markdown(
                "**Collaborative filtering** learns tastes from ratings alone. Each person and each movie "
                "gets a short list of numbers (a *vector*); a predicted rating is how well the two match.\n\n"
                "1. **Data**: pick the demo or upload ratings (user, movie, rating).\n"
                "2. **Train**: fit a model and watch its error fall.\n"
                "3. **User**: see one person's ratings, the model's guesses, and its picks.\n"
                "4. **Embeddings**: the map of movies the model learned; similar movies sit together."
            )
    return record


def _uploads() -> DataRecord | None:
    ratings = st.file_uploader(
        "Ratings file",
        type=loading.RATINGS_TYPES,
        key=state.UP_RATINGS,
        help="One row per rating: user, movie, rating (and optionally a timestamp). CSV, TSV or "
        "MovieLens .dat/.data files, or a whole MovieLens .zip (its movies come along).",
    )
    movies = st.file_uploader(
        "Movies file (optional)",
        type=loading.MOVIES_TYPES,
        key=state.UP_MOVIES,
        help="One row per movie: id, title, genres (like 'Comedy|Drama'). Gives titles and genre colours.",
    )
    record, errors = None, []
    with guarded("reading the uploaded files"):
        record, errors = loading.uploaded_record(ratings, movies)
    for error in errors:
        st.error(error, icon=":material/error:")
    previous = state.data()
    if errors and record is None and previous is not None:
        st.caption(f"Still using **{md(previous.label)}**.")
    if ratings is None:
        st.caption("Upload a ratings file to use your own data. Until then the demo dataset stays in use.")
    return record
