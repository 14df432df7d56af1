"""The Tune screen: sweep one or two settings, watch each result arrive, train with the best."""

from __future__ import annotations

import dataclasses

import pandas as pd
import streamlit as st

import cf
from cf import plots
from cf.noise import MEASURED_ON, score_noise, sweep_reading
from cf.settings import SETTINGS
from cf.sweep import DEFAULT_VALUES, SCORES, TUNABLE, default_score, grid, parse_values
from ui.components import job_panel
from ui.components.common import guarded, seconds, wrapping_columns
from ui.components.widgets import CHART_CONFIG, image_buttons
from ui.jobs import sweep as sweeping
from ui.jobs import training
from ui.session import state
from ui.session.state import DataRecord

# -- widget keys of this screen (the page, CSS and the tests use these strings) --
PARAMS = "cf.t_params"
VALUES = "cf.t_values."
"""Prefix: ``VALUES + setting name`` is the text field of that setting's values."""
SCORE = "cf.t_score"
RUN = "cf.t_run"
STOP = "cf.t_stop"
BEST = "cf.t_best"

SCORE_NAMES = {
    "rmse": "Typical error (stars)",
    "mae": "Average error (stars)",
    "ndcg": "Ranking quality of the lists",
    "hit_rate": "People whose list found a loved movie",
}


def render(data: DataRecord) -> None:
    left, right = wrapping_columns([2, 3], "tune", gap="large")  # one above the other when narrow
    job = sweeping.current()
    with left, guarded("reading the sweep settings"):
        _form(data, busy=job is not None and job.running)
    with right, guarded("showing the sweep"):
        running = job is not None and job.running
        job_panel.live_place("tune", job if running else None, _live, "showing the sweep")  # first, on every run
        if job is None:
            st.info(
                "Pick one or two settings and their values, then **Run sweep**: one model is trained per value "
                "(or pair of values) on 90% of the ratings and scored on the other 10%, the same ratings the Train "
                "screen keeps aside. Each result is drawn as it arrives.",
                icon=":material/tune:",
            )
        elif not running:
            _panel(job, data)


def _base(data: DataRecord) -> tuple[cf.TrainConfig, str]:
    """The settings that stay fixed: the current model's (with Auto's picks, and Auto off, so that each point
    trains the value it stands for), else the defaults (Auto off too)."""
    record = state.model_for(data)
    if record is not None and record.source is None:
        whose = f"{record.name}'s settings" + (", as Auto picked them" if record.config.auto else "")
        return dataclasses.replace(record.config, auto=False), whose
    return dataclasses.replace(cf.TrainConfig(), auto=False), "the default settings"


def _form(data: DataRecord, busy: bool) -> None:
    base, whose = _base(data)
    with st.container(border=True):
        st.markdown("**Sweep settings**")
        names = st.multiselect(
            "Settings to vary (one or two)",
            list(TUNABLE),
            default=["weight_decay"],
            max_selections=2,
            format_func=lambda n: plots.SETTING_LABELS.get(n, n),
            key=PARAMS,
            help="One setting draws a line of score against value; two draw a heat map of every pair.",
        )
        texts = {}
        for name in names:
            texts[name] = st.text_input(
                f"{plots.SETTING_LABELS.get(name, name)} values",
                value=", ".join(f"{v:g}" for v in DEFAULT_VALUES[name]),
                key=VALUES + name,
                help=f"Numbers separated by commas. {SETTINGS[name].described()} Now {getattr(base, name):g}.",
            )
        scores = list(SCORES)
        score = st.selectbox(
            "Score to optimise",
            scores,
            index=scores.index(default_score(names)),
            format_func=SCORE_NAMES.get,
            key=SCORE,
            help="Typical and average error: how far the predicted stars are off (RMSE and MAE; lower is better). "
            "Ranking quality and people whose list found a loved movie: how good the top-10 lists are (NDCG@10 and "
            f"hit rate@10; higher is better); the {SETTINGS['ranker_l2'].label.lower()} changes only these.",
        )
        kept = ", ".join(f"{SETTINGS[n].label.lower()} {getattr(base, n)}" for n in ("epochs", "n_factors"))
        st.caption(f"Everything else stays at {whose}: {kept}.")
        values = _parsed(texts)
        if values:
            st.caption(f"{len(grid(values))} models to train.")
        st.button(
            "Run sweep",
            type="primary",
            icon=":material/play_arrow:",
            disabled=busy or not values,
            key=RUN,
            on_click=_start,
            args=(data, base, values, score),
            width="stretch",
        )


