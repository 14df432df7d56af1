"""The Train screen: settings, the live run, and how good the model is."""

from __future__ import annotations

import math

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

import cf
from cf import plots, sections
from cf.config import MODEL_KINDS
from cf.noise import WHY_THEY_DIFFER
from cf.settings import SETTINGS
from cf.verdict import GOOD, Verdict
from ui.components import job_panel
from ui.components.common import count, file_stem, guarded, md, other_data_message, seconds
from ui.components.widgets import CHART_CONFIG, MODEL_LABELS, NO_STARS, chart, keep_toggle
from ui.jobs import training
from ui.loading import model_file
from ui.session import state
from ui.session.state import DataRecord, ModelRecord

# -- widget keys of this screen (the page, CSS and the tests use these strings) --
STOP = "cf.stop_main"

AUTO = "Auto"
BATCH_SIZES = [AUTO, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536, 131072, 262144]


def render(data: DataRecord) -> None:
    left, right = st.columns([2, 3], gap="large")  # side by side even when narrow: the live view beside Train
    with left:
        with guarded("reading the settings"):
            _settings_form(data)
        with st.container(border=True), guarded("reading the model file"):
            st.markdown("**Saved models**")
            st.caption("Download a trained model below its results; load it again here later, in any session.")
            model_file.uploader(data)
    with right:
        job = training.current()
        live_view(job)  # first, on every run: the live panel's place (see job_panel.follow)
        if job is None:
            with guarded("showing the model's results"):
                _results(data)


# -- the form ------------------------------------------------------------------------


def _settings_form(data: DataRecord) -> None:
    defaults = cf.TrainConfig()
    placement = cf.place(data.stats()["n_ratings"], defaults)
    device = placement.device_type
    job = state.job()
    busy = job is not None and job.running
    picked = _auto_picked(data)
    with st.form("cf.train_form", border=True):
        st.markdown("**Model settings**")
        settings = _main_settings(defaults, picked)
        with st.expander("Advanced settings", icon=":material/tune:"):
            settings |= _step_settings(defaults, placement.batch_size, picked)
            settings |= _holdout_settings(defaults)
        submitted = st.form_submit_button(
            "Train model",
            type="primary",
            icon=":material/model_training:",
            disabled=busy,
            width="stretch",
        )
    stats = data.stats()
    st.caption(f"Trains on **{md(data.label)}** ({count(stats['n_ratings'])} ratings) on the {md(device.upper())}.")
    if submitted:
        training.start(data, cf.TrainConfig(**settings))
        st.rerun()  # redraw with the form disabled and the live view running


def _auto_picked(data: DataRecord) -> ModelRecord | None:
    """The current model when Auto picked its settings (trained here on ``data``), else None."""
    record = state.model()
    if record is None or record.source or not record.config.auto or not state.fits(record, data):
        return None
    return record


def _auto_chose(picked: ModelRecord | None, name: str, named: bool = False) -> None:
    """Under a setting's widget: the value Auto picked for the current model (the form shows what was used).

    ``named`` names the setting too (under a widget of another setting).
    """
    if picked is not None:
        row = SETTINGS[name]
        value = row.plain(getattr(picked.config, name))
        what = f"{row.label.lower()} {value}" if named else value
        st.caption(f"Auto chose {what} for {md(picked.name)}.")


def _lower(name: str) -> str:
    """The plain label of setting ``name`` inside a sentence."""
    return SETTINGS[name].label.lower()


def _range(name: str, cap: float | None = None) -> dict:
    """A widget's ``min_value`` and ``max_value`` from the settings table (the top at most ``cap``)."""
    low, high = SETTINGS[name].range
    return {"min_value": low, "max_value": high if cap is None else min(cap, high)}


