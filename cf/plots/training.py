"""Figures of one training run and of a tuning sweep, with the settings' and scores' chart labels."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import plotly.graph_objects as go

from cf.plots.theme import ACCENT, MUTED, PALETTE, _field, _figure, plot_text
from cf.settings import SETTINGS

if TYPE_CHECKING:
    from cf.evaluation import Scores, TopNReport


def training_curve(
    history: Sequence[object],
    epochs: int | None = None,
    baselines: Mapping[str, float] | None = None,
) -> go.Figure:
    """Training and validation RMSE per epoch.

    ``history`` holds :class:`cf.EpochReport` objects (or dicts with ``epoch``,
    ``train_loss`` and ``valid_rmse``). The training loss is a mean squared error, so it
    is shown as its square root to share the axis with the validation RMSE. ``epochs``
    fixes the x axis to the planned run so the curve grows into it. ``baselines`` maps
    a label to an RMSE drawn as a dashed line.
    """
    epoch = [int(_field(h, "epoch")) for h in history]
    train = [float(np.sqrt(max(_field(h, "train_loss"), 0.0))) for h in history]
    valid = [_field(h, "valid_rmse") for h in history]
    planned = max(epochs or 0, max(epoch, default=1), 1)
    fig = _figure(
        title=dict(text="Error per epoch (lower is better)"),
        xaxis=dict(title=dict(text="Epoch"), range=[0.7, planned + 0.3], dtick=max(1, planned // 10)),
        yaxis=dict(title=dict(text="Typical error (stars)"), rangemode="tozero"),
        height=340,
        hovermode="x unified",
    )
    fig.add_scatter(
        x=epoch,
        y=train,
        mode="lines+markers",
        name="On the ratings it learns from",
        line=dict(color=PALETTE[0], width=3),
        hovertemplate="%{y:.3f}",
    )
    if any(v is not None for v in valid):
        fig.add_scatter(
            x=epoch,
            y=[np.nan if v is None else float(v) for v in valid],
            mode="lines+markers",
            name="On unseen ratings (what counts)",
            line=dict(color=ACCENT, width=3),
            hovertemplate="%{y:.3f}",
        )
    for k, (label, value) in enumerate((baselines or {}).items()):
        if value is None or not np.isfinite(value):
            continue
        fig.add_hline(
            y=float(value),
            line=dict(color=MUTED, width=1.5, dash="dash" if k == 0 else "dot"),
            annotation_text=f"{plot_text(label)}: {value:.3f}",
            annotation_position="top right",
        )
    return fig


def accuracy_comparison(scores: Scores) -> go.Figure:
    """The model's validation RMSE next to the global-mean and bias-only baselines."""
    rows = [
        ("The average for everything", scores.global_mean_rmse, MUTED),
        ("A simple guess", scores.bias_rmse, MUTED),
        ("This model", scores.rmse, ACCENT),
    ]
    rows = [(label, float(value), color) for label, value, color in rows]
    fig = _figure(
        title=dict(text="Typical error, unseen ratings"),  # fits a 280-pixel column
        xaxis=dict(title=dict(text="Typical error (stars)"), showgrid=True, rangemode="tozero"),
        yaxis=dict(showgrid=False, autorange="reversed"),
        height=230,
        showlegend=False,
        margin=dict(l=8, r=40, t=48, b=8),
    )
    fig.add_bar(
        y=[label for label, _, _ in rows],
        x=[value for _, value, _ in rows],
        orientation="h",
        marker_color=[color for _, _, color in rows],
        text=[f"{value:.3f}" for _, value, _ in rows],
        textposition="outside",
        cliponaxis=False,
        hovertemplate="%{y}: %{x:.3f}<extra></extra>",
    )
    return fig


def topn_comparison(topn: TopNReport) -> go.Figure:
    """NDCG and hit rate of the top-N lists beside a most-popular list (and lists by predicted stars)."""
    k = topn.k
    rows = [("This model", topn.model, ACCENT), ("Most popular", topn.popular, MUTED)]
    if topn.by_rating is not None:
        rows.append(("By predicted stars", topn.by_rating, PALETTE[0]))
    fig = _figure(
        title=dict(text=f"Quality of the top-{k} lists (higher is better)"),
        yaxis=dict(title=dict(text="Score"), rangemode="tozero"),
        barmode="group",
        height=320,
    )
    for label, values, color in rows:
        y = [float(values.ndcg), float(values.hit_rate)]
        fig.add_bar(
            x=[f"Ranking quality (NDCG@{k})", f"Found a loved movie (hit rate@{k})"],
            y=y,
            name=label,
            marker_color=color,
            text=[f"{v:.3f}" for v in y],
            textposition="outside",
            cliponaxis=False,
            hovertemplate=f"{plot_text(label)}: %{{y:.3f}}<extra></extra>",
        )
    return fig


