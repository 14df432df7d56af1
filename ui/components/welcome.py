"""The first screen's greeting: what the app is, and what to do first, with the way to start."""

from __future__ import annotations

import streamlit as st

from ui.components import presentation
from ui.components.common import md
from ui.jobs import training
from ui.session import state
from ui.session.state import DataRecord, ModelRecord

HEADING = "Explore what people like"


def render(data: DataRecord, model: ModelRecord | None) -> None:
    """Until a model is trained (or training), greet people on the Data screen with the three steps."""
    job = state.job()
    if model is not None or state.model() is not None or (job is not None and job.running):
        return
    with st.container(border=True, key="cf-welcome"):
        st.markdown(f"#### :material/waving_hand: {HEADING}")
        source = (
            "The demo ratings are loaded; to use your own, choose *My files* in the sidebar and upload a ratings "
            "file (user, movie, rating), with a movies file for the titles."
            if data.demo
            else f"**{md(data.label)}** is loaded (the sidebar changes it)."
        )
        st.markdown(
            "This app learns people's tastes from their ratings alone, then recommends films to each person "
            "and draws a map of the movies.\n\n"
            f"1. **Ratings**: {source}\n"
            "2. **Train** a model on them: the Train screen shows it learning.\n"
            "3. **Explore**: one person's picks (User), rate a few movies yourself (Rate), the map of movies "
            "(Embeddings); or present the whole story to a room."
        )
        with st.container(horizontal=True, gap="small"):
            st.button(
                "Train a model now",
                key="cf.welcome.train",
                type="primary",
                icon=":material/model_training:",
                on_click=_train,
                args=(data,),
                help="Trains with the Train screen's settings and opens it, to watch the model learn.",
            )
            st.button(
                "Present the story",
                key="cf.welcome.present",
                icon=":material/co_present:",
                on_click=presentation.start,
                help="Presentation mode: the story in five steps, large, for a projector (Esc leaves).",
            )


def _train(data: DataRecord) -> None:
    training.start_with_form_settings(data)
    st.session_state[state.NAV] = state.TAB_TRAIN
