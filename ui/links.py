"""Shareable views: the data choice, training settings, selected user and tab live in the URL.

:func:`sync` writes them into the query parameters after every run, so the address bar
always holds a link to the current view. :func:`open_link` reads them on a session's first
run and sets the widgets to match; :func:`after_data` then retrains the model the link
describes (the same seed gives the same model), or says to load the model file again.
Values that do not make sense are ignored with a note, never an error.

Parameters: ``tab``, ``data`` (``demo``, ``ml-<release>`` or ``file``), ``user``, ``model``,
``factors``, ``epochs``, ``lr``, ``wd``, ``batch``, ``valid`` (percent), ``seed``, and
``train`` (``1`` for a model trained with those settings, ``file`` for a loaded one).
"""

from __future__ import annotations

import dataclasses

import streamlit as st

import cf
from ui import state
from ui.state import DEMO, FILES, MOVIELENS, DataRecord, ModelRecord

_SETTINGS = {  # URL name: (TrainConfig field, widget key, parse)
    "model": ("model", state.F_MODEL, str),
    "factors": ("n_factors", state.F_FACTORS, int),
    "epochs": ("epochs", state.F_EPOCHS, int),
    "lr": ("lr", state.F_LR, float),
    "wd": ("weight_decay", state.F_WD, float),
    "batch": ("batch_size", state.F_BATCH, lambda text: None if text.lower() == "auto" else int(text)),
    "valid": ("valid_frac", state.F_VALID, float),
    "seed": ("seed", state.F_SEED, int),
}
PENDING = "cf.link_pending"
"""Settings of a model the link asks to retrain, until the data is known."""
ML_AUTO = "cf.ml_auto"
"""A MovieLens release the link asks for: loaded without a click when small or cached."""
AUTO_DOWNLOAD_MB = 10
RETRAINING = (
    "This link shows a model trained with the settings in its address: it is being trained again now "
    "(the same settings and seed give the same model)."
)
RETRAINED = (
    "This link shows a model trained with the settings in its address: it was trained again "
    "(the same settings and seed give the same model)."
)


def open_link() -> None:
    """On a session's first run, set the view from the query parameters (once)."""
    if state.LINK in st.session_state:
        return
    params = {k: st.query_params.get(k) for k in st.query_params.keys()}
    st.session_state[state.LINK] = params
    if not params:
        return
    notes: list[str] = []
    tab = params.get("tab")
    if tab in state.TABS:
        st.session_state[state.NAV] = tab
    data = params.get("data") or ""
    if data == "demo":
        st.session_state[state.SOURCE] = DEMO
    elif data.startswith("ml-"):
        from cf.data import movielens

        name = data[3:]
        if name in movielens.RELEASES:
            st.session_state[state.SOURCE] = MOVIELENS
            st.session_state[state.ML_RELEASE] = name
            from ui.data import movielens_cached

            if movielens_cached(name) or movielens.RELEASES[name].approx_mb <= AUTO_DOWNLOAD_MB:
                st.session_state[ML_AUTO] = name
            else:
                notes.append(f"This link uses MovieLens {name}: press Download and load in the sidebar.")
        else:
            notes.append("The link names a MovieLens release this app does not know; the demo data is in use.")
    elif data == "file":
        st.session_state[state.SOURCE] = FILES
        notes.append("This link was made with uploaded files: upload them again in the sidebar.")
    config = _settings(params, notes)
    user = params.get("user")
    if user:
        st.session_state[state.USER] = int(user) if user.lstrip("-").isdigit() else user
    train = params.get("train")
    if train == "1" and config is not None:
        st.session_state[PENDING] = config
        notes.append(RETRAINING)
    elif train == "file":
        notes.append("This link shows a model loaded from a file: load the file again on the Train screen.")
    st.session_state[state.LINK_NOTE] = " ".join(notes) or None


def _settings(params: dict, notes: list[str]) -> cf.TrainConfig | None:
    """The link's training settings, put into the form; None when there are none or they are invalid."""
    values = {}
    for name, (field, _, parse) in _SETTINGS.items():
        if params.get(name) is None:
            continue
        try:
            values[field] = parse(params[name])
        except ValueError:
            notes.append(f"The link's {name}={params[name]!r} is not a number and was ignored.")
    if "valid_frac" in values:
        values["valid_frac"] = values["valid_frac"] / 100.0
    if not values:
        return None
    try:
        config = dataclasses.replace(cf.TrainConfig(), **values).validate()
    except cf.ConfigError as error:
        notes.append(f"The link's settings were ignored: {error}.")
        return None
    for name, (field, key, _) in _SETTINGS.items():
        value = getattr(config, field)
        if name == "batch" and value is None:
            value = "Auto"  # the batch slider's automatic option
        st.session_state[key] = int(round(value * 100)) if name == "valid" else value
    return config


def after_data(data: DataRecord) -> None:
    """Start the training a link asked for, once its data is in use."""
    config = st.session_state.pop(PENDING, None)
    if config is None:
        return
    from ui import training

    try:
        training.start(data, config)
    except cf.ConfigError as error:
        state.set_notice("error", str(error))
        return
    st.rerun()  # draw the page again with the run's progress in view


def note() -> None:
    """Show what the link reopened, until the person leaves the first screen they saw."""
    text = st.session_state.get(state.LINK_NOTE)
    if not text:
        return
    first_tab = (st.session_state.get(state.LINK) or {}).get("tab")
    if first_tab not in state.TABS:
        first_tab = state.TAB_DATA
    if st.session_state.get(state.NAV, state.TAB_DATA) != first_tab:
        st.session_state[state.LINK_NOTE] = None  # moved on: the note has done its job
        return
    job = state.job()
    if job is None or not job.running:
        text = text.replace(RETRAINING, RETRAINED)
    st.info(text, icon=":material/link:")


def params_for(data: DataRecord, model: ModelRecord | None) -> dict[str, str]:
    """The query parameters that describe the current view."""
    params: dict[str, str] = {}
    tab = st.session_state.get(state.NAV)
    if tab in state.TABS and tab != state.TAB_DATA:
        params["tab"] = tab
    if data.demo:
        params["data"] = "demo"
    elif data.key.startswith("ml:"):
        params["data"] = "ml-" + data.key.split(":")[1]
    else:
        params["data"] = "file"
    job = state.job()
    config = None
    if job is not None and job.running:
        config, params["train"] = job.config, "1"
    elif model is not None:
        config, params["train"] = model.config, "file" if model.source else "1"
    if config is not None:
        for name, (field, _, _) in _SETTINGS.items():
            value = getattr(config, field)
            if name == "valid":
                value = value * 100
            if value is None:  # the automatic batch size
                value = "auto"
            params[name] = f"{value:g}" if isinstance(value, float) else str(value)
    user = st.session_state.get(state.USER)
    if model is not None and user is not None:
        params["user"] = str(user)
    return params


def sync(data: DataRecord, model: ModelRecord | None) -> None:
    """Write the current view into the URL (only when it changed)."""
    params = params_for(data, model)
    current = {k: st.query_params.get(k) for k in st.query_params.keys()}
    if current != params:
        st.query_params.from_dict(params)