def sweep_chart(
    results: Sequence[Mapping[str, Any]], params: Sequence[str], score: str = "rmse", noise: float | None = None
) -> go.Figure:
    """A tuning sweep's results: the score against one setting (line), or a heat map over two.

    ``results`` holds dicts with one key per name in ``params`` and the ``score``; points not
    yet run are simply absent, so the chart can be redrawn as results arrive. With ``noise``
    (the half-width of one score's 95% band, :func:`cf.noise.score_noise`) the line chart
    shades the band around the best point: points inside it are as good as the best. The
    score axis spans at least a tenth of a star (10 points), so tiny differences look tiny.
    """
    label = SCORE_LABELS.get(score, score)
    title = f"{label} by {' and '.join(SETTING_LABELS.get(p, p) for p in params)}"
    if len(params) == 1:
        name = params[0]
        x_label = SETTING_LABELS.get(name, name)
        done = sorted((r for r in results if r.get(score) is not None), key=lambda r: r[name])
        fig = _figure(
            title=dict(text=title),
            xaxis=dict(title=dict(text=x_label), showgrid=True),
            yaxis=dict(title=dict(text=label)),
            height=360,
            showlegend=False,
        )
        fig.add_scatter(
            x=[r[name] for r in done],
            y=[r[score] for r in done],
            mode="lines+markers",
            marker=dict(size=10, color=ACCENT),
            line=dict(color=ACCENT, width=2),
            hovertemplate=f"{plot_text(x_label)} %{{x}}: {plot_text(label)} %{{y:.4f}}<extra></extra>",
        )
        if name in LOG_SETTINGS:
            fig.update_xaxes(type="log")
        ys = [float(r[score]) for r in done]
        if ys:
            lower = score in ("rmse", "mae")
            best = min(ys) if lower else max(ys)
            band = [best - noise, best + noise] if noise else [best, best]
            middle = (max(ys + band) + min(ys + band)) / 2
            span = max(max(ys + band) - min(ys + band), 0.05 if score == "ndcg" else 0.1) * 1.15
            fig.update_yaxes(range=[middle - span / 2, middle + span / 2])
            if noise:
                fig.add_hrect(
                    y0=band[0], y1=band[1], fillcolor=ACCENT, opacity=0.12, line_width=0,
                    annotation_text="as good as the best: within the noise", annotation_position="top left",
                    annotation_font_size=11,
                )  # fmt: skip
        return fig
    first, second = params[:2]
    x_label, y_label = SETTING_LABELS.get(first, first), SETTING_LABELS.get(second, second)
    xs = sorted({r[first] for r in results})
    ys = sorted({r[second] for r in results})
    grid = np.full((len(ys), len(xs)), np.nan)
    for r in results:
        if r.get(score) is not None:
            grid[ys.index(r[second]), xs.index(r[first])] = r[score]
    fig = _figure(
        title=dict(text=title),
        xaxis=dict(title=dict(text=x_label), type="category"),
        yaxis=dict(title=dict(text=y_label), type="category"),
        height=380,
    )
    lower_better = score in ("rmse", "mae")
    fig.add_heatmap(
        x=[str(x) for x in xs],
        y=[str(y) for y in ys],
        z=grid,
        colorscale="Viridis_r" if lower_better else "Viridis",
        text=[["" if np.isnan(v) else f"{v:.3f}" for v in row] for row in grid],
        texttemplate="%{text}",
        colorbar=dict(title=dict(text=plot_text(label))),
        hovertemplate=f"{plot_text(x_label)} %{{x}}, {plot_text(y_label)} %{{y}}: %{{z:.4f}}<extra></extra>",
    )
    return fig


SETTING_LABELS = {name: row.label for name, row in SETTINGS.items()}
"""Training settings as charts name them: their plain labels (from :data:`cf.settings.SETTINGS`)."""
SCORE_LABELS = {
    "rmse": "Typical error (stars)",
    "mae": "Average error (stars)",
    "ndcg": "Ranking quality (NDCG@10)",
    "hit_rate": "People whose list found a loved movie",
}
LOG_SETTINGS = tuple(name for name, row in SETTINGS.items() if row.log)
"""Settings whose sweep values are spread on a log scale."""
