"""Screenshots of the movie map on the demo data for the README: ``python scripts/map_screenshots.py``.

Opens a link that trains the default model on the demo data and shows the Embeddings screen as a
t-SNE map coloured by taste region (``docs/map-tsne-regions.png`` and the regions' table,
``docs/map-regions-table.png``), then switches to custom axes (``docs/map-custom-axes.png``) and
to UMAP (``docs/map-umap.png``). Needs Playwright (Python) and Debian's Chromium.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.e2e.driver import AppPage, AppServer, launch_browser, missing_browser_reason, run_async  # noqa: E402

LINK = "?tab=Embeddings&data=demo&train=1&epochs=12&map=tsne&colour=Taste+region&regions=1&size=Same+size"
WAIT_MS = 600_000


async def _map_titled(app: AppPage, words: str) -> None:
    """Wait until the map's title and axes show ``words`` (a layout computes in the background)."""
    chart = app.main().get_by_test_id("stPlotlyChart").first
    await chart.locator(".gtitle", has_text=words).first.wait_for(timeout=WAIT_MS)
    await app.settle()
    await app.page.mouse.move(2, 2)


async def _shoot(locator, path: Path) -> None:
    await locator.scroll_into_view_if_needed()
    await locator.screenshot(path=str(path))
    print(f"wrote {path.relative_to(REPO)}", flush=True)


async def capture(url: str, out: Path) -> None:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await launch_browser(playwright)
        try:
            app = await AppPage.open(browser, url + LINK, width=1280, height=1000)
            app.page.set_default_timeout(WAIT_MS)
            await _map_titled(app, "t-SNE")
            chart = app.main().get_by_test_id("stPlotlyChart").first
            await _shoot(chart, out / "map-tsne-regions.png")
            await _shoot(app.main().get_by_test_id("stDataFrame").first, out / "map-regions-table.png")
            await app.view("Custom axes")
            await _map_titled(app, "Custom")
            await _shoot(chart, out / "map-custom-axes.png")
            await app.view("UMAP")
            await _map_titled(app, "UMAP")
            await _shoot(chart, out / "map-umap.png")
        finally:
            await browser.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs")
    parser.add_argument("--url", help="use this running app instead of starting one")
    args = parser.parse_args(argv)
    reason = missing_browser_reason()
    if reason:
        print(f"cannot take screenshots: {reason}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    if args.url:
        run_async(lambda: capture(args.url, args.out), timeout=1500)
    else:
        with AppServer() as server:
            run_async(lambda: capture(server.url, args.out), timeout=1500)
    print(f"done in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
