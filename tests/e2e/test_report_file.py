"""The HTML report opened from disk in headless Chromium, offline: no console errors, every figure drawn."""

from __future__ import annotations

import pytest

import cf
from cf.report import ReportInputs, score_held_out, write_report
from tests.e2e import driver

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

DRAWN_JS = """
() => [...document.querySelectorAll("div[id^=fig-]")].map(div => ({
    id: div.id,
    drawn: !!div.querySelector(".main-svg") && div.getBoundingClientRect().height > 100,
    traces: (div.data || []).length,
}))
"""


def test_report_opens_offline_with_every_figure_drawn(tmp_path, demo_split_dir):
    reason = driver.missing_browser_reason()
    if reason:
        pytest.skip(reason)
    ratings = cf.load_ratings(demo_split_dir / "train.csv")
    ratings = ratings.subset(ratings.frame["user"].to_numpy() <= 100)
    train, valid, _ = cf.validation_split(ratings, 0.1, 42)
    result = cf.fit(train, cf.TrainConfig(epochs=2, n_factors=8), valid, cf.load_movies(demo_split_dir / "movies.csv"))
    inputs = ReportInputs(result.recommender, ratings, score_held_out(result.recommender), result.history)
    path = tmp_path / "report.html"
    write_report(path, inputs)

    async def scenario() -> tuple[list, list, list]:
        from playwright.async_api import async_playwright

        async with async_playwright() as playwright:
            browser = await driver.launch_browser(playwright)
            try:
                context = await browser.new_context(offline=True)
                page = await context.new_page()
                errors: list[str] = []
                requests: list[str] = []
                page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
                page.on("pageerror", lambda e: errors.append(str(e)))
                page.on("request", lambda r: requests.append(r.url) if not r.url.startswith("file:") else None)
                await page.goto(path.as_uri(), wait_until="load")
                await page.wait_for_function(f"() => ({DRAWN_JS})().every(f => f.drawn)", timeout=60_000)
                return await page.evaluate(DRAWN_JS), errors, requests
            finally:
                await browser.close()

    figures, errors, requests = driver.run_async(scenario, timeout=120)
    assert errors == []
    assert [r for r in requests if not r.startswith("data:")] == []
    assert {f["id"] for f in figures} == {
        "fig-ratings", "fig-tail", "fig-training", "fig-accuracy", "fig-topn", "fig-map"
    }  # fmt: skip
    assert all(f["drawn"] and f["traces"] >= 1 for f in figures), figures
