"""The Train screen: settings, the live run, and how good the model is."""

from __future__ import annotations

import math

import numpy as np
import streamlit as st

import cf
from cf import plots
from cf.config import LIMITS, MODEL_KINDS
from cf.verdict import GOOD, accuracy_verdict, curve_note
from ui.components.common import count, file_stem, guarded, md, other_data_message, seconds
from ui.components.widgets import CHART_CONFIG, MODEL_LABELS, NO_STARS, chart, keep_toggle, polled
from ui.jobs import training
from ui.loading import model_file
from ui.session import state
from ui.session.state import DataRecord, ModelRecord

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
        job = state.job()
        if job is not None:
            live_view()
        else:
            with guarded("showing the model's results"):
                _results(data)


# -- the form ------------------------------------------------------------------------


def _settings_form(data: DataRecord) -> None:
    defaults = cf.TrainConfig()
    device = cf.resolve_device("auto").type
    job = state.job()
    busy = job is not None and job.running
    with st.form("cf.train_form", border=True):
        st.markdown("**Model settings**")
        settings = _main_settings(defaults)
        with st.expander("Advanced settings", icon=":material/tune:"):
            settings |= _step_settings(defaults, cf.auto_batch_size(data.stats()["n_ratings"], device))
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


def _main_settings(defaults: cf.TrainConfig) -> dict:
    """The model, factors and epochs widgets; their values as :class:`cf.TrainConfig` fields."""
    kinds = sorted(MODEL_KINDS, key=lambda kind: kind != defaults.model)  # the recommended default first
    kind = st.radio(
        "Model",
        kinds,
        format_func=MODEL_LABELS.get,
        captions=[("Recommended. " if k == defaults.model else "") + MODEL_KINDS[k].description for k in kinds],
        key=state.F_MODEL,
        persist_state="session",
        help="How the model turns a user's and a movie's vectors into a predicted rating.",
    )
    n_factors = st.slider(
        "Factors (size of each taste vector)",
        min_value=LIMITS["n_factors"][0],
        max_value=min(256, LIMITS["n_factors"][1]),
        value=defaults.n_factors,
        key=state.F_FACTORS,
        persist_state="session",
        help="How many numbers describe each user's taste and each movie. More can capture finer "
        "tastes but takes longer and can memorise noise. 20 to 100 is typical.",
    )
    epochs = st.slider(
        "Epochs (passes over the data)",
        min_value=LIMITS["epochs"][0],
        max_value=min(100, LIMITS["epochs"][1]),
        value=defaults.epochs,
        key=state.F_EPOCHS,
        persist_state="session",
        help="How many times training goes through every rating. Watch the validation line: "
        "when it stops falling, more epochs do not help.",
    )
    auto = st.toggle(
        "Auto: tune the settings for this data",
        value=True,
        key=state.F_AUTO,
        help="Before training, a few quick runs on 10% of the training ratings try the regularisation at half, "
        "once and twice the value set (advanced settings), the epochs at two thirds, once and 1.5 times the "
        "number set, and the learning rate at two thirds of the value set; then how much of a second opinion "
        "to blend into each predicted rating (what the person gave the most similar movies they rated, "
        "item neighbours). The best on that internal validation split is then trained on all training ratings. "
        "The values picked are shown with the results and saved in the model file. Takes about 3 to 5 times "
        "as long as one run. Off: the settings are used as they are.",
    )
    return {"model": kind, "n_factors": int(n_factors), "epochs": int(epochs), "auto": bool(auto)}


