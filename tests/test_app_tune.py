"""AppTest scenarios of the Tune screen: a sweep drawn as it finishes, Stop, and "Train with the best"."""

from __future__ import annotations

import json

from cf.settings import label
from tests.test_app import assert_healthy, go, new_app, wait_for_training
from ui.screens import tune
from ui.session import state


def run_sweep(at, values: dict[str, str], score: str | None = None):
    go(at, state.TAB_TUNE)
    at.multiselect(key=tune.PARAMS).set_value(list(values)).run()
    for name, text in values.items():
        at.text_input(key=tune.VALUES + name).set_value(text).run()
    if score:
        at.selectbox(key=tune.SCORE).set_value(score).run()
    at.button(key=tune.RUN).click().run()
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
    assert any("Best typical error" in s.value and f"{label('lr').lower()} 0.015" in s.value for s in at.success)
    assert any("differ by" in m.value and "noise of one score" in m.value for m in at.markdown)  # said in words
    low, high = chart["layout"]["yaxis"]["range"]
    assert high - low >= 0.1  # an honest scale: a tenth of a star at least
    assert any(c.value.startswith("Each point is one model, scored on the same ") for c in at.caption)
    at.button(key=tune.BEST).click().run()
    assert at.session_state[state.NAV] == state.TAB_TRAIN
    wait_for_training(at)
    record = at.session_state[state.MODEL]
    assert record.config.lr == 0.015 and not record.config.auto  # the setting swept, not Auto's pick


def test_a_sweep_on_top_of_an_auto_model_trains_each_value_as_given():
    """Auto's picks are the fixed settings, and Auto is off: it would otherwise move the swept value itself."""
    at = new_app()
    from tests.test_app import train

    auto = train(at, epochs=2, auto=True, n_factors=8)
    job = run_sweep(at, {"weight_decay": "0.01, 0.3"})
    assert not job.base.auto and job.base.epochs == auto.config.epochs and job.base.lr == auto.config.lr
    assert any("Model 1's settings, as Auto picked them" in c.value for c in at.caption)
    assert job.wait(180)
    rmse = [r.rmse for r in job.results]
    assert len(rmse) == 2 and abs(rmse[0] - rmse[1]) > 0.005  # the regularisation really changed


def test_two_settings_make_a_heat_map_and_bad_values_a_message():
    at = new_app()
    go(at, state.TAB_TUNE)
    at.multiselect(key=tune.PARAMS).set_value(["n_factors"]).run()
    at.text_input(key=tune.VALUES + "n_factors").set_value("8, 0").run()
    assert any("between 1 and 512" in e.value for e in at.error)
    assert at.button(key=tune.RUN).disabled
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
