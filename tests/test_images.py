"""PNG and SVG export through kaleido and the machine's Chromium, and the message when there is none."""

from __future__ import annotations

import pytest

from cf import images, plots
from tests.helpers import rating_scores


@pytest.fixture
def figure():
    return plots.accuracy_comparison(rating_scores(rmse=0.85, bias_rmse=0.87, global_mean_rmse=1.04))


@pytest.mark.slow
def test_png_and_svg_of_a_chart(figure):
    if images.browser_problem():
        pytest.skip(images.browser_problem())
    png = images.figure_image(figure, "png", width=600)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width = int.from_bytes(png[16:20], "big")
    assert width == 1200  # twice the pixels
    svg = images.figure_image(figure, "svg", width=600).decode("utf-8")
    assert svg.lstrip().startswith("<svg") and "This model" in svg


def test_no_browser_is_a_clear_message(figure, monkeypatch):
    monkeypatch.setenv("BROWSER_PATH", "/nonexistent/chromium")
    assert images.browser_problem() == images.NO_BROWSER
    with pytest.raises(images.ExportUnavailable, match="Chrome or Chromium"):
        images.figure_image(figure, "svg")


def test_unknown_format_is_refused(figure):
    with pytest.raises(ValueError, match="png, svg"):
        images.figure_image(figure, "gif")
