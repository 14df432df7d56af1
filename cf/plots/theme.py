"""The figures' shared style: palette, fonts, the ``"cf"`` plotly template and small helpers.

Every figure uses the ``"cf"`` template (:data:`TEMPLATE`): a colour palette that
reads on light and dark backgrounds, transparent backgrounds, light grid lines and
compact margins. Text colours and fonts are left to the host: Streamlit's chart theme
fills them in for its light or dark mode, and a notebook shows plotly's defaults.

Text that comes from the data (movie titles, genres) is HTML-escaped before plotly
sees it (:func:`plot_text`), because plotly renders a subset of HTML in labels and hover boxes.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio

PALETTE: tuple[str, ...] = (
    "#4E79A7", "#F28E2B", "#E15759", "#76B7B2", "#59A14F",
    "#EDC948", "#B07AA1", "#FF9DA7", "#9C755F", "#17BECF",
)  # fmt: skip
"""Categorical colours (Tableau 10 with cyan for grey): distinct and readable in light and dark mode."""
ACCENT = "#7C4DFF"
"""The product's accent (the theme's primary colour): the model, the selected user, highlights."""
MUTED = "#9A9A9A"
"""Neutral grey for baselines and the 'Other' group."""
GRID = "rgba(128, 128, 128, 0.22)"
WEBGL_THRESHOLD = 1000
"""2-D scatters with more points than this are drawn with WebGL (``scattergl``)."""
FONT = "Source Sans, Source Sans Pro, Segoe UI, Helvetica Neue, Arial, sans-serif"

TEMPLATE = go.layout.Template(
    layout=go.Layout(
        colorway=list(PALETTE),
        font=dict(family=FONT, size=13),
        title=dict(x=0, xanchor="left", font=dict(size=16)),
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        margin=dict(l=8, r=8, t=48, b=8),
        hovermode="closest",
        hoverlabel=dict(font=dict(size=13), align="left"),
        # below the plot area, so a legend never runs into the title on a narrow screen
        legend=dict(orientation="h", yref="container", yanchor="bottom", y=0, xanchor="left", x=0, title=dict(text="")),
        xaxis=dict(showgrid=False, zeroline=False, automargin=True, gridcolor=GRID, linecolor=GRID),
        yaxis=dict(showgrid=True, zeroline=False, automargin=True, gridcolor=GRID, linecolor=GRID),
        bargap=0.12,
        colorscale=dict(sequential="Viridis", diverging="RdBu"),
    ),
    data=dict(
        scatter=[go.Scatter(marker=dict(line=dict(width=0)))],
        scattergl=[go.Scattergl(marker=dict(line=dict(width=0)))],
        bar=[go.Bar(marker=dict(line=dict(width=0)))],
    ),
)
pio.templates["cf"] = TEMPLATE


def plot_text(value: object) -> str:
    """``value`` as text that plotly shows literally (no HTML tags interpreted)."""
    return html.escape(str(value), quote=False)


def _figure(**layout: Any) -> go.Figure:
    fig = go.Figure()
    fig.update_layout(template=TEMPLATE, **layout)
    return fig


def _field(entry: object, name: str) -> Any:
    if isinstance(entry, Mapping):
        return entry.get(name)
    return getattr(entry, name, None)
