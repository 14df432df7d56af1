"""The Compare screen: the runs of this session side by side (settings, curves, scores, top picks).

Every model trained or loaded in the session is listed with its settings, curves and
scores. Weights stay in memory for at most :data:`ui.session.state.MAX_WEIGHTS` models, chosen by
:func:`ui.session.state.weights_kept` (the current one, the pinned ones, the best, the most recent);
the others keep their curves and scores, and the screen names them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

import cf
from cf import plots
from cf.crossval import METRICS, paired_test, same_folds
from cf.noise import WHY_THEY_DIFFER, crossval_reading
from cf.settings import SETTINGS, label
from cf.verdict import GOOD
from ui.components import job_panel, widgets
from ui.components.common import csv_bytes, md, scrolls_sideways, wrapping_columns
from ui.components.picks import MATCH_HELP, picks_frame
from ui.components.widgets import DEFAULT_MIN_RATINGS, MODEL_LABELS, chart, keep_toggle
from ui.jobs import crossval as crossval_job
from ui.session import state
from ui.session.state import DataRecord, ModelRecord

# -- widget keys of this screen (the page, CSS and the tests use these strings) --
CHOSEN_RUNS = "cf.compare_runs"
"""The runs compared (by record id)."""
CHOSEN_USER = "cf.compare_user"
"""The user whose lists the runs compare (this screen's own pick; it starts at :data:`state.USER`)."""

DEFAULT_COMPARED = 5


def run_label(record: ModelRecord) -> str:
    config = record.config
    return f"{record.name} · {MODEL_LABELS[config.model]} · {config.n_factors} factors"


def render(data: DataRecord) -> None:
    widgets.memory_note()
    runs = state.runs()
    if not runs:
        st.info(
            "Every model you train or load in this session is listed here, with its settings, curves and "
            "scores, so you can compare them: for example the plain dot product against the biased and the "
            "neural model. Train a model on the Train screen to start.",
            icon=":material/compare_arrows:",
        )
        return
    by_id = {r.id: r for r in runs}
    chosen_ids = st.session_state.get(CHOSEN_RUNS)
    if chosen_ids is not None and any(i not in by_id for i in chosen_ids):
        st.session_state[CHOSEN_RUNS] = [i for i in chosen_ids if i in by_id]
    chosen_ids = st.multiselect(
        "Runs to compare",
        list(by_id),
        default=[r.id for r in runs[-DEFAULT_COMPARED:]],
        format_func=lambda i: run_label(by_id[i]),
        key=CHOSEN_RUNS,
        help="Every model trained or loaded in this session, oldest first.",
    )
    chosen = [by_id[i] for i in chosen_ids]
    if not chosen:
        st.caption("Pick one or more runs above.")
        return
    summary = summary_table(chosen)
    with scrolls_sideways("runs"):  # settings and scores of each run: wider than any window
        _summary_grid(summary)
    st.download_button(
        "Download this comparison (CSV)",
        data=csv_bytes(summary),
        file_name="runs.csv",
        mime="text/csv",
        on_click="ignore",
        icon=":material/download:",
        key="cf.compare_csv",
    )
    plotted = [{"name": r.name, "history": r.history, "scores": r.scores} for r in chosen]
    left, right = wrapping_columns([3, 2], "compare_charts", gap="medium")
    with left:
        figure = plots.compare_curves(plotted)
        chart(figure, "compare_curves", "compare-curves")
    with right:
        figure = plots.compare_scores(plotted)
        chart(figure, "compare_scores", "compare-scores")
    if not any(r.scores for r in chosen):
        st.caption("None of these runs kept ratings aside (validation share), so there are no scores to compare.")
    else:
        st.caption(
            "Dotted lines: error on the ratings each run learned from; solid: on the ratings it kept aside (what "
            "counts). Each run keeps its colour in both charts; the best run's bar is marked “best”, and the grey "
            "tick on each bar is the simple guess from each person's and movie's usual rating, on the same ratings."
        )
    _crossval(data, chosen)
    _side_by_side([r for r in chosen if r.loaded])
    _memory(runs)


def _crossval(data: DataRecord, chosen: list[ModelRecord]) -> None:
    """Scores with error bars: start a cross-validation, follow it, and show the intervals and paired tests."""
    st.markdown("#### How sure are these scores?")
    finished = crossval_job.collect()
    if finished:
        kind, text = finished
        getattr(st, kind)(text)
    st.caption(
        "A score measured on one set of kept-aside ratings would come out a little different on another set. "
        f"Cross-validation trains the run's settings again on several splits of **{md(data.label)}** (every "
        "rating is tested once) and gives the average with the range it most likely lies in (95% interval). "
        "Runs cross-validated here share their splits, so two of them are compared split by split: the app "
        "says whether their difference is larger than the noise.",
        help="k-fold cross-validation; two runs on the same folds are compared with a paired t-test over folds.",
    )
    job = crossval_job.job()
    job_panel.live_place("crossval", job, _crossval_panel, "showing the cross-validation")  # on every run
    if job is None:
        row = st.container(horizontal=True, vertical_alignment="bottom", gap="medium")
        with row:
            run_id = st.selectbox(
                "Run to cross-validate",
                [r.id for r in chosen],
                format_func=lambda i: run_label(next(r for r in chosen if r.id == i)),
                key=crossval_job.RUN,
            )
            folds = st.number_input("Folds", min_value=2, max_value=10, value=5, step=1, key=crossval_job.FOLDS)
        record = next(r for r in chosen if r.id == run_id)
        if row.button("Cross-validate", icon=":material/stacked_bar_chart:", key=crossval_job.START):
            try:
                crossval_job.start(data, record, int(folds))
            except cf.ConfigError as error:
                st.error(str(error), icon=":material/error:")
            else:
                st.rerun()
    _crossval_results(chosen)


def _crossval_panel(job: crossval_job.CrossValJob) -> None:
    job_panel.panel(
        job, crossval_job.STOP, stop_help="Ends after the current fold's training; the folds that finished are kept."
    )


def _crossval_results(chosen: list[ModelRecord]) -> None:
    """Each cross-validated run's verdict in words, its intervals on an honest scale, and the paired comparisons."""
    done = crossval_job.results()
    scored = [(r, done[r.id]) for r in chosen if r.id in done]
    if not scored:
        return
    for record, result in scored:
        verdict = crossval_reading(result.summary(), len(result.folds), result.method)
        show = st.success if verdict.level == GOOD else st.warning
        show(f"**{md(record.name)}**. {verdict.text}", icon=":material/fact_check:")
    plotted = [{"name": r.name, "summary": {k: v.to_dict() for k, v in res.summary().items()}} for r, res in scored]
    left, right = wrapping_columns([1, 1], "cv_charts", gap="medium")
    with left:
        figure = plots.crossval_intervals(plotted)
        chart(figure, "cv_rmse", "crossval-error")
    with right:
        figure = plots.crossval_intervals(plotted, "hit_rate", "popular_hit_rate")
        chart(figure, "cv_hits", "crossval-lists")
    details = []
    for k, (first, a) in enumerate(scored):
        for second, b in scored[k + 1 :]:
            if same_folds(a, b):
                for metric in ("rmse", "hit_rate"):
                    test = paired_test(a, b, metric, (first.name, second.name))
                    st.markdown(test.sentence())
                    details.append(test.detail())
            else:
                st.caption(f"{first.name} and {second.name} were not scored on the same splits, so no comparison.")
    st.caption(WHY_THEY_DIFFER)
    with st.expander("Details: every cross-validated figure", icon=":material/info:"):
        st.dataframe(crossval_table(scored), hide_index=True, width="stretch", key="cf.cv_table")
        for line in details:
            st.caption(line)


def crossval_table(scored: list[tuple[ModelRecord, object]]) -> pd.DataFrame:
    """One row per cross-validated run: mean and 95% interval of each figure."""
    rows = []
    for record, result in scored:
        row = {"Run": record.name, "Folds": len(result.folds)}
        for metric, interval in result.summary().items():
            digits = 4 if "rmse" in metric or metric == "mae" else 3
            label = METRICS[metric][0]
            row[label] = f"{interval.mean:.{digits}f} ({interval.low:.{digits}f} to {interval.high:.{digits}f})"
        rows.append(row)
    return pd.DataFrame(rows)


ERROR, GAIN, AVERAGE_ERROR, HITS = (
    "Typical error (stars)",
    "Better than a simple guess by",
    "Average error (stars)",
    "Lists that found a loved movie",
)
"""The summary's plain column names; the specialist's names are in each column's help."""


def _summary_grid(summary: pd.DataFrame) -> None:
    shown = [name for name in summary if "NDCG@" not in name]  # ranking quality: in the CSV, not on screen
    st.dataframe(
        summary,
        hide_index=True,
        width="stretch",
        column_order=shown,
        column_config={
            "Run": st.column_config.TextColumn("Run", pinned=True),
            ERROR: st.column_config.NumberColumn(
                format="%.3f", help="Validation RMSE: root mean squared error on the ratings each run kept aside."
            ),
            GAIN: st.column_config.NumberColumn(
                format="%+.3f",
                help="Bias-only RMSE minus this run's RMSE, in stars: positive when the model does better than "
                "the simple guess from each person's and each movie's usual rating.",
            ),
            AVERAGE_ERROR: st.column_config.NumberColumn(format="%.3f", help="Validation MAE: mean absolute error."),
            HITS: st.column_config.NumberColumn(
                format="percent",
                help="Hit rate@10: the share of people whose top 10 held a kept-aside movie they rated 4 stars or "
                "more.",
            ),
            "Simple guess: typical error": st.column_config.NumberColumn(format="%.3f", help="Bias-only RMSE."),
            "Training time (s)": st.column_config.NumberColumn(format="%.1f"),
        },
        key="cf.compare_table",
    )


def summary_table(runs: list[ModelRecord]) -> pd.DataFrame:
    """One row per run: its settings and scores (plain column names; NDCG by its own name, for the CSV)."""
    rows = []
    for r in runs:
        c, s = r.config, r.scores
        topn = s.topn if s else None
        k = topn.k if topn else 10
        rows.append(
            {
                "Run": r.name,
                "Model": MODEL_LABELS[c.model],
                ERROR: s.rmse if s else np.nan,
                GAIN: s.bias_rmse - s.rmse if s else np.nan,  # positive when the model beats the simple guess
                AVERAGE_ERROR: s.mae if s else np.nan,
                HITS: topn.model.hit_rate if topn else np.nan,
                f"NDCG@{k}": topn.model.ndcg if topn else np.nan,
                f"Most popular NDCG@{k}": topn.popular.ndcg if topn else np.nan,
                "Simple guess: typical error": s.bias_rmse if s else np.nan,
                label("n_factors"): c.n_factors,
                label("epochs"): len(r.history) if r.history else c.epochs,
                label("lr"): c.lr,
                label("weight_decay"): c.weight_decay,
                label("batch_size"): c.batch_size,
                label("valid_frac"): SETTINGS["valid_frac"].plain(c.valid_frac),
                label("seed"): c.seed,
                "Training time (s)": r.fit_seconds if not r.source else np.nan,
                "Data": r.data_label,
                "Status": "from file" if r.source else r.status,
                "In memory": r.loaded,
            }
        )
    return pd.DataFrame(rows)


def _side_by_side(loaded: list[ModelRecord]) -> None:
    if len(loaded) < 2:
        if loaded:
            st.caption(
                "To compare top picks side by side, keep two or more models in memory (below), then pick them above."
            )
        return
    st.markdown("#### Top picks side by side")
    shared = loaded[0].recommender.users.ids
    for record in loaded[1:]:
        shared = shared.intersection(record.recommender.users.ids)
    if shared.empty:
        st.caption("These models have no user in common.")
        return
    first = loaded[0].user_table()
    users = (
        first[first["userId"].isin(shared)]["userId"]
        .head(1000)
        .map(lambda v: v.item() if isinstance(v, np.generic) else v)
    )
    options = list(users)
    if st.session_state.get(CHOSEN_USER) not in options:
        current = st.session_state.get(state.USER)
        st.session_state[CHOSEN_USER] = current if current in options else options[0]
    user = st.selectbox("User", options, format_func=lambda u: f"User {u}", key=CHOSEN_USER)
    min_count = int(st.session_state.get(state.MIN_RATINGS, DEFAULT_MIN_RATINGS) or 0)
    cols = wrapping_columns(min(len(loaded), 4), "compare_picks")
    for col, record in zip(cols, loaded[:4]):
        rec = record.recommender
        picks = rec.recommend(user, 10, min_ratings=min(min_count, int(rec.item_counts.max(initial=0))))
        with col:
            st.markdown(f"**{md(run_label(record))}**")
            with st.container(key=f"cf-compare-picks-{record.id}"):
                shown = picks_frame(picks, details=False)[["Rank", "Movie", "Match"]]
                st.table(shown, border="horizontal", hide_index=True)
    if len(loaded) > 4:
        st.caption("The first four are shown.")
    st.caption(MATCH_HELP)


REASONS = {
    state.IN_USE: "in use",
    state.PINNED: "kept for comparison",
    state.BEST: "the lowest typical error on its data",
    state.RECENT: "recently used",
}


def _memory(runs: list[ModelRecord]) -> None:
    st.markdown("#### Models in memory")
    current = state.model()
    kept = state.weights_kept(runs, current)
    st.caption(
        f"This session keeps the weights of {state.MAX_WEIGHTS} models at most: the one in use, the ones kept "
        "for comparison, the one with the lowest typical error, then the most recently used. Switch to one to "
        "explore it on the other screens."
    )
    for record in sorted(kept, key=lambda r: r.number, reverse=True):
        row = st.container(horizontal=True, vertical_alignment="center", gap="medium")
        row.markdown(f"{md(run_label(record))} · *{REASONS[kept[record]]}*", width="stretch")
        with row:
            keep_toggle(record)
        row.button(
            "Use this model",
            key=f"cf.use.{record.id}",
            disabled=record is current,
            on_click=_use,
            args=(record,),
            icon=":material/swap_horiz:",
        )
    dropped = state.dropped()
    if dropped:
        names = ", ".join(_dropped_label(r) for r in dropped)
        st.caption(
            f"Dropped to save memory: {names}. Their curves and scores stay above; train again with the same "
            "settings and seed to get one back."
        )


def _dropped_label(record: ModelRecord) -> str:
    rmse = record.scores.rmse if record.scores else None
    return (
        f"{md(record.name)} (typical error {rmse:.3f})" if rmse is not None and np.isfinite(rmse) else md(record.name)
    )


def _use(record: ModelRecord) -> None:
    state.use_model(record)
    state.set_notice("info", f"Now using {record.name}.")