def _main_settings(defaults: cf.TrainConfig, picked: ModelRecord | None) -> dict:
    """The model, taste dimensions and passes widgets; their values as :class:`cf.TrainConfig` fields."""
    kinds = sorted(MODEL_KINDS, key=lambda kind: kind != defaults.model)  # the recommended default first
    kind = st.radio(
        SETTINGS["model"].label,
        kinds,
        format_func=MODEL_LABELS.get,
        captions=[("Recommended. " if k == defaults.model else "") + MODEL_KINDS[k].description for k in kinds],
        key=state.F_MODEL,
        persist_state="session",
        help=SETTINGS["model"].described(),
    )
    n_factors = st.slider(
        SETTINGS["n_factors"].label,
        **_range("n_factors", 256),
        value=defaults.n_factors,
        key=state.F_FACTORS,
        persist_state="session",
        help=SETTINGS["n_factors"].described(),
    )
    epochs = st.slider(
        SETTINGS["epochs"].label,
        **_range("epochs", 100),
        value=defaults.epochs,
        key=state.F_EPOCHS,
        persist_state="session",
        help=SETTINGS["epochs"].described(),
    )
    _auto_chose(picked, "epochs")
    auto = st.toggle(
        "Auto: tune the settings for this data",
        value=True,
        key=state.F_AUTO,
        help=f"Before training, a few quick runs on 10% of the training ratings try the {_lower('weight_decay')} at "
        f"half, once and twice the value set (advanced settings), the {_lower('epochs')} at two thirds, once and "
        f"1.5 times the number set, and the {_lower('lr')} at two thirds of the value set; then the "
        f"{_lower('knn_blend')}: how much of a second opinion to blend into each predicted rating (what the person "
        "gave the most similar movies they rated). The best on that internal check is then trained on all "
        "training ratings. The values picked are shown here, with the results, and saved in the model file. "
        "Takes about 3 to 5 times as long as one run. Off: the settings are used as they are.",
    )
    _auto_chose(picked, "knn_blend", named=True)
    return {"model": kind, "n_factors": int(n_factors), "epochs": int(epochs), "auto": bool(auto)}


def _step_settings(defaults: cf.TrainConfig, auto: int, picked: ModelRecord | None) -> dict:
    """Step size, regularisation and batch size (``auto``: the automatic batch for this data)."""
    low, high = SETTINGS["lr"].range
    lr = st.number_input(
        SETTINGS["lr"].label,
        min_value=float(low),
        max_value=float(high),
        value=float(defaults.lr),
        step=0.001,
        format="%.4f",
        key=state.F_LR,
        persist_state="session",
        help=SETTINGS["lr"].described(),
    )
    _auto_chose(picked, "lr")
    low, high = SETTINGS["weight_decay"].range
    weight_decay = st.number_input(
        SETTINGS["weight_decay"].label,
        min_value=float(low),
        max_value=float(high),
        value=float(defaults.weight_decay),
        step=0.01,
        format="%.3f",
        key=state.F_WD,
        persist_state="session",
        help=SETTINGS["weight_decay"].described(),
    )
    _auto_chose(picked, "weight_decay")
    batch_size = st.select_slider(
        SETTINGS["batch_size"].label,
        options=BATCH_SIZES,
        value=AUTO if defaults.batch_size is None else defaults.batch_size,
        format_func=lambda size: f"Auto ({auto:,})" if size == AUTO else f"{size:,}",
        key=state.F_BATCH,
        persist_state="session",
        help=SETTINGS["batch_size"].described(),
    )
    return {
        "lr": float(lr),
        "weight_decay": float(weight_decay),
        "batch_size": None if batch_size == AUTO else int(batch_size),
    }


def _holdout_settings(defaults: cf.TrainConfig) -> dict:
    """The validation share and the random seed."""
    valid_pct = st.slider(
        SETTINGS["valid_frac"].label,
        min_value=int(SETTINGS["valid_frac"].range[0] * 100),
        max_value=int(SETTINGS["valid_frac"].range[1] * 100),
        value=int(round(defaults.valid_frac * 100)),
        step=5,
        format="%d%%",
        key=state.F_VALID,
        persist_state="session",
        help=SETTINGS["valid_frac"].described(),
    )
    seed = st.number_input(
        SETTINGS["seed"].label,
        min_value=0,
        max_value=2**31 - 1,
        value=defaults.seed,
        step=1,
        key=state.F_SEED,
        persist_state="session",
        help=SETTINGS["seed"].described(),
    )
    return {"valid_frac": float(valid_pct) / 100.0, "seed": int(seed)}


# -- live view -----------------------------------------------------------------------