def _step_settings(defaults: cf.TrainConfig, auto: int) -> dict:
    """Learning rate, regularisation and batch size (``auto``: the automatic batch for this data)."""
    lr = st.number_input(
        "Learning rate",
        min_value=float(LIMITS["lr"][0]),
        max_value=float(LIMITS["lr"][1]),
        value=float(defaults.lr),
        step=0.001,
        format="%.4f",
        key=state.F_LR,
        persist_state="session",
        help="How big each learning step is. Too high and training becomes unstable; too low and it "
        "learns slowly. The default suits most data.",
    )
    weight_decay = st.number_input(
        "Regularisation (weight decay)",
        min_value=float(LIMITS["weight_decay"][0]),
        max_value=float(LIMITS["weight_decay"][1]),
        value=float(defaults.weight_decay),
        step=0.01,
        format="%.3f",
        key=state.F_WD,
        persist_state="session",
        help="A penalty on large vectors that keeps the model from memorising the training ratings. "
        "Raise it if validation error goes up while training error keeps falling.",
    )
    batch_size = st.select_slider(
        "Batch size",
        options=BATCH_SIZES,
        value=AUTO if defaults.batch_size is None else defaults.batch_size,
        format_func=lambda size: f"Auto ({auto:,})" if size == AUTO else f"{size:,}",
        key=state.F_BATCH,
        persist_state="session",
        help="Ratings per learning step. Auto picks 1,024 for small data and bigger batches for "
        "millions of ratings. Bigger batches run faster per epoch, especially on a GPU, "
        "but learn less per pass.",
    )
    return {
        "lr": float(lr),
        "weight_decay": float(weight_decay),
        "batch_size": None if batch_size == AUTO else int(batch_size),
    }


def _holdout_settings(defaults: cf.TrainConfig) -> dict:
    """The validation share and the random seed."""
    valid_pct = st.slider(
        "Validation share",
        min_value=0,
        max_value=int(LIMITS["valid_frac"][1] * 100),
        value=int(round(defaults.valid_frac * 100)),
        step=5,
        format="%d%%",
        key=state.F_VALID,
        persist_state="session",
        help="Share of ratings kept aside to measure how well the model predicts ratings it has "
        "not seen. 0% trains on everything but gives no accuracy score.",
    )
    seed = st.number_input(
        "Random seed",
        min_value=0,
        max_value=2**31 - 1,
        value=defaults.seed,
        step=1,
        key=state.F_SEED,
        persist_state="session",
        help="Same seed and settings give the same model. Change it to see how much results vary.",
    )
    return {"valid_frac": float(valid_pct) / 100.0, "seed": int(seed)}


# -- live view -----------------------------------------------------------------------


def live_view() -> None:
    """The running job's progress, refreshed every :data:`POLL_SECONDS` without a full rerun."""
    polled(_live_panel, state.job())


def _live_panel() -> None:
    job = state.job()
    if job is None:
        return
    if not job.running:
        st.rerun(scope="app")
    progress = job.progress()
    history = list(job.history)
    st.markdown(f"**Training Model {job.number}** · {md(MODEL_LABELS[job.config.model])} on {md(job.data.label)}")
    st.progress(progress.fraction, text=progress.text)
    cols = st.columns(4)
    cols[0].metric("Epochs done", f"{len(history)} / {progress.epochs}")  # the epochs the chart shows
    if history:
        last = history[-1]
        before = history[-2] if len(history) > 1 else None
        train_rmse = math.sqrt(max(last.train_loss, 0.0))
        delta = None
        if before is not None:
            delta = f"{train_rmse - math.sqrt(max(before.train_loss, 0.0)):+.3f}"
        cols[1].metric("Training RMSE", f"{train_rmse:.3f}", delta, delta_color="inverse")
        if last.valid_rmse is not None:
            delta = None
            if before is not None and before.valid_rmse is not None:
                delta = f"{last.valid_rmse - before.valid_rmse:+.3f}"
            cols[2].metric("Validation RMSE", f"{last.valid_rmse:.3f}", delta, delta_color="inverse")
        else:
            cols[2].metric("Validation RMSE", "–", help="No validation share was set.")
        cols[3].metric("Time left", seconds(progress.eta))
    else:
        cols[1].metric("Training RMSE", "…")
        cols[2].metric("Validation RMSE", "…")
        cols[3].metric("Time left", "…")
    if job.figure_cache is None or job.figure_cache[0] != len(history):
        job.figure_cache = (len(history), plots.training_curve(history, job.config.epochs))
    st.plotly_chart(job.figure_cache[1], key="cf.live_chart", config=CHART_CONFIG, width="stretch")
    stopping = job.stop_requested.is_set()
    if job.place() is not None:
        st.button("Leave the queue", key=state.STOP_MAIN, on_click=job.stop, icon=":material/logout:")
        return
    st.button(
        "Stopping…" if stopping else "Stop training",
        key=state.STOP_MAIN,
        on_click=job.stop,
        icon=":material/stop_circle:",
        disabled=stopping,
        help="Ends the run after the current batch and keeps the model of the last finished epoch.",
    )


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
    config = record.config
    run = "from a file" if record.source else f"{len(record.history)} of {config.epochs} epochs"
    return f"{record.name} · {MODEL_LABELS[config.model]} · {config.n_factors} factors · {run}"


