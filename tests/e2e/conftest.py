"""Fixtures of the browser tests: one ``streamlit run app.py`` per test session, and a way to
run a scenario in a fresh headless Chromium against it.

The tests are skipped, with the reason, when Playwright or Chromium is missing.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e import driver

ARTIFACTS = driver.REPO / "out" / "e2e"
"""Screenshots of the pages of a failed scenario (``out/`` is ignored by git)."""


HOLD_FILE_ENV = "CF_TEST_HOLD_FILE"
"""The app's test hold (``ui/jobs/training.py``): a file naming the epoch after which runs wait for Stop."""


@pytest.fixture(scope="session")
def hold_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("hold") / "hold"


@pytest.fixture(scope="session")
def app_server(hold_file: Path) -> Iterator[driver.AppServer]:
    reason = driver.missing_browser_reason()
    if reason:
        pytest.skip(reason)
    server = driver.AppServer(env={HOLD_FILE_ENV: str(hold_file), "CF_WARM_UP": "1"})  # as in production
    try:
        server.start()
    except (RuntimeError, TimeoutError) as error:
        pytest.fail(f"the app did not start: {error}", pytrace=False)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def hold(app_server: driver.AppServer, hold_file: Path) -> Iterator[Callable[[int], None]]:
    """``hold(n)``: the app's runs started from then on wait after ``n`` finished epochs until
    Stop is pressed (for this test only)."""
    try:
        yield lambda epochs: hold_file.write_text(str(epochs))
    finally:
        hold_file.unlink(missing_ok=True)


Scenario = Callable[[Any, str], Awaitable[Any]]


@pytest.fixture
def in_browser(app_server: driver.AppServer, request: pytest.FixtureRequest) -> Callable[..., Any]:
    """``in_browser(scenario)`` runs ``await scenario(browser, url)`` in a new headless Chromium.

    When the scenario fails, every open page is saved as a screenshot under ``out/e2e/`` and the
    end of the server's log is added to the error.
    """
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)

    def run(scenario: Scenario, timeout: float = 300.0) -> Any:
        async def main() -> Any:
            from playwright.async_api import async_playwright

            async with async_playwright() as playwright:
                browser = await driver.launch_browser(playwright)
                try:
                    return await scenario(browser, app_server.url)
                except BaseException:
                    await _save_pages(browser, ARTIFACTS / name)
                    raise
                finally:
                    await browser.close()

        try:
            return driver.run_async(main, timeout=timeout)
        except AssertionError:
            raise
        except Exception as error:
            log = app_server.log_tail()
            raise AssertionError(f"{type(error).__name__}: {error}\n--- app log ---\n{log}") from error

    return run


async def _save_pages(browser: Any, stem: Path) -> None:
    stem.parent.mkdir(parents=True, exist_ok=True)
    pages = [page for context in browser.contexts for page in context.pages]
    for k, page in enumerate(pages):
        try:
            await page.screenshot(path=f"{stem}-{k}.png", timeout=5_000)
        except Exception:  # noqa: BLE001, S110 - best effort while reporting another failure
            pass
