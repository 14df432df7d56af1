"""Plotly figures for the app (no Streamlit here), one module per figure family.

:mod:`cf.plots.theme` holds the shared style (palette, template, :func:`plot_text`);
:mod:`~cf.plots.data` the data overview, :mod:`~cf.plots.training` one run and a sweep,
:mod:`~cf.plots.compare` several runs side by side, :mod:`~cf.plots.maps` the maps.
The figures are re-exported here, so ``from cf import plots; plots.training_curve(...)`` works.
"""

from cf.data.genres import NO_GENRE, OTHER
from cf.plots.compare import compare_curves, compare_scores, crossval_intervals, run_color
from cf.plots.data import long_tail, rating_histogram
from cf.plots.maps import MARK_SYMBOLS, RATING_COLORS, bias_scatter, clip_to, embedding_scatter, user_scatter, view_box
from cf.plots.theme import ACCENT, FONT, GRID, MUTED, PALETTE, TEMPLATE, WEBGL_THRESHOLD, plot_text
from cf.plots.training import (
    LOG_SETTINGS,
    SCORE_LABELS,
    SETTING_LABELS,
    accuracy_comparison,
    sweep_chart,
    topn_comparison,
    training_curve,
)

__all__ = [
    "ACCENT",
    "FONT",
    "GRID",
    "LOG_SETTINGS",
    "MARK_SYMBOLS",
    "MUTED",
    "NO_GENRE",
    "OTHER",
    "PALETTE",
    "RATING_COLORS",
    "SCORE_LABELS",
    "SETTING_LABELS",
    "TEMPLATE",
    "WEBGL_THRESHOLD",
    "accuracy_comparison",
    "bias_scatter",
    "clip_to",
    "compare_curves",
    "compare_scores",
    "crossval_intervals",
    "embedding_scatter",
    "long_tail",
    "plot_text",
    "rating_histogram",
    "run_color",
    "sweep_chart",
    "topn_comparison",
    "training_curve",
    "user_scatter",
    "view_box",
]