def _model_summary(record: ModelRecord, data: DataRecord) -> None:
    st.markdown(f"#### {md(model_title(record))}")
    _model_actions(record, data)
    if record.source:
        st.caption(f"Loaded from the model file {md(record.source)}; its training curves are not in the file.")
    elif not state.fits(record, data):
        st.warning(other_data_message(record, data), icon=":material/swap_horiz:")
    if record.note:
        st.info(record.note)
    if record.recommender is not None and not record.recommender.has_ratings:
        st.info(NO_STARS, icon=":material/visibility:")
    scores = record.scores
    _error_metrics(record, scores)
    if scores and scores.topn is not None:
        _topn_quality(scores)
    _charts(record, scores)
    with st.expander("Settings", icon=":material/info:"):
        _settings_table(record)


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
    """RMSE and MAE on the held-out ratings next to the baselines, and the training time."""
    top = st.columns(3)
    if scores:
        top[0].metric(
            "Validation RMSE",
            f"{scores.rmse:.3f}",
            f"{scores.rmse - scores.bias_rmse:+.3f} vs bias-only",
            delta_color="inverse",
            help="Root mean squared error on ratings the model never saw, in stars. Lower is better.",
        )
        top[1].metric(
            "Validation MAE",
            f"{scores.mae:.3f}",
            f"{scores.mae - scores.bias_mae:+.3f} vs bias-only",
            delta_color="inverse",
            help="Mean absolute error: on average, how many stars a prediction is off.",
        )
    else:
        top[0].metric("Validation RMSE", "–", help="Set a validation share to measure accuracy.")
        top[1].metric("Validation MAE", "–", help="Set a validation share to measure accuracy.")
    start_up = training.start_up_note(record)
    top[2].metric(
        "Training time",
        "–" if record.source else seconds(record.fit_seconds),
        f"+ {seconds(record.setup_seconds)} start-up, once" if start_up and not record.source else None,
        delta_color="off",
        delta_arrow="off",
        help=f"Wall time of the training loop on the {record.device.upper()}. The first training in a server "
        "also loads compiled code; that start-up is shown apart, as the same settings will not pay it again.",
    )
    _verdict(scores)
    _baseline_metrics(scores)


def _baseline_metrics(scores: cf.Scores | None) -> None:
    """What the baselines score on the same held-out ratings."""
    if scores:
        base = st.columns(3)
        base[0].metric(
            "Bias-only baseline",
            f"{scores.bias_rmse:.3f}",
            help="RMSE of predicting the average rating plus each user's and movie's usual offset. "
            "A model should beat this.",
        )
        base[1].metric("Bias-only MAE", f"{scores.bias_mae:.3f}", help="MAE of the same bias-only prediction.")
        base[2].metric(
            "Global-mean baseline",
            f"{scores.global_mean_rmse:.3f}",
            help="RMSE of predicting the same average rating for everything.",
        )
    else:
        st.caption("No validation share was set, so there is no accuracy score. Set one under Advanced settings.")


def _charts(record: ModelRecord, scores: cf.Scores | None) -> None:
    """The training curve (with the baselines) and the accuracy comparison."""
    baselines = {}
    if scores:
        baselines = {"Bias-only baseline": scores.bias_rmse, "Global mean": scores.global_mean_rmse}
    if record.history:
        figure = plots.training_curve(record.history, record.config.epochs, baselines)
        chart(figure, f"curve.{record.id}", "training-curve")
        note = curve_note(record.history)
        if note:
            st.caption(note)
    if scores:
        figure = plots.accuracy_comparison(scores)
        chart(figure, f"compare.{record.id}", "accuracy")


