"""The app at MovieLens-25M size, in headless Chromium: upload, train one epoch, open a user.

    python scripts/scale_app_check.py [ratings.csv]

Without an argument it uses the synthetic 25M file of ``python -m cf bench --scale``
(generated into ``CF_BENCH_DIR`` or ``~/.cache/cf-bench`` on first use). Prints the time
of each step as the person sees it and the server's peak memory. Not part of the test
suite: it takes a few minutes and several GB of memory.
"""

from __future__ import annotations

import asyncio
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.e2e.driver import (  # noqa: E402
    KEY_UP_RATINGS,
    AppPage,
    AppServer,
    MemorySampler,
    launch_browser,
    memory_kib,
)


async def check(url: str, path: Path) -> dict[str, float]:
    from playwright.async_api import async_playwright

    figures: dict[str, float] = {}
    async with async_playwright() as playwright:
        browser = await launch_browser(playwright)
        app = await AppPage.open(browser, url)
        app.timeout_ms = 600_000
        app.page.set_default_timeout(600_000)
        await app.use_source("My files")
        started = time.perf_counter()
        await (
            app.sidebar()
            .locator(".st-key-" + KEY_UP_RATINGS.replace(".", "-"))
            .locator("input[type=file]")
            .set_input_files(str(path))
        )
        await app.wait_in_use(path.name, timeout_ms=600_000)
        figures["upload and load (s)"] = time.perf_counter() - started
        await app.tab("Data")
        started = time.perf_counter()
        await app.main().get_by_text(re.compile(r"ratings")).first.wait_for()
        await app.idle()
        figures["Data screen (s)"] = time.perf_counter() - started
        started = time.perf_counter()
        heading = await app.train(epochs=1, timeout_ms=900_000)
        figures["train one epoch, from the click (s)"] = time.perf_counter() - started
        print(heading, flush=True)
        for attempt in range(3):
            started = time.perf_counter()
            await app.tab("User")
            await app.main().get_by_role("heading", name=re.compile(r"^Top \d+ picks for User ")).wait_for()
            await app.idle()
            figures[f"User screen, visit {attempt + 1} (s)"] = time.perf_counter() - started
            await app.tab("Train")
        started = time.perf_counter()
        await app.tab("Embeddings")
        await app.main().locator(".js-plotly-plot").first.wait_for(timeout=600_000)
        await app.idle()
        figures["Embeddings screen (s)"] = time.perf_counter() - started
        problems = await app.errors()
        if problems:
            print("errors on the page:", problems)
        await browser.close()
    return figures


def main() -> int:
    if len(sys.argv) > 1:
        path = Path(sys.argv[1])
    else:
        from benchmarks.scale import synthetic_file

        path = synthetic_file(1.0)
    with AppServer() as server, MemorySampler(server.pid) as memory:
        figures = asyncio.run(check(server.url, path))
        figures["server RSS at the end (MiB)"] = memory_kib(server.pid)["VmRSS"] / 1024
    figures["server peak RSS (MiB)"] = memory.peak_kib / 1024
    for name, value in figures.items():
        print(f"{name:<40} {value:8.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
