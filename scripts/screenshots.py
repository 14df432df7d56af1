"""Regenerate the screenshots of the app in ``docs/``: ``python scripts/screenshots.py``.

Starts ``streamlit run app.py`` on a free localhost port (or uses ``--url``) and drives headless
Chromium through real data: MovieLens latest-small (``ratings.csv`` and ``movies.csv`` uploaded
from the shared data folder, ``CF_DATA_DIR``), or the demo with ``--demo`` or when latest-small is
not found. It takes the Data screen, a run of the neural model (live), a run of the default model
(finished), the User, Rate, Movies and Embeddings screens, the Compare screen with the two models,
and a sweep on the Tune screen. Each screen is captured at 1280x800 (``screen-<name>.png``) and at
a narrow laptop width (``screen-<name>-narrow.png``, 900x800 by default). Then presentation mode's
five steps at a projector's 1280x720 (``present-<step>.png``) and 1920x1080
(``present-<step>-1080.png``).

``--full DIR`` also saves each screen at its whole height (for reviewing the layout below the
fold; not for the README). Needs Playwright (Python) and Debian's Chromium.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from playwright.async_api import expect  # noqa: E402

from tests.e2e.driver import (  # noqa: E402
    KEY_UP_MOVIES,
    KEY_UP_RATINGS,
    AppPage,
    AppServer,
    launch_browser,
    missing_browser_reason,
    run_async,
)

WIDE = (1280, 800)
PROJECTORS = {"": (1280, 720), "-1080": (1920, 1080)}
"""Presentation mode's screenshots: file suffix and window size."""
STEPS = ("data", "training", "person", "rate", "map")
"""Presentation mode's steps, as ``ui/components/presentation.py`` marks them when drawn."""
NARROW_HEIGHT = 800
EPOCHS = 12
RATINGS = [5.0, 4.5, 2.0, 4.0, 1.0]
"""The stars given on the Rate screen to the movies listed 1st, 3rd, 5th, … (most rated first)."""


async def _tidy(app: AppPage, scroll_to_tabs: bool) -> None:
    """Settle the page, wait out toasts, park the mouse, and scroll to the screen's content."""
    page = app.page
    await app.settle()
    toasts = page.get_by_test_id("stToast")
    for k in range(await toasts.count()):
        await toasts.nth(k).wait_for(state="hidden", timeout=30_000)
    size = page.viewport_size or {"width": WIDE[0], "height": WIDE[1]}
    await page.mouse.move(size["width"] - 2, size["height"] - 2)
    await _scroll(page, to_tabs=scroll_to_tabs)
    await app.idle()


SCROLL_JS = """
([toTabs, gap]) => {
    const tabs = document.querySelector("[role=tablist]");  // none in presentation mode
    let box = (tabs || document.querySelector("[data-testid=stMainBlockContainer]")).parentElement;
    while (box && !(box.scrollHeight > box.clientHeight && getComputedStyle(box).overflowY !== "visible")) {
        box = box.parentElement;
    }
    box = box || document.scrollingElement;
    if (!toTabs || !tabs) { box.scrollTop = 0; return; }
    const header = document.querySelector("[data-testid='stHeader']");
    const top = header ? header.getBoundingClientRect().bottom : 0;
    box.scrollTop += tabs.getBoundingClientRect().top - top - gap;
}
"""


async def _scroll(page: Any, to_tabs: bool) -> None:
    """Scroll to the top, or so that the screen's tabs sit just below Streamlit's fixed header."""
    await page.evaluate(SCROLL_JS, [to_tabs, 8])


async def _shoot(app: AppPage, path: Path, full_dir: Path | None, scroll_to_tabs: bool = True) -> None:
    await _tidy(app, scroll_to_tabs)
    await app.page.screenshot(path=str(path))
    _wrote(path)
    if full_dir is not None:
        await _shoot_full(app, full_dir / path.name)


def _wrote(path: Path) -> None:
    print(f"wrote {path.relative_to(REPO) if path.is_relative_to(REPO) else path}", flush=True)


async def _shoot_full(app: AppPage, path: Path) -> None:
    """The whole screen: make the window as tall as the page's content, capture, and restore it."""
    page = app.page
    size = page.viewport_size
    height = await page.get_by_test_id("stMain").evaluate("e => e.scrollHeight")
    await page.set_viewport_size({"width": size["width"], "height": min(int(height) + 40, 8000)})
    await app.settle()
    await _scroll(page, to_tabs=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(path))
    await page.set_viewport_size(size)
    await app.settle()