def live_view(job: training.TrainingJob | None) -> None:
    """The running job's progress, refreshed every :data:`ui.components.job_panel.POLL_SECONDS` without a full
    rerun: the shared job panel with the run's metrics and loss chart between its bar and its Stop button.
    With None, the empty place kept for it."""
    job_panel.live_place("train", job, live_panel, "showing the training progress")


def live_panel(job: training.TrainingJob) -> None:
    """The live panel of a training run: the shared job panel with its metrics and loss chart."""
    job_panel.panel(
        job,
        STOP,
        heading=f"**{job.label}** · {md(MODEL_LABELS[job.config.model])} on {md(job.data.label)}",
        body=lambda: _live_metrics(job),
        stop_label="Stop training",
        stop_help="Ends the run after the current batch and keeps the model of the last finished epoch.",
    )


def _live_metrics(job: training.TrainingJob) -> None:
    """The run's epochs, training and validation RMSE, time left, and its loss chart so far."""
    progress = job.progress()
    history = list(job.history)
    cols = st.columns(4)
    cols[0].metric("Epochs done", f"{len(history)} / {progress.epochs}")  # the epochs the chart shows
    if history:
        last = history[-1]
        before = history[-2] if len(history) > 1 else None
        train_rmse = math.sqrt(max(last.train_loss, 0.0))
        delta = None
        if before is not None:
            delta = f"{train_rmse - math.sqrt(max(before.train_loss, 0.0)):+.3f}"
        cols[1].metric(
            "Error, ratings it learns from",
            f"{train_rmse:.3f}",
            delta,
            delta_color="inverse",
            help="Typical error (RMSE, stars) on the training ratings.",
        )
        if last.valid_rmse is not None:
            delta = None
            if before is not None and before.valid_rmse is not None:
                delta = f"{last.valid_rmse - before.valid_rmse:+.3f}"
            cols[2].metric(
                "Error, unseen ratings",
                f"{last.valid_rmse:.3f}",
                delta,
                delta_color="inverse",
                help="Typical error (RMSE, stars) on the kept-aside ratings it never learns from: what counts.",
            )
        else:
            cols[2].metric("Error, unseen ratings", "–", help="No validation share was set.")
        cols[3].metric("Time left", seconds(progress.eta))
    else:
        cols[1].metric("Error, ratings it learns from", "…")
        cols[2].metric("Error, unseen ratings", "…")
        cols[3].metric("Time left", "…")
    if job.figure_cache is None or job.figure_cache[0] != len(history):
        job.figure_cache = (len(history), plots.training_curve(history, job.config.epochs))
    st.plotly_chart(job.figure_cache[1], key="cf.live_chart", config=CHART_CONFIG, width="stretch")


# -- results -------------------------------------------------------------------------


def show_notice() -> None:
    notice = st.session_state.get(state.NOTICE)
    if not notice:
        return
    level, text = notice
    show = {"success": st.success, "info": st.info, "warning": st.warning, "error": st.error}.get(level, st.info)
    show(text)


def results(data: DataRecord) -> None:
    """The model's results without the settings form (presentation mode shows them large)."""
    with guarded("showing the model's results"):
        _results(data)


def _results(data: DataRecord) -> None:
    show_notice()
    record = state.model()
    if record is None:
        speed = (
            "With the demo data the default settings take a few seconds."
            if data.demo
            else f"It learns from **{md(data.label)}**, the data in use."
        )
        st.info(
            f"No model yet. Choose settings on the left and press **Train model**. {speed}",
            icon=":material/school:",
        )
        return
    _model_summary(record, data)


def model_title(record: ModelRecord) -> str:
    """``Model 1 · <kind> · 50 factors · 4 of 4 epochs``; with Auto the epochs are the ones it picked, and say so."""
    config = record.config
    run = "from a file" if record.source else f"{len(record.history)} of {config.epochs} epochs"
    if config.auto and not record.source:
        run += " (picked by Auto)"
    return f"{record.name} · {MODEL_LABELS[config.model]} · {config.n_factors} factors · {run}"


