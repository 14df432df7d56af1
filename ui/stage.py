"""Presentation mode's stage: each step of the story drawn by the screens' own render functions.

This module sits at the app's level, beside ``app.py`` (which alone imports it): it composes
screens, which a shared component (:mod:`ui.components.presentation`: the switch, the steps, the
keys, the enlarged charts) must not do.
"""

from __future__ import annotations

import streamlit as st

from ui.components import job_panel, presentation
from ui.components.common import guarded, md
from ui.jobs import training
from ui.screens import data as data_screen
from ui.screens import embed, rate, train, user
from ui.session import state
from ui.session.state import DataRecord, ModelRecord


def stage(data: DataRecord, model: ModelRecord | None) -> None:
    """The current step of the story, large."""
    item = presentation.STEPS[presentation.step()]
    with st.container(key=f"cf-present-stage-{item.key}"):
        st.subheader(item.heading, anchor=False)
        st.markdown(item.says)
        _live(item.key, model)
        with guarded(f"showing the step “{item.name}”"):
            _DRAW[item.key](data, model)
    st.container(key=f"drawn-present-{item.key}", height=1, border=False)  # drawn (browser tests wait for it)


def _data(data: DataRecord, model: ModelRecord | None) -> None:

    data_screen.render(data)


def _live(step: str, model: ModelRecord | None) -> None:
    """While a run goes: its live panel on the training step, a note on the steps that wait for its model;
    else the empty place kept for them (the same place on every step, see job_panel.follow)."""
    job = training.current()
    running = job is not None and job.running
    if running and step == "training":
        job_panel.live_place("present", job, train.live_panel, "showing the training progress")
    elif running and model is None and step in ("person", "rate", "map"):
        job_panel.live_place("present", job, _still_training, "waiting for the model")  # fills in when it ends
    else:
        job_panel.live_place("present", None, _still_training)


def _running() -> bool:
    job = state.job()
    return job is not None and job.running


def _training(data: DataRecord, model: ModelRecord | None) -> None:
    if _running():
        return  # the live panel shows it (see _live)
    if model is None:
        _offer_training(data, "The model learns here")
    else:
        with st.container(key="cf-present-results"):  # the verdict in words and the curve; the figures hidden
            train.results(data)


def _person(data: DataRecord, model: ModelRecord | None) -> None:

    if _needs_model(data, model, "show one person's picks"):
        user.render(model, data)


def _rate(data: DataRecord, model: ModelRecord | None) -> None:

    if _needs_model(data, model, "find picks for your ratings"):
        rate.render(model, data)


def _map(data: DataRecord, model: ModelRecord | None) -> None:

    if _needs_model(data, model, "draw its map of movies"):
        embed.render(model, data)


_DRAW = {"data": _data, "training": _training, "person": _person, "rate": _rate, "map": _map}


def _needs_model(data: DataRecord, model: ModelRecord | None, purpose: str) -> bool:
    """True when there is a model to show; else say so (and offer to train one) and return False."""
    if model is not None:
        return True
    if _running():
        return False  # the live panel says it is still training (see _live)
    _offer_training(data, f"A trained model is needed to {purpose}")
    return False


def _still_training(job: training.TrainingJob) -> None:
    st.info(
        f"Model {job.number} is still training; this step fills in when it is done. "
        "Step back to *The training* to watch it learn.",
        icon=":material/hourglass_top:",
    )


def _offer_training(data: DataRecord, why: str) -> None:
    st.info(
        f"{why}, and none is trained on **{md(data.label)}** yet. Train one now with the current settings "
        "(the Train screen's), and watch it learn.",
        icon=":material/school:",
    )
    st.button(
        "Train a model with the current settings",
        key="cf.present.train",
        type="primary",
        icon=":material/model_training:",
        on_click=_train,
        args=(data,),
    )


def _train(data: DataRecord) -> None:
    training.start_with_form_settings(data)
    st.session_state[presentation.STEP] = 1  # the training step: the live chart
