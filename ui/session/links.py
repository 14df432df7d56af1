"""Shareable views: the data choice, training settings, selected user and tab live in the URL.

:func:`sync` writes them into the query parameters after every run, so the address bar
always holds a link to the current view. :func:`open_link` reads them on a session's first
run and sets the widgets to match; :func:`after_data` then retrains the model the link
describes (the same seed gives the same model), or says to load the model file again.
Values that do not make sense are ignored with a note, never an error.

A link made with uploaded files names them (``files``) and their content (``hash``, the data
record's key). Until files with that content are uploaded, the link waits: :func:`awaiting`
is true, the page says which files it needs (:func:`wait_panel`), and nothing is trained or
shown on other data; then the rest of the link is applied.

Parameters: ``tab``, ``data`` (``demo``, ``ml-<release>`` or ``file``), ``files``, ``hash``,
``user``, the training settings by their link keys in :data:`cf.settings.SETTINGS` (``model``,
``factors``, ``epochs``, ``lr``, ``wd``, ``batch``, ``valid`` in percent, ``seed``),
and ``train`` (``1`` for a model trained with those settings, ``file`` for a loaded one).
``present`` (a step number) opens presentation mode (:mod:`ui.components.presentation`).
A screen's own widgets too, from the table of :class:`Linked` widgets it declares and ``app.py``
hands over (:data:`Views`), so this module names no screen: the Embeddings screen's map view
(``ui.screens.embed.LINKED``): ``show``, ``dims``, ``map`` (``pca``, ``tsne``, ``umap``, ``axes``),
``perp``, ``nn``, ``mindist``, ``axes`` (the custom axes' ends, ``|``-separated), ``colour``,
``size``, ``regions``, ``k``, ``q``, ``regex``, ``nb``, ``isolate`` and ``titles``; only the ones
that differ from the screen's defaults.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import streamlit as st

import cf
from cf.settings import SETTINGS
from ui.components import presentation
from ui.components.common import md
from ui.session import state
from ui.session.state import DEMO, FILES, MOVIELENS, DataRecord, ModelRecord

_SETTINGS = {row.link: row for row in SETTINGS.values() if row.link}
"""URL name -> the setting's row (:data:`cf.settings.SETTINGS`): its field, and how it is written and read."""
FLAG = {"1": True, "0": False}
"""An on/off widget's values in the address (for :attr:`Linked.parse`)."""


@dataclass(frozen=True)
class Linked:
    """One widget of a screen whose value a page link carries (a screen declares a table of them)."""

    name: str
    """The query parameter."""
    key: str
    """The widget's key."""
    default: object
    """The widget's own default: not written into the address."""
    parse: Mapping[str, object] | Callable[[str], object]
    """The address's values -> the widget's (read back through the same table), or a parser (written with ``str``)."""


@dataclass(frozen=True)
class LinkedGroup:
    """Several text widgets a link carries as one ``|``-separated parameter, while another widget has a value."""

    name: str
    """The query parameter."""
    keys: tuple[str, ...]
    """The widgets' keys, in the parameter's order."""
    when: tuple[str, object]
    """(widget key, value): the parameter is written only while that widget has that value."""


Views = Mapping[str, Sequence[Linked | LinkedGroup]]
"""Tab label -> the widgets of that screen a link carries (``app.py`` hands each screen's table here)."""

PENDING = "cf.link_pending"
"""A model the link asks to retrain, until its data is in use: {"config", "data" (the link's ``data``)}."""
WAIT = "cf.link_wait"
"""A link made with uploaded files, until they are uploaded: {"params", "accepted"}."""
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


def open_link(views: Views | None = None) -> None:
    """On a session's first run, set the view from the query parameters (once), screens' widgets in ``views`` too."""
    if state.LINK in st.session_state:
        return
    params = {k: st.query_params.get(k) for k in st.query_params.keys()}
    st.session_state[state.LINK] = params
    if not params:
        return
    notes: list[str] = []
    data = params.get("data") or ""
    if data == "demo":
        st.session_state[state.SOURCE] = DEMO
    elif data.startswith("ml-"):
        from cf.data import movielens

        name = data[3:]
        if name in movielens.RELEASES:
            st.session_state[state.SOURCE] = MOVIELENS
            st.session_state[state.ML_RELEASE] = name
            from ui.loading.uploads import movielens_cached

            if movielens_cached(name) or movielens.RELEASES[name].approx_mb <= AUTO_DOWNLOAD_MB:
                st.session_state[ML_AUTO] = name
            else:
                notes.append(f"This link uses MovieLens {name}: press Download and load in the sidebar.")
        else:
            notes.append("The link names a MovieLens release this app does not know; the demo data is in use.")
    elif data == "file":
        st.session_state[state.SOURCE] = FILES
        st.session_state[WAIT] = {"params": params, "accepted": None, "views": views or {}}
        return  # the rest waits for the files (see awaiting)
    _apply_view(params, notes, views or {})