async def rate_movies(app: AppPage, stars: list[float]) -> None:
    """On the Rate screen, rate a few of the listed movies (every third one), as a visitor would."""
    await app.tab("Rate")
    main = app.main()
    await main.get_by_role("heading", name="Rate movies you know").wait_for()
    for k, value in enumerate(stars):
        await app.choose(main.get_by_role("combobox", name=re.compile(r"^Movie")), 2 * k)
        await app.set_slider("Your rating", value)
        await main.get_by_role("button", name="Add rating", exact=True).click()
        await main.get_by_text(re.compile(rf"^Your ratings \({k + 1} of ")).wait_for()
        await app.idle()
    await main.get_by_role("heading", name="Your top picks").wait_for()


async def sweep(app: AppPage) -> None:
    """Run the Tune screen's default sweep (the regularisation, four values) and wait for its result."""
    await app.tab("Tune")
    await app.click(app.main().get_by_role("button", name="Run sweep"))
    await app.main().get_by_text(re.compile(r"^Sweep done")).wait_for(timeout=240_000)
    await app.settle()


async def report_shot(browser: Any, html: Path, out: Path) -> None:
    """The top of a report file written by ``python -m cf report`` (``docs/report.png``)."""
    page = await browser.new_page(viewport={"width": 1100, "height": 1400})
    await page.goto(html.as_uri(), wait_until="load")
    await page.wait_for_function(
        "() => [...document.querySelectorAll('div[id^=fig-]')].every(d => d.querySelector('.main-svg'))"
    )
    await page.screenshot(path=str(out))
    _wrote(out)
    await page.close()


def movielens_files() -> tuple[Path, Path] | None:
    """MovieLens latest-small's ``ratings.csv`` and ``movies.csv`` from the shared data folder, or None."""
    from benchmarks.paths import shared_data_dir

    folder = shared_data_dir() / "ml-latest-small"
    files = (folder / "ratings.csv", folder / "movies.csv")
    return files if all(f.exists() for f in files) else None


async def upload(app: AppPage, files: tuple[Path, Path]) -> None:
    """Use the files as a visitor does: *My files* in the sidebar, then the two uploaders."""
    await app.use_source("My files")
    await app.upload(KEY_UP_RATINGS, str(files[0]))
    await app.upload(KEY_UP_MOVIES, str(files[1]))
    await app.wait_in_use(f"{files[0].name} + {files[1].name}")


async def present(app: AppPage, out: Path) -> None:
    """Presentation mode's steps at each projector size, stepped with the keyboard; then leave it (Esc)."""
    page = app.page
    await app.tab("Data")
    await page.locator(".st-key-cf-present label").click()
    for suffix, (width, height) in PROJECTORS.items():
        await page.set_viewport_size({"width": width, "height": height})
        for k, step in enumerate(STEPS):
            if k:
                await page.keyboard.press("PageDown")
            await page.locator(f".st-key-drawn-present-{step}").wait_for(state="attached")
            await _tidy(app, scroll_to_tabs=False)
            path = out / f"present-{step}{suffix}.png"
            await page.screenshot(path=str(path))
            _wrote(path)
        for step in reversed(STEPS[:-1]):
            await page.keyboard.press("PageUp")
            await page.locator(f".st-key-drawn-present-{step}").wait_for(state="attached")
    await page.keyboard.press("Escape")
    await page.get_by_role("tab", name="Data", exact=True).wait_for()