def _parsed(texts: dict[str, str]) -> dict | None:
    """The values of each setting, or None after showing what is wrong."""
    if not texts:
        st.caption("Pick a setting to vary.")
        return None
    try:
        values = {name: parse_values(name, text) for name, text in texts.items()}
        grid(values)
    except cf.ConfigError as error:
        st.error(str(error), icon=":material/error:")
        return None
    return values


def _start(data: DataRecord, base: cf.TrainConfig, values: dict, score: str) -> None:
    try:
        sweeping.start(data, base, values, score)
    except cf.ConfigError as error:
        state.set_notice("error", str(error))


def _live(job: sweeping.SweepJob) -> None:
    job_panel.panel(
        job,
        STOP,
        body=lambda: _chart(job),
        stop_label="Stop sweep",
        stop_help="Ends the sweep now; the results so far stay.",
    )


def _panel(job: sweeping.SweepJob, data: DataRecord) -> None:
    if job.error:
        st.error(job.error, icon=":material/error:")
    if job.left_queue:
        st.info("The sweep left the queue before it started; nothing was trained.", icon=":material/logout:")
        return
    ended = "stopped" if job.stop_requested.is_set() else "done"
    st.markdown(f"**Sweep {ended}**: {len(job.results)} of {job.n_points} models in {seconds(job.seconds)}.")
    if not job.results:
        return
    _chart(job)
    winner = job.best()
    shown = ", ".join(f"{plots.SETTING_LABELS.get(k, k).lower()} {v:g}" for k, v in winner.point.items())
    best = f"{winner.score(job.score):.1%}" if job.score == "hit_rate" else f"{winner.score(job.score):.3f}"
    unit = " stars" if job.score in ("rmse", "mae") else ""
    name = SCORE_NAMES[job.score].removesuffix(" (stars)").lower()
    st.success(f"Best {name}: {best}{unit}, with {shown}.", icon=":material/star:")
    n = job.n_people if job.score == "hit_rate" else job.n_valid
    reading = sweep_reading([r.score(job.score) for r in job.results], job.score, _noise(job), n)
    if reading:
        st.markdown(reading)
    st.button(
        "Train with the best",
        type="primary",
        icon=":material/model_training:",
        key=BEST,
        on_click=_train_best,
        args=(job, data),
        help="Trains a model on all the data with these settings, on the Train screen.",
    )
    table = pd.DataFrame([r.to_dict() for r in job.results]).dropna(axis=1, how="all")
    names = {**plots.SETTING_LABELS, **SCORE_NAMES, "fit_seconds": "Training time (s)"}
    formats = {SCORE_NAMES[k]: "%.3f" for k in ("rmse", "mae", "ndcg")} | {"Training time (s)": "%.1f"}
    config = {name: st.column_config.NumberColumn(format=fmt) for name, fmt in formats.items()}
    config[SCORE_NAMES["hit_rate"]] = st.column_config.NumberColumn(format="percent")
    st.dataframe(table.rename(columns=names), hide_index=True, width="stretch", column_config=config)


def _chart(job: sweeping.SweepJob) -> None:
    if not job.results:
        return
    figure = plots.sweep_chart([r.to_dict() for r in job.results], list(job.values), job.score, _noise(job))
    st.plotly_chart(figure, key="cf.sweep_chart", config=CHART_CONFIG, width="stretch")
    if not job.running:
        image_buttons(figure, "sweep_chart", "sweep")
    st.caption(f"Each point is one model, scored on {MEASURED_ON['sweep'].format(n=f'{job.n_valid:,}')}.")


def _noise(job: sweeping.SweepJob) -> float | None:
    """Half-width of the 95% band of the best score on the sweep's kept-aside ratings (None: not known)."""
    winner = job.best()
    if winner is None:
        return None
    n = job.n_people if job.score == "hit_rate" else job.n_valid
    return score_noise(job.score, winner.score(job.score), n)


def _train_best(job: sweeping.SweepJob, data: DataRecord) -> None:
    config = job.best_config()
    if config is None:
        return
    try:
        training.start(data, config)
    except cf.ConfigError as error:
        state.set_notice("error", str(error))
    st.session_state[state.NAV] = state.TAB_TRAIN
