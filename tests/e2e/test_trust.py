"""Scores with error bars and the tuning sweep, in a real browser (``streamlit run app.py``).

Each step waits for what the app shows when it is done (the finished message, the drawn
chart, the new model's heading), never for a fixed time.
"""

from __future__ import annotations

import re

import pytest

from tests.e2e.driver import TRAIN_TIMEOUT_MS, AppPage, key_css

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

READ_FIGURE = """plot => ({
    title: plot.layout.title.text,
    traces: plot._fullData.map(t => ({name: t.name, x: Array.from(t.x), y: Array.from(t.y),
                                      errors: t.error_x && t.error_x.array ? Array.from(t.error_x.array) : null})),
})"""
"""The drawn plotly figure's title and traces (read from the page: the points are on a canvas or in SVG)."""


async def drawn_figure(app: AppPage, key: str) -> dict:
    """Wait until the chart with widget key ``key`` is drawn; return its title and traces."""
    chart = app.main().locator(key_css(key))
    await chart.locator(".main-svg").first.wait_for()
    await app.settle()
    return await chart.locator(".js-plotly-plot").first.evaluate(READ_FIGURE)


async def type_into(app: AppPage, box, text: str) -> None:
    """Replace a text or number box's value and commit it with Enter, as a person does."""
    await box.fill(text)
    await box.press("Enter")
    await app.idle()


@pytest.mark.timeout(300)
def test_cross_validate_the_demo_model_and_see_its_interval_on_compare(in_browser):
    async def scenario(browser, url):
        app = await AppPage.open(browser, url)
        title = await app.train(epochs=2, factors=8)
        await app.tab("Compare")
        await type_into(app, app.main().get_by_role("spinbutton", name="Folds"), "2")
        await app.click(app.main().get_by_role("button", name="Cross-validate", exact=True))
        done = app.main().get_by_text(re.compile(r"^Cross-validated Model 1"))
        await done.wait_for(timeout=TRAIN_TIMEOUT_MS)
        message = await done.inner_text()
        figure = await drawn_figure(app, "cf.cv_rmse")
        return title, message, figure, await app.errors(), await app.problems()

    title, message, figure, errors, problems = in_browser(scenario)
    assert title.startswith("Model 1 · ") and "2 folds" in message, message
    assert "Typical error (stars)" in figure["title"], figure["title"]
    model = figure["traces"][0]
    assert model["y"] == ["Model 1"] and 0.3 < model["x"][0] < 1.5, model
    assert model["errors"][0] > 0  # a real interval from the 2 folds, drawn as an error bar
    baseline = figure["traces"][1]
    assert baseline["errors"][0] > 0 and baseline["x"][0] != model["x"][0]
    assert not errors and not problems


@pytest.mark.timeout(300)
def test_a_small_sweep_draws_each_result_and_trains_with_the_best(in_browser):
    async def scenario(browser, url):
        app = await AppPage.open(browser, url)
        await app.train(epochs=2, factors=8)
        await app.tab("Tune")
        values = app.main().locator(key_css("cf.t_values.weight_decay")).locator("input")
        await type_into(app, values, "0.05, 0.5")
        await app.main().get_by_text("2 models to train.", exact=True).wait_for()
        await app.click(app.main().get_by_role("button", name="Run sweep", exact=True))
        ended = app.main().get_by_text(re.compile(r"^Sweep done: 2 of 2 models"))
        await ended.wait_for(timeout=TRAIN_TIMEOUT_MS)
        figure = await drawn_figure(app, "cf.sweep_chart")
        best = await app.main().get_by_text(re.compile(r"^Best typical error")).inner_text()
        await app.click(app.main().get_by_role("button", name="Train with the best", exact=True))
        title = await app.wait_model(2)
        return figure, best, title, await app.errors(), await app.problems()

    figure, best, title, errors, problems = in_browser(scenario)
    (line,) = figure["traces"]
    assert line["x"] == [0.05, 0.5] and all(0.3 < y < 2.0 for y in line["y"]), line
    winner = line["x"][line["y"].index(min(line["y"]))]
    assert re.search(rf"with regularisation[^0-9]*{winner:g}\.$", best), (best, winner)
    assert re.match(r"^Model 2 · .* · 8 factors · 2 of 2 epochs", title), title  # the sweep's base, all data
    assert not errors and not problems
