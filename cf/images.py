"""Save a plotly figure as PNG or SVG with kaleido, which drives the machine's Chrome or Chromium.

kaleido (1.x) draws the figure in a headless Chrome it finds itself: the ``BROWSER_PATH``
variable when set, else a Chrome-like program on ``PATH`` or in the usual places (Debian's
``/usr/bin/chromium`` among them). :func:`browser_problem` says in words why export cannot
work here, before anyone waits for it.
"""

from __future__ import annotations

import os
from functools import lru_cache

import plotly.graph_objects as go

FORMATS = {"png": "image/png", "svg": "image/svg+xml"}
"""Export formats and their MIME types."""
NO_BROWSER = (
    "Saving charts as PNG or SVG needs Chrome or Chromium on the machine running the app, and none was found. "
    "Install it (e.g. apt-get install chromium) or set BROWSER_PATH to its program. "
    "Meanwhile the camera button on each chart saves a PNG from your own browser."
)


class ExportUnavailable(RuntimeError):
    """Static image export cannot run here; the message says why and what to do."""


def find_browser() -> str | None:
    """The Chrome or Chromium kaleido will use, or None when there is none."""
    override = os.environ.get("BROWSER_PATH")
    if override:
        return override if os.path.isfile(override) and os.access(override, os.X_OK) else None
    try:
        from choreographer.browsers.chromium import Chromium
    except ImportError:
        return None
    return Chromium.find_browser(skip_local=False)


@lru_cache(maxsize=1)
def _cached_problem(path_variable: str, browser_variable: str) -> str | None:
    try:
        import kaleido  # noqa: F401
    except ImportError:
        return "Saving charts as PNG or SVG needs the kaleido package: pip install -r requirements.txt."
    return None if find_browser() else NO_BROWSER


def browser_problem() -> str | None:
    """Why PNG/SVG export cannot work here (no kaleido, no browser), or None when it can."""
    return _cached_problem(os.environ.get("PATH", ""), os.environ.get("BROWSER_PATH", ""))


def figure_image(figure: go.Figure, fmt: str = "png", width: int = 1000, height: int | None = None) -> bytes:
    """The figure as PNG (twice the pixels, for slides) or SVG bytes, on a white background.

    Raises
    ------
    ExportUnavailable
        When kaleido or a browser is missing, or the browser fails; the message says what to do.
    """
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    problem = browser_problem()
    if problem:
        raise ExportUnavailable(problem)
    figure = go.Figure(figure)
    figure.update_layout(paper_bgcolor="white", plot_bgcolor="white")
    height = height or figure.layout.height or 450
    try:
        return figure.to_image(format=fmt, width=width, height=height, scale=2 if fmt == "png" else 1)
    except Exception as error:  # noqa: BLE001 - kaleido's and the browser's failures all mean "not here"
        raise ExportUnavailable(
            f"The chart could not be drawn as {fmt.upper()} by the browser at {find_browser()} "
            f"({type(error).__name__}: {error}). The camera button on the chart still saves a PNG."
        ) from None
