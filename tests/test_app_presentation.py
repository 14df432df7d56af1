"""The first screen's greeting and presentation mode, in the app (AppTest).

The browser walks the same story with the keyboard in ``tests/e2e/test_story.py``.
"""

from __future__ import annotations

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from cf import plots
from cf.jobs import RUNNING
from tests import test_app as app
from tests.helpers import small_ratings
from ui.components import presentation, welcome
from ui.jobs.base import server_queue
from ui.session import state


def texts(at: AppTest) -> str:
    """Everything the page says in markdown, headings and captions, as one text."""
    parts = [m.value for m in at.markdown] + [h.value for h in at.subheader] + [c.value for c in at.caption]
    return "\n".join(parts)


def test_the_first_screen_says_what_to_do_and_starts_a_training_with_the_current_settings():
    at = app.new_app()
    said = texts(at)
    assert welcome.HEADING in said and "upload a ratings file" in said
    assert "This server is shared" not in said  # housekeeping only where it matters
    at.session_state[state.F_AUTO] = False  # the Train form's settings, as a person left them
    at.session_state[state.F_EPOCHS] = 1
    at.button(key="cf.welcome.train").click().run()
    assert at.session_state[state.NAV] == state.TAB_TRAIN
    app.wait_for_training(at)
    record = at.session_state[state.MODEL]
    assert record is not None and record.config.epochs == 1 and not record.config.auto
    app.go(at, state.TAB_DATA)
    assert welcome.HEADING not in texts(at)  # a model is trained: the greeting has done its job


def test_a_presentation_link_opens_its_step_offers_training_steps_and_leaves():
    at = AppTest.from_file(str(app.APP), default_timeout=120)
    at.query_params.update({"data": "demo", "present": "2"})
    at.run()
    app.assert_healthy(at)
    assert not at.tabs and at.session_state[presentation.PRESENT]
    assert presentation.STEPS[1].heading in texts(at)
    at.session_state[state.F_AUTO] = False
    at.session_state[state.F_EPOCHS] = 1
    at.button(key="cf.present.train").click().run()  # no model yet: the step offers to train one
    assert at.session_state[state.JOB] is not None
    app.wait_for_training(at)
    assert any(m.value.startswith("#### Model 1 · ") for m in at.markdown), "the training step shows no result"
    at.button(key="cf.present.next").click().run()
    assert presentation.STEPS[2].heading in texts(at) and at.query_params["present"] == "3"
    assert any(m.value.startswith("#### Top 10 picks for User ") for m in at.markdown)
    at.button(key="cf.present.back").click().run()
    assert at.session_state[presentation.STEP] == 1 and at.query_params["present"] == "2"
    at.toggle(key=presentation.PRESENT).set_value(False).run()
    app.assert_healthy(at)
    assert at.tabs and "present" not in at.query_params


def test_the_switch_opens_the_first_step_and_the_last_step_has_no_next():
    at = app.new_app()
    app.go(at, state.TAB_USER)
    at.toggle(key=presentation.PRESENT).set_value(True).run()
    assert at.session_state[presentation.STEP] == 0 and presentation.STEPS[0].heading in texts(at)
    for _ in presentation.STEPS[1:]:
        at.button(key="cf.present.next").click().run()
        app.assert_healthy(at)
    assert at.button(key="cf.present.next").disabled and at.query_params["present"] == str(len(presentation.STEPS))
    assert any("A trained model is needed" in i.value for i in at.info)  # the map needs a model: it says so
    at.toggle(key=presentation.PRESENT).set_value(False).run()
    assert at.session_state[state.NAV] == state.TAB_USER  # back on the screen it was started from


def test_the_servers_sharing_is_told_on_the_first_screen_while_runs_wait_in_its_queue():
    queue = server_queue()
    tickets = [queue.enter(f"another-session-{i}") for i in range(queue.slots + 1)]  # all slots busy, one waits
    try:
        assert queue.counts()[1] == 1
        at = app.new_app()
        assert "This server is shared" in texts(at)
    finally:
        for ticket in tickets:
            ticket.release() if ticket.state == RUNNING else ticket.cancel()
    assert "This server is shared" not in texts(app.new_app())


def test_charts_in_presentation_mode_have_larger_text_and_the_screens_figure_is_left_alone():
    per_movie = np.sort(small_ratings().frame["item"].value_counts().to_numpy())[::-1]
    figure = plots.long_tail(per_movie, "movie")
    before = figure.to_plotly_json()
    big = presentation.enlarged(figure)
    assert figure.to_plotly_json() == before
    assert big.layout.font.size == pytest.approx((figure.layout.font.size or 13) * presentation.FONT_SCALE)
    sizes = [(a.font.size, b.font.size) for a, b in zip(figure.layout.annotations, big.layout.annotations)]
    assert sizes and all(new == pytest.approx(old * presentation.FONT_SCALE) for old, new in sizes if old)
    assert big.layout.xaxis.tickfont.size > 12 and big.layout.yaxis.title.font.size > 13