async def capture(
    browser: Any,
    url: str,
    out: Path,
    width: int,
    height: int,
    suffix: str,
    full: Path | None,
    files: tuple[Path, Path] | None,
    presenting: bool = False,
) -> None:
    app = await AppPage.open(browser, url, width=width, height=height)
    try:
        name = lambda screen: out / f"screen-{screen}{suffix}.png"  # noqa: E731
        if files is not None:
            await upload(app, files)
        await _shoot(app, name("data"), full, scroll_to_tabs=False)
        # The live view: the neural model's epochs take long enough to watch (the default model
        # trains the demo data in well under a second). It is kept to compare with later.
        await app.train(epochs=EPOCHS, kind="Neural network", wait=False)
        await app.wait_epochs_done(3)
        await app.page.mouse.move(width - 2, height - 2)
        await _scroll(app.page, to_tabs=True)
        await app.page.screenshot(path=str(name("train-live")))
        _wrote(name("train-live"))
        await app.wait_model()
        keep = app.main().get_by_test_id("stCheckbox").filter(has_text="Keep for comparison").first
        await app.click(keep)
        await expect(keep.get_by_role("checkbox")).to_be_checked()
        await app.idle()
        # The default model, with more epochs than the default for a longer curve.
        await app.train(epochs=EPOCHS, kind="Dot product with biases")
        await _shoot(app, name("train"), full)
        await app.user_screen()
        await _shoot(app, name("user"), full)
        await rate_movies(app, RATINGS)
        await _shoot(app, name("rate"), full)
        await app.tab("Movies")
        await app.main().get_by_role("heading", name=re.compile(r"^Movies most like ")).wait_for()
        await _shoot(app, name("movies"), full)
        points = await app.embedding_points()
        if not sum(points.values()):
            raise RuntimeError("the embedding map drew no points")
        await _shoot(app, name("embeddings"), full)
        await app.tab("Compare")
        await app.main().get_by_role("heading", name="Top picks side by side").wait_for()
        await _shoot(app, name("compare"), full)
        await sweep(app)
        await _shoot(app, name("tune"), full)
        if presenting:
            await present(app, out)
    finally:
        await app.close()


async def story(browser: Any, url: str, out: Path, files: tuple[Path, Path] | None) -> None:
    """Only presentation mode: the data, a model of the default kind, a person's list, a few ratings, the story."""
    app = await AppPage.open(browser, url, *WIDE)
    try:
        if files is not None:
            await upload(app, files)
        await app.train(epochs=EPOCHS)
        await app.user_screen()
        await rate_movies(app, RATINGS)
        await present(app, out)
    finally:
        await app.close()


async def present_only(url: str, out: Path, files: tuple[Path, Path] | None) -> None:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await launch_browser(playwright)
        try:
            await story(browser, url, out, files)
        finally:
            await browser.close()


async def main_async(url: str, out: Path, narrow: int, full: Path | None, files: tuple[Path, Path] | None) -> None:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await launch_browser(playwright)
        try:
            await capture(browser, url, out, *WIDE, "", full, files, presenting=True)
            await capture(browser, url, out, narrow, NARROW_HEIGHT, "-narrow", full, files)
        finally:
            await browser.close()


async def _report_only(html: Path, out: Path) -> None:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await launch_browser(playwright)
        try:
            await report_shot(browser, html, out)
        finally:
            await browser.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs", help="folder for the PNGs (default docs/)")
    parser.add_argument("--url", help="use this running app instead of starting one")
    parser.add_argument("--narrow", type=int, default=900, help="width of the narrow screenshots (default 900)")
    parser.add_argument("--full", type=Path, help="also save whole-height screenshots in this folder")
    parser.add_argument("--demo", action="store_true", help="the demo dataset instead of MovieLens latest-small")
    parser.add_argument("--present-only", action="store_true", help="only presentation mode's screenshots")
    parser.add_argument(
        "--report", type=Path, help="instead: capture the top of this HTML report (cf report) as OUT/report.png"
    )
    args = parser.parse_args(argv)
    reason = missing_browser_reason()
    if reason:
        print(f"cannot take screenshots: {reason}", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    if args.report:
        run_async(lambda: _report_only(args.report, args.out / "report.png"), timeout=300)
        print(f"done in {time.perf_counter() - started:.0f} s")
        return 0
    files = None if args.demo else movielens_files()
    if files is None and not args.demo:
        print("MovieLens latest-small not found (set CF_DATA_DIR): taking the demo instead", file=sys.stderr)
    if args.present_only:
        shoot = lambda url: present_only(url, args.out, files)  # noqa: E731
    else:
        shoot = lambda url: main_async(url, args.out, args.narrow, args.full, files)  # noqa: E731
    if args.url:
        run_async(lambda: shoot(args.url), timeout=1800)
    else:
        with AppServer() as server:
            run_async(lambda: shoot(server.url), timeout=1800)
    print(f"done in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
