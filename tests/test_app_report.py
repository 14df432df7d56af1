"""AppTest scenarios of the one-click report and the charts' PNG/SVG menu (no browser)."""

from __future__ import annotations

from html.parser import HTMLParser

from cf import images, sections
from cf.report import SECTIONS
from tests.test_app import new_app, table, train, upload_model
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


class Tables(HTMLParser):
    """The rows of each section's tables, and each section's text, from a report."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, list[list[str]]] = {}
        self.text: dict[str, str] = {}
        self.section = ""
        self.cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "section":
            self.section = dict(attrs)["id"]
        if tag == "tr":
            self.rows.setdefault(self.section, []).append([])
        if tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None:
            self.rows[self.section][-1].append("".join(self.cell))
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)
        self.text[self.section] = self.text.get(self.section, "") + data


def test_the_train_screen_and_the_report_show_the_same_sections():
    """One model: the same headline figure, verdict, list sentence and settings rows on the screen and in the report."""
    at = new_app()
    record = train(at, epochs=2)
    data = at.session_state[state.DATA]
    page = Tables()
    page.feed(train_screen._report_html(record, data.ratings))
    accuracy = sections.accuracy(record.scores)
    lists = sections.topn(record.scores)
    # the headline figure and what it was measured on
    (headline,) = [m for m in at.metric if m.label == "Typical error"]
    assert headline.value == accuracy.headline.value == f"±{record.scores.rmse:.2f} stars"
    assert [accuracy.headline.label, headline.value] in page.rows["accuracy"]
    assert accuracy.measured_on in [c.value for c in at.caption]
    # the verdict: in full on the screen, in the report after the sentence that already gives the error
    assert accuracy.verdict.text in [s.value for s in at.main.success]
    assert accuracy.verdict_after_lede in page.text["accuracy"] and accuracy.lede in page.text["accuracy"]
    # the top-N sentence and what it was measured on
    assert lists.sentence in [m.value for m in at.main.markdown] and lists.sentence in page.text["topn"]
    assert lists.measured_on in [c.value for c in at.caption] and lists.measured_on in page.text["topn"]
    # the details rows
    (details,) = [t.value for t in at.table if "What it is" in t.value.columns]
    shown = details.values.tolist()
    assert shown == [list(r) for r in accuracy.details + lists.details]
    assert [list(r) for r in accuracy.details] == page.rows["accuracy"][-len(accuracy.details) :]
    # the settings rows: the same labels and values, the report adding the training time
    screen = table(at, "Setting").values.tolist()
    report = page.rows["settings"][1:]  # after the header row
    assert report[:-1] == screen and report[-1][0] == "training time"
    assert ["Training passes", "2 of 2"] in screen and ["Processor", record.device.upper()] in screen
    assert any(label == "Ratings per step" and value.startswith("Auto (") for label, value in screen)


def test_a_model_loaded_from_a_file_shows_the_same_settings_on_the_screen_and_in_the_report():
    """A model file does not say where it ran: no Processor row on the screen nor in its report."""
    at = new_app()
    trained = train(at, epochs=1, n_factors=8)
    upload_model(at, "saved.cfmodel", train_screen._model_bytes(trained))
    record = at.session_state[state.MODEL]
    assert record.source == "saved.cfmodel"
    page = Tables()
    page.feed(train_screen._report_html(record, None))
    screen = table(at, "Setting").values.tolist()
    assert page.rows["settings"][1:] == screen  # no training time either: the file does not say
    assert "Processor" not in dict(screen) and dict(screen)["Taste dimensions"] == "8"