def _model_summary(record: ModelRecord, data: DataRecord) -> None:
    st.markdown(f"#### {md(model_title(record))}")
    _model_actions(record, data)
    if record.source:
        st.caption(f"Loaded from the model file {md(record.source)}; its training curves are not in the file.")
    elif not state.fits(record, data):
        st.warning(other_data_message(record, data), icon=":material/swap_horiz:")
    if record.note:
        st.info(record.note, icon=":material/auto_fix_high:")
    if record.recommender is not None and not record.recommender.has_ratings:
        st.info(NO_STARS, icon=":material/visibility:")
    scores = record.scores
    stars = record.recommender is None or record.recommender.has_ratings  # who-watched-what files have no stars
    _error_metrics(record, scores if stars else None)
    if scores and scores.topn is not None:
        _topn_quality(scores)
    if scores and stars:
        _details(scores)
    _charts(record, scores)
    with st.expander("Settings", icon=":material/info:"):
        _settings_table(record)
    if record.phases:
        with st.expander("Where it ran and where the time went", icon=":material/timer:"):
            _time_spent(record)


def _model_actions(record: ModelRecord, data: DataRecord) -> None:
    """Download the model file; keep the model for comparison."""
    actions = st.container(horizontal=True, vertical_alignment="center", gap="medium")
    with actions:
        st.download_button(
            "Download the model file",
            data=lambda: _model_bytes(record),
            file_name=f"{file_stem(record.name.lower())}.{model_file.MODEL_EXTENSION}",
            mime="application/octet-stream",
            on_click="ignore",
            icon=":material/download:",
            key=f"cf.model_file.{record.id}",
            help="A safe file with the trained model and its id maps (numbers and names, no code). "
            "Load it again under Saved models, or in Python with cf.Recommender.load.",
        )
        if record.recommender is not None:
            ratings = data.ratings if state.fits(record, data) else None
            st.download_button(
                "Download report",
                data=lambda: _report_html(record, ratings),
                file_name=f"{file_stem(record.name.lower())}-report.html",
                mime="text/html",
                on_click="ignore",
                icon=":material/summarize:",
                key=f"cf.report.{record.id}",
                help="One HTML file that opens in any browser, offline: the data, the settings, the training "
                "curves, accuracy and top-N quality beside the baselines, example people, similar movies and "
                "the map, each with one sentence of what it shows. Made when you click (a few seconds).",
            )
        keep_toggle(record)


def _error_metrics(record: ModelRecord, scores: cf.Scores | None) -> None:
    """The model's one headline figure (its typical error on ratings it never saw), the training time and
    the verdict in words; the specialist's figures are under *Details*."""
    top = st.columns([2, 1])
    section = sections.accuracy(scores) if scores else None
    if section is not None:
        _metric(top[0], section.headline)
        top[0].caption(section.measured_on)
    elif record.recommender is not None and not record.recommender.has_ratings:
        pass  # NO_STARS says why there is no error in stars
    else:
        top[0].metric("Typical error", "–", help="Set a validation share under Advanced settings to measure it.")
        top[0].caption("No validation share was set, so there is no accuracy score. Set one under Advanced settings.")
    start_up = training.start_up_note(record)
    top[1].metric(
        "Training time",
        "–" if record.source else seconds(record.fit_seconds),
        f"+ {seconds(record.setup_seconds)} start-up, once" if start_up and not record.source else None,
        delta_color="off",
        delta_arrow="off",
        help=f"Wall time of the training on the {record.device.upper()}, Auto's trial runs included. The first "
        "training in a server also loads compiled code; that start-up is shown apart, as the same settings will "
        "not pay it again.",
    )
    if section is not None:
        _verdict(section.verdict)


def _metric(where: DeltaGenerator, figure: sections.Figure) -> None:
    """A headline figure of :mod:`cf.sections` as a metric, with its change and help."""
    where.metric(figure.label, figure.value, figure.change, delta_color="normal", help=figure.help or None)


def _details(scores: cf.Scores) -> None:
    """The figures behind the headline, by their specialist names, and why other screens' figures differ."""
    with st.expander("Details: the figures behind this", icon=":material/info:"):
        rows = sections.accuracy(scores).details
        lists = sections.topn(scores)
        if lists is not None:
            rows = rows + lists.details
        table = {"Figure": [r[0] for r in rows], "Value": [r[1] for r in rows], "What it is": [r[2] for r in rows]}
        st.table(table, border="horizontal", hide_index=True)  # wraps: the explanations stay readable
        if lists is not None:
            st.caption(lists.note)
        st.caption(WHY_THEY_DIFFER)


