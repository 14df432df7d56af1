"""Figures of the data overview: how people rate, and the long tail of ratings per movie or user."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from cf.plots.theme import MUTED, PALETTE, _figure


def rating_histogram(
    ratings: Iterable[float] | None = None,
    scale: tuple[float, float] | None = None,
    counts: pd.Series | Mapping[float, int] | None = None,
) -> go.Figure:
    """Bars of how many ratings each star value got.

    Give the ratings themselves, or ``counts`` (rating value -> number of ratings, e.g.
    ``frame["rating"].value_counts()``), which is cheaper for big data. Ratings with
    more than 40 distinct values (continuous scores) are binned.
    """
    if counts is None:
        values = np.asarray(list(ratings or []) if not hasattr(ratings, "__array__") else ratings, dtype=float)
        counts = pd.Series(values).value_counts()
    counts = pd.Series(counts, dtype=float).sort_index()
    fig = _figure(
        title=dict(text="How people rate"),
        xaxis=dict(title=dict(text="Rating")),
        yaxis=dict(title=dict(text="Number of ratings")),
        height=320,
        showlegend=False,
    )
    if len(counts) > 40:
        edges = np.linspace(counts.index.min(), counts.index.max(), 41)
        binned, _ = np.histogram(counts.index.to_numpy(dtype=float), bins=edges, weights=counts.to_numpy())
        counts = pd.Series(binned, index=(edges[:-1] + edges[1:]) / 2)
    total = max(float(counts.sum()), 1.0)
    x = counts.index.to_numpy(dtype=float)
    width = float(np.min(np.diff(x))) * 0.85 if len(x) > 1 else 0.8
    fig.add_bar(
        x=x,
        y=counts.to_numpy(),
        width=width,
        marker_color=PALETTE[0],
        customdata=counts.to_numpy() / total,
        hovertemplate="%{x:g} stars: %{y:,} ratings (%{customdata:.1%})<extra></extra>",
        name="ratings",
    )
    if len(x) <= 12:
        fig.update_xaxes(tickmode="array", tickvals=x, ticktext=[f"{v:g}" for v in x])
    if scale is not None:
        pad = max(width, 0.5)
        fig.update_xaxes(range=[scale[0] - pad, scale[1] + pad])
    return fig


def long_tail(counts: Iterable[int], noun: str = "movie", max_points: int = 2000) -> go.Figure:
    """Ratings per movie (or user), most rated first, on a log scale: the long tail.

    ``counts`` holds one number of ratings per movie (or user). Large inputs are thinned
    to about ``max_points`` ranks (the shape is kept), so the figure stays light.
    """
    ordered = np.sort(np.asarray(list(counts) if not hasattr(counts, "__array__") else counts, dtype=float))[::-1]
    n = len(ordered)
    fig = _figure(
        # the title at the very top, the summary under it (above the plot area, clear of the curve)
        title=dict(text=f"Ratings per {noun}", yref="container", y=1.0, yanchor="top", pad=dict(t=6)),
        xaxis=dict(title=dict(text=f"{noun.capitalize()}s, most rated first")),
        yaxis=dict(title=dict(text="Ratings"), type="log", dtick=1),
        margin=dict(l=8, r=8, t=76, b=8),
        height=340,
        showlegend=False,
    )
    if n == 0:
        return fig
    ranks = np.arange(1, n + 1)
    if n > max_points:
        keep = np.unique(np.geomspace(1, n, max_points).astype(int) - 1)
        ranks, shown = ranks[keep], ordered[keep]
    else:
        shown = ordered
    color = PALETTE[0] if noun == "movie" else PALETTE[4]
    fig.add_scatter(
        x=ranks,
        y=np.maximum(shown, 0.9),
        mode="lines",
        line=dict(color=color, width=2),
        fill="tozeroy",
        hovertemplate=f"{noun.capitalize()} #%{{x:,}}: %{{y:,}} ratings<extra></extra>",
    )
    top = max(1, int(round(n * 0.2)))
    share = ordered[:top].sum() / max(ordered.sum(), 1)
    median = float(np.median(ordered))
    fig.add_annotation(
        xref="paper",
        yref="paper",
        x=0,
        y=1.0,
        xanchor="left",
        yanchor="bottom",
        yshift=4,
        showarrow=False,
        align="left",
        font=dict(size=12, color=MUTED),
        text=f"Top 20% of {noun}s hold {share:.0%} of ratings<br>Median {noun}: {median:,.0f} ratings",
    )
    return fig
