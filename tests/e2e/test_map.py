"""The movie map's controls in a real browser: t-SNE, custom axes, colour by a number, search and neighbours."""

from __future__ import annotations

import pytest

from tests.e2e.driver import AppPage

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.mark.timeout(300)
def test_map_projection_axes_colour_and_neighbours(in_browser):
    async def scenario(browser, url):
        app = await AppPage.open(browser, url)
        await app.train(epochs=2)
        await app.tab("Embeddings")
        seen = {"pca": await app.movie_map("PCA")}
        await app.view("t-SNE")
        seen["tsne"] = await app.movie_map("t-SNE", timeout_ms=180_000)
        await app.view("Custom axes")
        seen["axes"] = await app.movie_map("Custom axes")
        box = app.main().get_by_role("combobox", name="Colour by")
        seen["colour"] = await app.choose(box, 1)
        seen["coloured"] = await app.movie_map("Custom axes")
        search = app.main().get_by_role("textbox", name="Find a movie")
        await search.fill("open dragon")
        await search.press("Enter")
        heading = app.main().get_by_role("heading", name="Movies most like Open Dragon (2017)")
        await heading.wait_for()
        seen["searched"] = await app.movie_map("Custom axes")
        grid = app.main().get_by_test_id("stDataFrame").last.locator("[aria-rowcount]").first
        seen["listed"] = int(await grid.get_attribute("aria-rowcount"))
        seen["problems"] = await app.problems()
        return seen

    seen = in_browser(scenario)
    assert seen["pca"]["axes"] == ["", ""]  # no "PC1 (51.4%)" on a slide: the subtitle says what nearness means
    tsne = seen["tsne"]
    assert tsne["axes"] == ["", ""] and "(t-SNE)" in tsne["title"]
    assert sum(t["n"] for t in tsne["traces"] if t["name"] not in ("Taste regions",)) >= 300
    assert seen["axes"]["axes"] == ["← Horror · Romance →", "← Children · Crime →"]
    assert seen["colour"] == "Release year"
    (movies,) = [t for t in seen["coloured"]["traces"] if t["name"] == "Movies"]
    assert movies["colorbar"] == "Release year" and movies["n"] >= 300
    rings = {t["name"]: t for t in seen["searched"]["traces"]}
    nearest = rings["Most like Open Dragon (2017)"]
    assert nearest["n"] == 10  # the Movies screen's ten most similar, ringed
    written = rings["Titles"]["text"]  # titles are written once, by the titles trace: the search result first
    assert written[0] == "Open Dragon" and not any(rings["Search results"]["text"] or [])
    assert seen["listed"] == 11  # the neighbours' table: a header row and ten movies
    assert not seen["problems"]
