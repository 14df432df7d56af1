"""Figures that compare runs: curves and scores side by side, cross-validated intervals."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go

from cf.plots.theme import MUTED, PALETTE, _field, _figure, plot_text


def run_color(k: int) -> str:
    """The colour of the ``k``-th compared run, the same in every Compare chart."""
    return PALETTE[k % len(PALETTE)]


def compare_curves(runs: Sequence[Mapping[str, Any]], height: int = 380) -> go.Figure:
    """Validation RMSE per epoch of several runs on one chart (training RMSE dotted).

    Each run is a mapping with ``name`` (the legend label) and ``history`` (as for
    :func:`training_curve`). Runs without a history are left out.
    """
    longest = max((len(run.get("history") or []) for run in runs), default=1)
    fig = _figure(
        title=dict(text="Error per epoch, run by run (lower is better)"),
        xaxis=dict(title=dict(text="Epoch"), tickformat="d", dtick=max(1, -(-longest // 8))),  # whole epochs
        yaxis=dict(title=dict(text="Typical error (stars)")),
        height=height,
        hovermode="x unified",
    )
    for k, run in enumerate(runs):
        history = list(run.get("history") or [])
        if not history:
            continue
        color = run_color(k)
        name = plot_text(run["name"])
        epoch = [int(_field(h, "epoch")) for h in history]
        valid = [_field(h, "valid_rmse") for h in history]
        train = [float(np.sqrt(max(_field(h, "train_loss"), 0.0))) for h in history]
        if any(v is not None for v in valid):
            fig.add_scatter(
                x=epoch,
                y=[np.nan if v is None else float(v) for v in valid],
                mode="lines+markers",
                name=f"{name} · validation",
                legendgroup=name,
                line=dict(color=color, width=3),
                hovertemplate="%{y:.3f}",
            )
        fig.add_scatter(
            x=epoch,
            y=train,
            mode="lines",
            name=f"{name} · training",
            legendgroup=name,
            line=dict(color=color, width=1.5, dash="dot"),
            hovertemplate="%{y:.3f}",
        )
    return fig


def compare_scores(runs: Sequence[Mapping[str, Any]], height: int | None = None) -> go.Figure:
    """Validation RMSE of several runs as bars, with the bias-only baseline of each as a grey tick.

    Each run is a mapping with ``name`` and ``scores`` (:class:`cf.evaluation.Scores` or
    None); runs without scores are left out.
    """
    colors = [run_color(k) for k, run in enumerate(runs) if run.get("scores")]
    scored = [run for run in runs if run.get("scores")]
    fig = _figure(
        title=dict(text="Typical error by run (lower is better)"),
        xaxis=dict(title=dict(text="Typical error (stars)"), showgrid=True, rangemode="tozero"),
        yaxis=dict(showgrid=False, autorange="reversed"),
        height=height or 140 + 44 * max(1, len(scored)),
        margin=dict(l=8, r=48, t=48, b=8),
        showlegend=False,
    )
    if not scored:
        return fig
    names = [plot_text(run["name"]) for run in scored]
    rmse = [float(run["scores"].rmse) for run in scored]
    best = int(np.argmin(rmse))
    fig.add_bar(
        y=names,
        x=rmse,
        orientation="h",
        name="Validation RMSE",
        marker_color=colors,
        text=[f"{value:.3f}" + (" · best" if k == best and len(scored) > 1 else "") for k, value in enumerate(rmse)],
        textposition="outside",
        cliponaxis=False,
        hovertemplate="%{y}: %{x:.3f}<extra></extra>",
    )
    fig.add_scatter(
        y=names,
        x=[float(run["scores"].bias_rmse) for run in scored],
        mode="markers",
        name="Bias-only baseline",
        marker=dict(symbol="line-ns", size=22, color=MUTED, line=dict(width=3, color=MUTED)),
        hovertemplate="bias-only baseline %{x:.3f}<extra></extra>",
    )
    return fig


def crossval_intervals(
    runs: Sequence[Mapping[str, Any]], metric: str = "rmse", baseline: str | None = "bias_rmse"
) -> go.Figure:
    """Cross-validated means with 95% intervals as error bars, one row per run, beside a baseline.

    Each run is a mapping with ``name`` and ``summary`` (:meth:`cf.crossval.CVResult.summary`
    as plain dicts: ``mean``, ``low``, ``high`` per metric).
    """
    from cf.crossval import METRICS, PLAIN

    label, lower_better = PLAIN.get(metric, METRICS[metric][0]), METRICS[metric][1]
    better = "lower" if lower_better else "higher"
    fig = _figure(
        title=dict(text=plot_text(label)),  # short: the chart is often half a window wide
        xaxis=dict(title=dict(text=f"Mean over splits with its 95% interval · {better} is better"), showgrid=True),
        yaxis=dict(showgrid=False, autorange="reversed"),
        height=160 + 44 * max(1, len(runs)),
        margin=dict(l=8, r=48, t=48, b=8),
        legend=dict(orientation="h", y=-0.25),
    )
    if not runs:
        return fig
    names = [plot_text(run["name"]) for run in runs]

    def points(key: str, name: str, color, symbol: str) -> None:
        values = [run["summary"][key] for run in runs]
        fig.add_scatter(
            y=names,
            x=[v["mean"] for v in values],
            mode="markers",
            name=name,
            marker=dict(size=11, color=color, symbol=symbol),
            error_x=dict(
                type="data",
                symmetric=False,
                array=[v["high"] - v["mean"] for v in values],
                arrayminus=[v["mean"] - v["low"] for v in values],
                thickness=2,
                width=6,
            ),
            hovertemplate="%{y}: %{x:.4f}<extra>" + plot_text(name) + "</extra>",
        )

    points(metric, "model", [run_color(k) for k in range(len(runs))], "circle")
    if baseline:
        points(baseline, PLAIN.get(baseline, METRICS[baseline][0]), MUTED, "line-ns-open")
    # an honest scale: at least a tenth of a star (or 10 points), so a thousandth does not look like a cliff
    ends = [run["summary"][key][end] for run in runs for key in (metric, baseline) if key for end in ("low", "high")]
    middle, span = (max(ends) + min(ends)) / 2, max(max(ends) - min(ends), 0.05 if metric == "ndcg" else 0.1) * 1.15
    fig.update_xaxes(range=[middle - span / 2, middle + span / 2], tickformat=".0%" if "hit_rate" in metric else None)
    return fig