def _charts(record: ModelRecord, scores: cf.Scores | None) -> None:
    """The training curve (with the baselines) and the accuracy comparison."""
    if record.history:
        section = sections.training(record.history, scores)
        figure = plots.training_curve(record.history, record.config.epochs, section.baselines)
        chart(figure, f"curve.{record.id}", "training-curve")
        if section.note:
            st.caption(section.note)
    if scores:
        figure = plots.accuracy_comparison(scores)
        chart(figure, f"compare.{record.id}", "accuracy")


def _topn_quality(scores: cf.Scores) -> None:
    """The top-N lists' quality beside a most-popular list, in words; the specialist's figures are in Details."""
    section = sections.topn(scores)
    st.markdown(f"#### Top-{section.k} lists")
    cols = [st.container(), st.container()]  # one above the other: the column is narrow in a 900-pixel window
    _metric(cols[0], section.headline)
    cols[1].markdown(section.sentence)
    cols[1].caption(section.measured_on)


def _settings_table(record: ModelRecord) -> None:
    """The settings the model was trained with (:func:`cf.sections.settings_rows`: the report shows the same)."""
    fitted = record.recommender.config if record.recommender is not None else None
    rows = sections.settings_rows(record.config, fitted, len(_history(record)), _device(record))
    st.dataframe({"Setting": [r[0] for r in rows], "Value": [r[1] for r in rows]}, hide_index=True, width="stretch")


def _history(record: ModelRecord) -> list:
    """The run's epoch reports: those of this session, or those a model file keeps in its metadata."""
    if record.history or record.recommender is None:
        return list(record.history)
    return list(record.recommender.metadata.get("history", []))


def _device(record: ModelRecord) -> str | None:
    """Where the model was trained; None for a model loaded from a file (its file does not say)."""
    return None if record.source else record.device


PHASE_NAMES = {
    "index": "Reading the ratings into the model's numbering",
    "split": "Setting ratings aside",
    "warm_up": "Getting ready (loading kernels, first step)",
    "auto": "Auto's trial runs",
    "training": "Training",
    "item_model": "The item model that ranks lists",
    "neighbours": "Item neighbours (Auto's blend)",
    "scoring": "Scoring on the ratings set aside",
}
"""Plain names of the phases of a run (:attr:`cf.FitResult.phases`); others show their own name."""


def _time_spent(record: ModelRecord) -> None:
    """Where the model was trained and why, and the seconds of each phase of the run."""
    if record.placement:
        st.markdown(f"**Where:** {md(record.placement)}.")
    rows = [
        (PHASE_NAMES.get(name, name.replace("_", " ").capitalize()), spent) for name, spent in record.phases.items()
    ]
    st.dataframe(
        {"Phase": [name for name, _ in rows], "Seconds": [round(spent, 2) for _, spent in rows]},
        hide_index=True,
        width="stretch",
    )


def _verdict(verdict: Verdict | None) -> None:
    """One sentence on whether the model is good, from its RMSE against the baselines."""
    if verdict is None:
        return
    if verdict.level == GOOD:
        st.success(verdict.text, icon=":material/thumb_up:")
    else:
        st.warning(verdict.text, icon=":material/trending_down:")


def _report_html(record: ModelRecord, ratings: cf.Ratings | None) -> str:
    """The one-file report of ``record`` (built when the button is clicked, off the script's thread)."""
    from cf.report import ReportInputs, build_report, score_held_out

    scores = record.scores or score_held_out(record.recommender)  # a loaded model: its own held-out ratings
    inputs = ReportInputs(
        record.recommender, ratings, scores, _history(record), title=f"{record.name}: recommender report",
        data_label=record.data_label, fit_seconds=None if record.source else record.fit_seconds,
        chosen=record.config, device=_device(record),
    )  # fmt: skip
    return build_report(inputs)


def _model_bytes(record: ModelRecord) -> bytes:
    from cf import persist

    return persist.to_bytes(record.recommender)
