"""AppTest scenarios of the one-click report and the charts' PNG/SVG menu (no browser)."""

from __future__ import annotations

from html.parser import HTMLParser

from cf import images
from cf.report import SECTIONS
from tests.test_app import new_app, train
from ui.screens import train as train_screen
from ui.session import state


class Sections(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "section":
            self.ids.append(dict(attrs)["id"])


def test_train_screen_offers_the_report_and_image_menus():
    at = new_app()
    record = train(at, epochs=2)
    labels = [d.label for d in at.get("download_button")]
    assert "Download report" in labels and "Download the model file" in labels
    menus = [p for p in at.get("popover") if p.proto.popover.label == "Save image"]
    assert len(menus) == 2  # the training curve and the accuracy chart
    if images.browser_problem() is None:
        assert [d.label for m in menus for d in m.get("download_button")] == ["PNG", "SVG"] * 2
    else:
        assert [c.value for m in menus for c in m.caption] == [images.browser_problem()] * 2
    data = at.session_state[state.DATA]
    page = Sections()
    page.feed(train_screen._report_html(record, data.ratings))
    assert page.ids == list(SECTIONS)