def _apply_view(params: dict, notes: list[str], views: Views) -> None:
    """Set the tab, the training settings and the user from the link, and show ``notes`` with what it did."""
    tab = params.get("tab")
    if tab in state.TABS:
        st.session_state[state.NAV] = tab
    config = _settings(params, notes)
    for linked in views.values():
        _screen_view(params, notes, linked)
    user = params.get("user")
    if user:
        st.session_state[state.USER] = int(user) if user.lstrip("-").isdigit() else user
    train = params.get("train")
    if train == "1" and config is not None:
        st.session_state[PENDING] = {"config": config, "data": params.get("data") or ""}
        notes.append(RETRAINING)
    elif train == "file":
        notes.append("This link shows a model loaded from a file: load the file again on the Train screen.")
    st.session_state[state.LINK_NOTE] = " ".join(notes) or None


def _settings(params: dict, notes: list[str]) -> cf.TrainConfig | None:
    """The link's training settings, put into the form; None when there are none or they are invalid."""
    values = {}
    for name, row in _SETTINGS.items():
        if params.get(name) is None:
            continue
        try:
            values[row.name] = row.from_link(params[name])
        except ValueError:
            notes.append(f"The link's {name}={params[name]!r} is not a number and was ignored.")
    if not values:
        return None
    try:
        config = dataclasses.replace(cf.TrainConfig(), **values).validate()
    except cf.ConfigError as error:
        notes.append(f"The link's settings were ignored: {error}.")
        return None
    for row in _SETTINGS.values():
        value = getattr(config, row.name)
        if row.name == "batch_size" and value is None:
            value = "Auto"  # the batch slider's automatic option
        st.session_state[state.FORM_KEYS[row.name]] = int(round(value * 100)) if row.percent else value
    return config


def _screen_view(params: dict, notes: list[str], linked: Sequence[Linked | LinkedGroup]) -> None:
    """Set a screen's widgets from the link; values that make no sense are skipped with a note."""
    for row in linked:
        text = params.get(row.name)
        if isinstance(row, LinkedGroup):
            for key, end in zip(row.keys, text.split("|") if text else ()):
                st.session_state[key] = end
            continue
        if text is None:
            continue
        try:
            value = row.parse[text] if isinstance(row.parse, Mapping) else row.parse(text)
        except (KeyError, ValueError):
            notes.append(f"The link's {row.name}={text!r} was ignored: it is not a value this screen offers.")
            continue
        st.session_state[row.key] = value


def screen_view_params(linked: Sequence[Linked | LinkedGroup]) -> dict[str, str]:
    """A screen's view as query parameters (only what differs from its defaults)."""
    params: dict[str, str] = {}
    for row in linked:
        if isinstance(row, LinkedGroup):
            key, value = row.when
            if st.session_state.get(key) == value:
                ends = [str(st.session_state.get(k) or "") for k in row.keys]
                params[row.name] = "|".join(ends).rstrip("|")
            continue
        value = st.session_state.get(row.key)
        if value is None or value == row.default:
            continue
        if isinstance(row.parse, Mapping):
            codes = {v: k for k, v in row.parse.items()}
            if value in codes:
                params[row.name] = codes[value]
        else:
            params[row.name] = f"{value:g}" if isinstance(value, float) else str(value)
    return params


# -- a link made with uploaded files ---------------------------------------------------


def wanted() -> str | None:
    """The files the link waits for, as people read them ('ratings.csv + movies.csv'), or None."""
    wait = st.session_state.get(WAIT)
    if wait is None:
        return None
    return wait["params"].get("files") or "the files it was made with"


def awaiting(data: DataRecord) -> bool:
    """Whether a link still waits for its uploaded files, given the data the sidebar chose.

    Files with the link's content (or files the person accepted) end the wait and apply the
    rest of the link; choosing another data source leaves the link.
    """
    wait = st.session_state.get(WAIT)
    if wait is None:
        return False
    if st.session_state.get(state.SOURCE) != FILES:
        del st.session_state[WAIT]  # the person chose other data: the link's view no longer applies
        return False
    if not uploaded(data) or _mismatch(wait, data):
        return True
    del st.session_state[WAIT]
    _apply_view(wait["params"], [f"The link's files are in: {md(data.label)}."], wait["views"])
    return False