def _topn_quality(scores: cf.Scores) -> None:
    """The top-N lists' quality beside a most-popular list, with the verdict in words."""
    report = scores.topn
    k, model, popular = report.k, report.model, report.popular
    st.markdown(f"#### Top-{k} lists")
    st.markdown(report.sentence())
    cols = st.columns(3)
    cols[0].metric(
        f"Hit rate@{k}",
        f"{model.hit_rate:.0%}",
        f"{model.hit_rate - popular.hit_rate:+.0%} vs most popular",
        help=f"Share of people whose top {k} holds at least one held-out movie they rated 4 stars or more, "
        "ranking every movie they had not rated.",
    )
    cols[1].metric(
        f"NDCG@{k}",
        f"{model.ndcg:.3f}",
        f"{model.ndcg - popular.ndcg:+.3f} vs most popular",
        help="Normalised discounted cumulative gain: loved movies near the top of the list count more; "
        "1.0 would put every loved movie first.",
    )
    cols[2].metric(
        f"Precision@{k}",
        f"{model.precision:.3f}",
        f"{model.precision - popular.precision:+.3f} vs most popular",
        help=f"Share of the {k} picks that the person went on to rate 4 stars or more. Low in absolute terms "
        "for every recommender: people rate only a few of the movies they would like.",
    )
    note = (
        f"Full-catalogue protocol on {count(report.n_people)} people with a loved movie among the "
        f"{count(scores.n_test)} held-out ratings. Lists cover {model.coverage:.1%} of the catalogue "
        f"(most popular: {popular.coverage:.1%})."
    )
    if report.by_rating is not None:
        note += (
            f" Ranked by predicted stars instead, the same lists would reach NDCG {report.by_rating.ndcg:.3f}: "
            "a rating model is not a ranking model."
        )
    st.caption(note)


def _settings_table(record: ModelRecord) -> None:
    """The settings the model was trained with."""
    config = record.config
    st.dataframe(
        {
            "Setting": ["Model", "Factors", "Epochs", "Learning rate", "Regularisation", "Batch size"]
            + ["Validation share", "Seed", "Device"],
            "Value": [
                MODEL_LABELS[config.model],
                str(config.n_factors),
                f"{len(record.history)} of {config.epochs}" if record.history else str(config.epochs),
                f"{config.lr:g}",
                f"{config.weight_decay:g}",
                count(config.batch_size)
                if config.batch_size
                else f"Auto ({count(record.recommender.config.batch_size or 0)})",
                f"{config.valid_frac:.0%}",
                str(config.seed),
                record.device.upper(),
            ],
        },
        hide_index=True,
        width="stretch",
    )


def _verdict(scores: cf.Scores | None) -> None:
    """One sentence on whether the model is good, from its RMSE against the baselines."""
    if not scores:
        return
    verdict = accuracy_verdict(scores.rmse, scores.bias_rmse, scores.global_mean_rmse)
    if verdict is None:
        return
    if verdict.level == GOOD:
        st.success(verdict.text, icon=":material/thumb_up:")
    else:
        st.warning(verdict.text, icon=":material/trending_down:")


def _maybe(value: float | None) -> str:
    return "–" if value is None or not np.isfinite(value) else f"{value:.3f}"


def _report_html(record: ModelRecord, ratings: cf.Ratings | None) -> str:
    """The one-file report of ``record`` (built when the button is clicked, off the script's thread)."""
    from cf.report import ReportInputs, build_report, score_held_out

    scores = record.scores or score_held_out(record.recommender)  # a loaded model: its own held-out ratings
    history = record.history or record.recommender.metadata.get("history", [])
    inputs = ReportInputs(
        record.recommender, ratings, scores, history, title=f"{record.name}: recommender report",
        data_label=record.data_label, fit_seconds=None if record.source else record.fit_seconds,
    )  # fmt: skip
    return build_report(inputs)


def _model_bytes(record: ModelRecord) -> bytes:
    from cf import persist

    return persist.to_bytes(record.recommender)
