"""AppTest scenarios of the Tune screen: a sweep drawn as it finishes, Stop, and "Train with the best"."""

from __future__ import annotations

import json

from cf.settings import label
from tests.test_app import assert_healthy, go, new_app, wait_for_training
from ui.session import state


def run_sweep(at, values: dict[str, str], score: str | None = None):
    go(at, state.TAB_TUNE)
    at.multiselect(key=state.T_PARAMS).set_value(list(values)).run()
    for name, text in values.items():
        at.text_input(key=state.T_VALUES + name).set_value(text).run()
    if score:
        at.selectbox(key=state.T_SCORE).set_value(score).run()
    at.button(key=state.T_RUN).click().run()
    assert_healthy(at)
    job = at.session_state[state.SWEEP]
    assert job is not None, [e.value for e in at.error]
    return job


def test_sweep_draws_every_result_and_trains_with_the_best():
    at = new_app()
    job = run_sweep(at, {"lr": "0.00001, 0.015"})
    assert job.wait(180), "the sweep did not finish in time"
    at.run()
    assert_healthy(at)
    assert job.error is None and len(job.results) == 2
    (chart,) = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    assert sorted(chart["data"][0]["x"]) == [0.00001, 0.015]
    assert any("Best RMSE" in s.value and f"{label('lr').lower()} 0.015" in s.value for s in at.success)
    at.button(key=state.T_BEST).click().run()
    assert at.session_state[state.NAV] == state.TAB_TRAIN
    wait_for_training(at)
    record = at.session_state[state.MODEL]
    assert record.config.lr == 0.015


def test_two_settings_make_a_heat_map_and_bad_values_a_message():
    at = new_app()
    go(at, state.TAB_TUNE)
    at.multiselect(key=state.T_PARAMS).set_value(["n_factors"]).run()
    at.text_input(key=state.T_VALUES + "n_factors").set_value("8, 0").run()
    assert any("between 1 and 512" in e.value for e in at.error)
    assert at.button(key=state.T_RUN).disabled
    job = run_sweep(at, {"n_factors": "4, 8", "epochs": "1"})
    assert job.n_points == 2
    assert job.wait(180)
    at.run()
    (chart,) = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    assert chart["data"][0]["type"] == "heatmap"
    assert len(job.results) == 2


def test_stop_keeps_the_results_so_far():
    at = new_app()
    job = run_sweep(at, {"n_factors": "2, 4, 8, 16, 32, 64"})
    job.stop()  # as the Stop button does; the point in training is dropped
    assert job.wait(120)
    at.run()
    assert_healthy(at)
    assert len(job.results) < 6
    assert any("Sweep stopped" in m.value for m in at.markdown)
