"""Words on a map: the best-known titles and the region names, placed so that none covers another
(the placement itself is :mod:`cf.maps.labels`)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from cf.maps.labels import Canvas, place_labels, short_title, spread_labels
from cf.plots.theme import plot_text

LABEL_WIDTH_PX = 440.0
"""The plot area's width that map labels are sized for: a 900 px window's (wider ones only add room)."""
REGION_FONT = 13


def _canvas(box: np.ndarray, height: int, font_px: float):
    size = (LABEL_WIDTH_PX, max(height - 260.0, 200.0))  # less the title and a legend of four rows
    return Canvas(tuple(map(float, box[0])), tuple(map(float, box[1])), *size, font_px=font_px)


def spread_regions(regions: pd.DataFrame, box: np.ndarray, height: int) -> tuple[pd.DataFrame, list]:
    """Region names moved apart so none covers another (in bold, a little wider per letter)."""
    texts = [f"{name}__" for name in regions["name"]]  # bold: about two letters wider
    canvas = _canvas(box, height, REGION_FONT)
    x, y, boxes = spread_labels(regions["x"].to_numpy(float), regions["y"].to_numpy(float), texts, canvas)
    return regions.assign(x=x, y=y), boxes


def title_trace(
    points: pd.DataFrame,
    box: np.ndarray,
    height: int,
    n: int,
    first: Sequence[object] = (),
    reserved: list | None = None,
) -> go.Scatter:
    """Short titles of the movies ``first`` (``movieId`` values, in order) and then of the best-known ones
    (most ratings first), each where it overlaps no other title and stays inside the axes."""
    canvas = _canvas(box, height, 11.0)
    texts = [short_title(t) for t in points["title"]]
    priority = points["n_ratings"].to_numpy(dtype=float) if "n_ratings" in points else np.zeros(len(points))
    rank = {movie: k for k, movie in enumerate(first)}
    lead = np.array([rank.get(movie, -1) for movie in points["movieId"]])
    if (lead >= 0).any():  # the marked ones in their own order, before every other
        priority = np.where(lead >= 0, 1e12 - lead, priority)
    x, y = points["x"].to_numpy(float), points["y"].to_numpy(float)
    chosen = place_labels(x, y, texts, priority, canvas, n, reserved=reserved)
    rows = [row for row, _ in chosen]
    return go.Scatter(
        x=points["x"].to_numpy(float)[rows],
        y=points["y"].to_numpy(float)[rows],
        mode="text",
        name="Titles",
        text=[plot_text(texts[row]) for row in rows],
        textposition=[where for _, where in chosen],
        textfont=dict(size=11),
        hoverinfo="skip",
        showlegend=False,
    )