def uploaded(data: DataRecord) -> bool:
    """Whether ``data`` came from uploaded files (not the demo, not a MovieLens download)."""
    return not data.demo and not data.key.startswith("ml:")


def _mismatch(wait: dict, data: DataRecord) -> str | None:
    """How uploaded ``data`` differs from the files the link was made with, or None when it is them."""
    params = wait["params"]
    expected, files = params.get("hash"), params.get("files")
    if data.key == wait["accepted"]:
        return None
    if expected:
        want_ratings, _, want_movies = expected.partition("+")
        have_ratings, _, have_movies = data.key.partition("+")
        if have_ratings != want_ratings:
            return f"The ratings file {md(data.label)} is not the one this link was made with."
        if have_movies == want_movies:
            return None
        if have_movies == "none" and want_movies not in ("none", "zip"):
            return "The ratings file is in; this link was made with a movies file too: upload it as well."
        return "The movies file is not the one this link was made with."
    if files and files != data.label:  # an older link: it names the files but not their content
        return f"These files ({md(data.label)}) are not named like the ones this link was made with."
    return None


def wait_panel(data: DataRecord) -> None:
    """What the page shows while the link waits for its files: which files, and what happens next."""
    wait = st.session_state[WAIT]
    params = wait["params"]
    steps = []
    if params.get("train") == "1":
        steps.append("trains the link's model again (same settings, same seed)")
    if params.get("user"):
        steps.append(f"shows User {md(params['user'])}")
    then = f" Then the page {' and '.join(steps)}." if steps else ""
    st.info(
        f"This link was made with uploaded files: **{md(wanted())}**. Upload them in the sidebar, under "
        f"*My files*, to open its view.{then} Nothing is trained or shown on other data until then; to leave "
        "the link, choose another data source in the sidebar.",
        icon=":material/upload_file:",
    )
    problem = _mismatch(wait, data) if uploaded(data) else None
    if problem:
        st.warning(problem, icon=":material/difference:")
        st.button(
            f"Use {md(data.label)} anyway",
            key="cf.link_accept",
            on_click=_accept,
            args=(data.key,),
            icon=":material/check:",
            help="Open the link's view (settings, user, screen) on these files instead.",
        )


def _accept(key: str) -> None:
    wait = st.session_state.get(WAIT)
    if wait is not None:
        wait["accepted"] = key


def after_data(data: DataRecord) -> None:
    """Start the training a link asked for, once its data is in use (never on other data)."""
    pending = st.session_state.get(PENDING)
    if pending is None or not _is_links_data(pending["data"], data):
        return
    config = st.session_state.pop(PENDING)["config"]
    from ui.jobs import training

    try:
        training.start(data, config)
    except cf.ConfigError as error:
        state.set_notice("error", str(error))
        return
    st.rerun()  # draw the page again with the run's progress in view


def _is_links_data(wanted: str, data: DataRecord) -> bool:
    """Whether ``data`` is what the link's ``data`` parameter names (files are checked by :func:`awaiting`)."""
    if wanted.startswith("ml-"):
        return data.key.startswith("ml:") and data.key.split(":")[1] == wanted[3:]
    if wanted == "demo":
        return data.demo
    return True


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


def params_for(data: DataRecord, model: ModelRecord | None, views: Views | None = None) -> dict[str, str]:
    """The query parameters that describe the current view (the open screen's widgets in ``views`` too)."""
    params: dict[str, str] = {}
    tab = st.session_state.get(state.NAV)
    if tab in state.TABS and tab != state.TAB_DATA:
        params["tab"] = tab
    if data.demo:
        params["data"] = "demo"
    elif data.key.startswith("ml:"):
        params["data"] = "ml-" + data.key.split(":")[1]
    else:
        params.update({"data": "file", "files": data.label, "hash": data.key})
    job = state.job()
    config = None
    if job is not None and job.running:
        config, params["train"] = job.config, "1"
    elif model is not None:
        config, params["train"] = model.config, "file" if model.source else "1"
    if config is not None:
        for name, row in _SETTINGS.items():
            params[name] = row.to_link(getattr(config, row.name))
    user = st.session_state.get(state.USER)
    if model is not None and user is not None:
        params["user"] = str(user)
    if model is not None and views and tab in views:  # a screen's view, while it shows a model
        params.update(screen_view_params(views[tab]))
    params.update(presentation.link_params())  # presentation mode and its step
    return params


def sync(data: DataRecord, model: ModelRecord | None, views: Views | None = None) -> None:
    """Write the current view into the URL (only when it changed); ``views`` as for :func:`open_link`."""
    params = params_for(data, model, views)
    current = {k: st.query_params.get(k) for k in st.query_params.keys()}
    if current != params:
        st.query_params.from_dict(params)
