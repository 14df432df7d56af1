"""Drive the CF Explorer app in headless Chromium: shared by the browser tests and the scripts.

Nothing here imports pytest or ``cf``: ``scripts/screenshots.py`` and ``scripts/loadtest.py``
use it too. It starts ``streamlit run app.py`` on a free localhost port (:class:`AppServer`),
launches Debian's Chromium through Playwright (:func:`launch_browser`) and acts like a person
through :class:`AppPage`: visible labels, roles and widget keys (each listed beside the screen or
component that draws it; the shared ones in ``ui/session/state.py``).

Waiting: after each action the driver waits for the app's "not running" state *and* for the
element the action should produce; there are no fixed sleeps. The Playwright API is the async
one, so many browser contexts can run at once in one event loop (:func:`run_sessions`).
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cf.settings import SETTINGS

REPO = Path(__file__).resolve().parents[2]
"""The repository root, where ``app.py`` lives."""
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
"""The app's script is not running: it has finished drawing after the last action."""
SKELETON = "[data-testid='stSkeleton']"
"""Placeholder Streamlit shows while an element's code loads (e.g. the plotly chart)."""
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
TIMEOUT_MS = 60_000
"""Default for one action and what it waits for (a cold page on a 2-core machine takes ~15 s)."""
QUEUED = re.compile(r"^Waiting for a free slot")
SHOTS_ENV = "CF_ROOM_SCREENSHOTS"
"""A folder: a room session that fails saves a screenshot of its page there."""
"""The progress text of a run waiting in the server's training queue (``ui/jobs/base.queue_text``)."""
TRAIN_TIMEOUT_MS = 240_000
"""How long a training run may take before the driver gives up."""
AUTO_LABEL = "Auto: tune the settings for this data"
MODEL_BADGE = re.compile(r"(^|\s)Model \d+( ·|\s*$)")
"""The header's badge of a trained model (``ui/components/header.badges``)."""
MODEL_TITLE = re.compile(r"^Model (\d+) · (.+) · (\d+) factors · (\d+) of (\d+) epochs")
"""The trained model's heading on the Train screen (``ui/screens/train.model_title``)."""

LAYOUT_JS = (Path(__file__).with_name("layout.js")).read_text(encoding="utf-8")
"""Finds what the page cuts off sideways (see ``layout.js``): text ending in an ellipsis or clipped,
elements sticking out of a box that hides overflow, chart text outside its chart; and for each
table, the width its columns need and the width it has."""
CHARTS_FIT_JS = """
() => [...document.querySelectorAll("[data-testid=stPlotlyChart]")].every(chart => {
    const svg = chart.querySelector(".main-svg");
    return svg && Math.abs(svg.getBoundingClientRect().width - chart.getBoundingClientRect().width) < 2;
})
"""
"""True once every chart on the page is drawn at its container's width."""

# Widget keys (the uploaders': ui/components/sidebar.py; the others beside the code that draws them); Streamlit
# puts them on the element as the class ``st-key-<key>``.
KEY_UP_RATINGS = "cf.up_ratings"
KEY_UP_MOVIES = "cf.up_movies"
KEY_RECS_TABLE = "cf.recs_table"


def key_css(key: str) -> str:
    """CSS selector of the element with Streamlit widget key ``key``."""
    return ".st-key-" + re.sub(r"[^A-Za-z0-9_-]", "-", key)


# -- what is installed ---------------------------------------------------------------


def chromium_path() -> str | None:
    """Debian's Chromium (``CF_CHROMIUM`` overrides), or None."""
    override = os.environ.get("CF_CHROMIUM")
    if override:
        return override if Path(override).exists() else shutil.which(override)
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def missing_browser_reason() -> str | None:
    """Why browser tests cannot run here, or None when they can."""
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        return "playwright (Python) is not installed: pip install -r requirements-dev.txt"
    if chromium_path() is None:
        return "chromium is not installed (apt-get install chromium), or set CF_CHROMIUM"
    return None


# -- the server ----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class AppServer:
    """``streamlit run app.py`` on a free localhost port, as a context manager.

    The server's output goes to a log file (:attr:`log_path`); :meth:`log_tail` shows the
    end of it when something fails. :meth:`stop` ends the process group it started.
    """

    def __init__(self, port: int | None = None, env: dict[str, str] | None = None, start_timeout: float = 90.0):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.start_timeout = start_timeout
        self.env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
        self.process: subprocess.Popen | None = None
        self._log = tempfile.NamedTemporaryFile(prefix="cf-app-", suffix=".log", delete=False)
        self.log_path = Path(self._log.name)

    @property
    def pid(self) -> int:
        assert self.process is not None, "the server is not started"
        return self.process.pid

    def start(self) -> AppServer:
        command = [
            sys.executable, "-m", "streamlit", "run", "app.py",
            "--server.headless", "true",
            "--server.port", str(self.port),
            "--server.address", "127.0.0.1",
            "--browser.gatherUsageStats", "false",
        ]  # fmt: skip
        self.process = subprocess.Popen(
            command, cwd=REPO, env=self.env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"streamlit exited with code {self.process.returncode}:\n{self.log_tail()}")
            if self.healthy():
                return self
            time.sleep(0.2)  # polling the health endpoint, not waiting on the app
        self.stop()
        raise TimeoutError(f"streamlit was not healthy after {self.start_timeout:.0f} s:\n{self.log_tail()}")

    def healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as response:
                return response.status == 200 and response.read().decode().strip() == "ok"
        except OSError:
            return False

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)

    def wait_for_log(self, text: str, timeout: float = 120.0) -> None:
        """Block until the server's log has a line with ``text`` (e.g. the app's warm-up finished)."""
        deadline = time.monotonic() + timeout
        while text not in self.log_path.read_text(errors="replace"):
            if time.monotonic() > deadline:
                raise TimeoutError(f"the server did not log {text!r} within {timeout:.0f} s:\n{self.log_tail()}")
            time.sleep(0.2)  # polling the log file, not waiting on the app

    def log_tail(self, n: int = 40) -> str:
        self._log.flush()
        lines = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(lines[-n:])

    def __enter__(self) -> AppServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def memory_kib(pid: int) -> dict[str, int]:
    """``VmRSS`` (now) and ``VmHWM`` (peak) of a process in KiB, from ``/proc/<pid>/status``."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            out[name] = int(value.split()[0])
    return out


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time a process has used, from ``/proc/<pid>/stat``."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class MemorySampler:
    """Samples a process's RSS in a background thread; :attr:`peak_kib` is the highest seen,
    :attr:`samples` every (seconds since start, KiB)."""

    def __init__(self, pid: int, every: float = 0.25):
        self.pid, self.every = pid, every
        self.peak_kib = 0
        self.samples: list[tuple[float, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)

    def _run(self) -> None:
        started = time.perf_counter()
        while not self._stop.is_set():
            with contextlib.suppress(OSError, KeyError):
                rss = memory_kib(self.pid)["VmRSS"]
                self.peak_kib = max(self.peak_kib, rss)
                self.samples.append((time.perf_counter() - started, rss))
            self._stop.wait(self.every)

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


# -- the browser ---------------------------------------------------------------------


async def launch_browser(playwright: Any) -> Any:
    """Headless Debian Chromium (Playwright's own browser download is not used)."""
    return await playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True)


def run_async(coro_factory: Callable[[], Awaitable[Any]], timeout: float | None = None) -> Any:
    """Run a coroutine to completion in a fresh event loop on its own thread; return its result.

    A thread of its own keeps the Playwright loop apart from any loop the caller has.
    """
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["result"] = asyncio.run(coro_factory())
        except BaseException as error:  # noqa: BLE001 - re-raised in the caller's thread
            box["error"] = error

    thread = threading.Thread(target=target, name="playwright", daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise TimeoutError(f"browser run did not finish in {timeout} s")
    if "error" in box:
        raise box["error"]
    return box.get("result")


class AppPage:
    """One person's browser tab on the app, with the actions the tests and scripts need."""

    def __init__(self, page: Any, url: str, timeout_ms: int = TIMEOUT_MS):
        self.page = page
        self.url = url
        self.timeout_ms = timeout_ms
        page.set_default_timeout(timeout_ms)

    @classmethod
    async def open(
        cls, browser: Any, url: str, width: int = 1280, height: int = 800, timeout_ms: int = TIMEOUT_MS, **kwargs: Any
    ) -> AppPage:
        """A new browser context (a new Streamlit session) with the app loaded; ``timeout_ms`` bounds each action."""
        context = await browser.new_context(viewport={"width": width, "height": height}, **kwargs)
        app = cls(await context.new_page(), url, timeout_ms)
        await app.load()
        return app

    async def close(self) -> None:
        await self.page.context.close()

    # -- waiting -------------------------------------------------------------------

    async def idle(self, timeout_ms: int | None = None) -> None:
        """Wait until the app's script has finished running (it may start again later)."""
        await self.page.wait_for_selector(IDLE, timeout=timeout_ms or self.timeout_ms)

    async def settle(self, timeout_ms: int | None = None) -> None:
        """Idle, and no element still showing its loading placeholder (then idle again)."""
        timeout = timeout_ms or self.timeout_ms
        await self.idle(timeout)
        await self.page.wait_for_function(
            f"() => document.querySelectorAll({SKELETON!r}).length === 0", timeout=timeout, polling=100
        )
        await self.idle(timeout)

    async def load(self) -> None:
        await self.page.goto(self.url)
        await self.page.get_by_role("tab", name="Data", exact=True).wait_for()
        await self.idle()
        await self.sidebar().get_by_text(re.compile(r"^In use:")).wait_for()
        # the first run has drawn its whole screen (the sidebar comes first, and "idle" can be seen before
        # the first run starts): the app marks the end of each drawn screen
        await self.page.locator("[class*='st-key-drawn-']").first.wait_for(state="attached")
        await self.idle()

    async def problems(self) -> list[str]:
        """Texts of exception boxes on the page (a traceback reaching the person)."""
        return await self.page.locator("[data-testid='stException']").all_inner_texts()

    # -- navigation ----------------------------------------------------------------

    def sidebar(self) -> Any:
        return self.page.get_by_test_id("stSidebar")

    def main(self) -> Any:
        return self.page.get_by_test_id("stMain")

    async def tab(self, name: str) -> None:
        """Open a screen (Data, Train, User, Embeddings)."""
        tab = self.page.get_by_role("tab", name=name, exact=True)
        switched = await tab.get_attribute("aria-selected") != "true"
        if switched:
            await tab.click()
        await self._wait_attribute(tab, "aria-selected", "true")
        if switched:  # "idle" can be seen before the click's run starts: wait for the screen's end marker
            await self.page.locator(f".st-key-drawn-{name}").wait_for(state="attached", timeout=self.timeout_ms)
        await self.idle()

    async def _wait_attribute(self, locator: Any, name: str, value: str) -> None:
        deadline = time.monotonic() + self.timeout_ms / 1000
        while await locator.get_attribute(name) != value:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{locator} never had {name}={value!r}")
            await self.page.wait_for_timeout(50)

    async def click(self, locator: Any) -> None:
        """Click an element after scrolling it to the middle of the window (not under the fixed header)."""
        await locator.evaluate("e => e.scrollIntoView({block: 'center'})")
        await locator.click()

    async def in_use(self) -> str:
        """The sidebar's 'In use: …' line."""
        return await self.sidebar().get_by_text(re.compile(r"^In use:")).inner_text()

    # -- data ----------------------------------------------------------------------

    async def use_source(self, name: str) -> None:
        """Pick 'Demo dataset' or 'My files' in the sidebar."""
        option = self.sidebar().get_by_role("radio", name=name, exact=True)
        if await option.get_attribute("aria-checked") != "true":
            await option.click()
        await self._wait_attribute(option, "aria-checked", "true")
        await self.idle()
        if name == "My files":
            await self.sidebar().locator(key_css(KEY_UP_RATINGS)).wait_for()

    async def upload(self, key: str, files: Any) -> None:
        """Choose a file for the uploader with widget key ``key``, through its real file input.

        ``files`` is a path or ``{"name", "mimeType", "buffer"}``, as Playwright's ``set_input_files``
        takes. Waits until the file is listed in the uploader and the app has run on it.
        """
        uploader = self.sidebar().locator(key_css(key))
        await uploader.locator("input[type=file]").set_input_files(files)
        name = files["name"] if isinstance(files, dict) else Path(files).name
        await uploader.get_by_text(name, exact=True).wait_for()
        await self.idle()

    async def wait_in_use(self, label_part: str, timeout_ms: int | None = None) -> str:
        """Wait until the data in use is labelled with ``label_part``; return the 'In use' line."""
        line = self.sidebar().get_by_text(re.compile(r"^In use:.*" + re.escape(label_part)))
        await line.wait_for(timeout=timeout_ms or self.timeout_ms)
        await self.idle()
        return await line.inner_text()

    async def errors(self) -> list[str]:
        """Texts of the error boxes (``st.error``) on the page."""
        return await self.page.locator("[data-testid='stAlertContentError']").all_inner_texts()

    # -- training ------------------------------------------------------------------

    async def set_slider(self, name: str, value: float) -> None:
        """Move the numeric slider called ``name`` to ``value`` with the keyboard, as a person can.

        (Filling the range input changes the page but not Streamlit's widget state.)
        """
        # Streamlit 1.67 names the slider by its label twice ("Epochs Epochs"): match the start.
        slider = self.main().get_by_role("slider", name=re.compile("^" + re.escape(name)))
        await slider.focus()
        current = _number(await slider.get_attribute("aria-valuetext"))
        low, high = await slider.get_attribute("min"), await slider.get_attribute("max")
        step = float(await slider.get_attribute("step") or 1) or 1.0
        # Start from whichever of the ends or the current value is nearest: fewer key presses.
        if high is not None and abs(float(high) - value) < abs(current - value):
            await slider.press("End")
        elif low is not None and abs(value - float(low)) < abs(current - value):
            await slider.press("Home")
        for _ in range(20):
            current = _number(await slider.get_attribute("aria-valuetext"))
            if current == value:
                return
            # Press as many times as the steps to go, then read the value again: one read per
            # batch of keys, not per key (it matters with eight busy browsers on two cores).
            key = "ArrowRight" if current < value else "ArrowLeft"
            for _ in range(max(1, min(int(abs(value - current) / step), 300))):
                await self.page.keyboard.press(key)
        raise AssertionError(f"slider {name!r} did not reach {value}")

    async def train(
        self,
        epochs: int | None = None,
        factors: int | None = None,
        seed: int | None = None,
        kind: str | None = None,
        wait: bool = True,
        timeout_ms: int = TRAIN_TIMEOUT_MS,
        auto: bool = False,
    ) -> str | None:
        """On the Train screen, change the given settings, press Train model.

        ``kind`` is the model's label (e.g. "Plain dot product"). Auto settings (the form's
        default) are turned off unless ``auto``, so the epochs asked for are the epochs run.
        With ``wait``, waits for the run to end and returns the model's heading.
        """
        button = await self.set_training(epochs, factors, seed, kind, auto)
        heading = self.model_heading()
        before = (await heading.first.inner_text()).strip() if await heading.count() else None
        await button.click()
        return await self.wait_trained(before, wait, timeout_ms)

    async def set_training(
        self,
        epochs: int | None = None,
        factors: int | None = None,
        seed: int | None = None,
        kind: str | None = None,
        auto: bool = False,
    ) -> Any:
        """Open the Train screen and change the given settings; return the Train model button."""
        await self.tab("Train")
        button = self.main().get_by_role("button", name="Train model", exact=True)
        await button.wait_for()
        if kind is not None:
            from playwright.async_api import expect

            # The radio's input is hidden under its label: click the label, as a person does.
            await self.click(self.main().get_by_test_id("stRadio").get_by_text(kind, exact=True))
            await expect(self.main().get_by_role("radio", name=kind, exact=True)).to_be_checked()
        if factors is not None:
            await self.set_slider(SETTINGS["n_factors"].label, factors)
        if epochs is not None:
            await self.set_slider(SETTINGS["epochs"].label, epochs)
        switch = self.main().get_by_test_id("stCheckbox").filter(has_text=AUTO_LABEL).locator("input")
        if await switch.is_checked() != auto:  # a toggle: Streamlit's checkbox widget
            await self.click(self.main().get_by_text(AUTO_LABEL, exact=True))
        if seed is not None:
            seed_box = self.main().get_by_role("spinbutton", name="Random seed", exact=True)
            if not await seed_box.is_visible():
                await self.main().get_by_text("Advanced settings", exact=True).click()
            await seed_box.fill(str(seed))
        return button

    async def wait_trained(
        self, before: str | None, wait: bool = True, timeout_ms: int = TRAIN_TIMEOUT_MS
    ) -> str | None:
        """After Train model was pressed: the new model's heading (None at once when not ``wait``ing)."""
        heading = self.model_heading()
        stop = self.main().get_by_role("button", name=re.compile("^(Stop training|Stopping…)$"))
        deadline = time.monotonic() + timeout_ms / 1000
        while True:  # the run has started (Stop shows) or already ended (a new model's heading)
            if not wait and (await stop.count() or await self.main().get_by_text(QUEUED).count()):
                return None
            if await heading.count():
                text = (await heading.first.inner_text()).strip()
                if text != before:
                    await self.idle()
                    return text
            if time.monotonic() > deadline:
                raise TimeoutError(f"training did not end within {timeout_ms / 1000:.0f} s")
            await self.page.wait_for_timeout(200)

    def model_badge(self) -> Any:
        """The header's badge of the session's trained model ("Model 2 · typical error ±0.87 stars"; not
        the running job's "Training Model 2…"), shown on every screen."""
        return self.page.locator(".st-key-cf-wrap-header").get_by_text(MODEL_BADGE)

    def model_heading(self) -> Any:
        return self.main().get_by_role("heading", name=MODEL_TITLE)

    async def wait_model(self, number: int | None = None, timeout_ms: int = TRAIN_TIMEOUT_MS) -> str:
        """Wait until the Train screen shows a trained model (Model ``number``); return its heading."""
        pattern = MODEL_TITLE if number is None else re.compile(rf"^Model {number} · ")
        heading = self.main().get_by_role("heading", name=pattern)
        await heading.wait_for(timeout=timeout_ms)
        await self.idle()
        return (await heading.inner_text()).strip()

    async def wait_epochs_done(self, n: int, timeout_ms: int = TRAIN_TIMEOUT_MS) -> int:
        """While training, wait until at least ``n`` epochs are finished; return how many are."""
        metric = self.main().get_by_test_id("stMetric").filter(has_text=re.compile(r"^Epoch"))
        value = metric.get_by_test_id("stMetricValue")
        deadline = time.monotonic() + timeout_ms / 1000
        while True:
            with contextlib.suppress(Exception):
                text = await value.inner_text(timeout=2000)
                done = int(text.split("/")[0])
                if done >= n:
                    return done
            if time.monotonic() > deadline:
                raise TimeoutError(f"fewer than {n} epochs finished in {timeout_ms / 1000:.0f} s")
            await self.page.wait_for_timeout(100)

    async def stop_training(self) -> None:
        await self.main().get_by_role("button", name="Stop training", exact=True).click()

    # -- the User screen -----------------------------------------------------------

    async def user_screen(self, pick: int | None = None, history: bool = False) -> UserView:
        """Open the User screen and read its recommendations (and, with ``history``, the user's ratings).

        ``pick`` chooses the user at that place in the list (0 is the first, the most active).
        """
        await self.tab("User")
        top = self.main().get_by_role("heading", name=re.compile(r"^Top \d+ picks for User "))
        await top.wait_for()
        if pick is not None:
            label = await self.choose(self.main().get_by_role("combobox", name=re.compile(r"^User")), pick)
            user = label.split("·")[0].strip()
            top = self.main().get_by_role("heading", name=re.compile(rf"^Top \d+ picks for {re.escape(user)}$"))
            await top.wait_for()
            await self.idle()
        heading = (await top.inner_text()).strip()
        # The tables draw on a canvas: read what they show through the app's own CSV downloads.
        await self.main().get_by_test_id("stDataFrame").first.locator("canvas").first.wait_for()
        picks = await self.download_csv("Download recommendations (CSV)")
        rated = await self.download_csv("Download their ratings and predictions (CSV)") if history else []
        return UserView(heading=heading, user=heading.rsplit("for ", 1)[-1], picks=picks, rated=rated)

    async def choose(self, box: Any, index: int) -> str:
        """Pick the option at ``index`` of the select box ``box``; return the option's text."""
        from playwright.async_api import expect

        option = await self._open_choices(box, index)
        label = (await option.inner_text()).strip()
        await option.click()
        await expect(box).to_have_value(label, timeout=self.timeout_ms)
        await self.idle()
        return label

    async def _open_choices(self, box: Any, index: int) -> Any:
        """Open a select box's list and return its option at ``index``."""
        listbox = self.page.get_by_role("listbox")
        # Scroll first: the list closes again when the page scrolls just after it opened.
        await box.scroll_into_view_if_needed()
        await box.click()
        try:
            await listbox.wait_for(timeout=5_000)
        except Exception:  # noqa: BLE001 - the keyboard opens it too
            await box.focus()
            await box.press("ArrowDown")
            await listbox.wait_for()
        option = listbox.get_by_role("option").nth(index)
        await option.wait_for()
        return option

    async def download_csv(self, button: str) -> list[dict[str, str]]:
        """Press a download button on the page and read the CSV file it gives."""
        async with self.page.expect_download() as info:
            await self.main().get_by_role("button", name=button, exact=True).click()
        download = await info.value
        text = Path(await download.path()).read_text(encoding="utf-8-sig")
        return list(csv.DictReader(io.StringIO(text)))

    async def table_rows(self, grid: Any) -> list[dict[str, str]]:
        """The rows a table (an ``stDataFrame`` locator) shows, as {column header: cell text}.

        The table draws on a canvas; focusing it makes it write its visible rows into the page
        for screen readers, which is what is read here.
        """
        canvas = grid.get_by_test_id("data-grid-canvas")
        await canvas.focus()
        await canvas.locator("td").first.wait_for(state="attached")
        headers = await canvas.locator("th").all_inner_texts()
        rows = []
        for row in await canvas.locator("tbody tr").all():
            cells = await row.locator("td").all_inner_texts()
            rows.append(dict(zip(headers, cells)))
        return rows

    async def static_table_rows(self, table: Any) -> list[dict[str, str]]:
        """The rows of a static table (an ``stTable`` locator) as {column header: cell text}; a cell of
        several lines gives its first (a list's movie cell has a grey second line of details)."""
        await table.locator("tbody tr").first.wait_for()
        headers = [h.strip() for h in await table.locator("thead th").all_inner_texts()]
        rows = []
        for row in await table.locator("tbody tr").all():
            cells = [c.strip().splitlines()[0] if c.strip() else "" for c in await row.locator("td").all_inner_texts()]
            rows.append(dict(zip(headers, cells)))
        return rows

    async def layout(self) -> dict[str, Any]:
        """What the page cuts off sideways (:data:`LAYOUT_JS`): ``problems`` (sentences) and ``tables``
        (``key``, ``needs`` and ``has``: the width in pixels its columns need, and the width shown).

        Waits first until every chart has been drawn at its container's width (after a resize).
        """
        await self.settle()
        await self.page.wait_for_function(CHARTS_FIT_JS, timeout=self.timeout_ms, polling=100)
        return await self.page.evaluate(LAYOUT_JS)

    async def view(self, option: str) -> None:
        """Pick ``option`` of the screen's view switch (a segmented control, e.g. "Users" on Embeddings)."""
        button = self.main().get_by_role("radio", name=option, exact=True)
        await self.click(button)
        await self._wait_attribute(button, "aria-checked", "true")
        await self.idle()

    # -- the Embeddings screen -----------------------------------------------------

    async def embedding_points(self) -> dict[str, int]:
        """Open the Embeddings screen and read the points the map holds: {trace name: number of points}.

        Read from the plotly figure in the page (its ``_fullData``), as WebGL points draw on a
        canvas that cannot be counted.
        """
        await self.tab("Embeddings")
        chart = self.main().get_by_test_id("stPlotlyChart").first
        await chart.locator(".main-svg").first.wait_for()
        await self.settle()
        return await chart.locator(".js-plotly-plot").first.evaluate(
            """plot => Object.fromEntries(plot._fullData.map(
                trace => [trace.name, trace._length ?? (trace.x ? trace.x.length : 0)]))"""
        )

    async def movie_map(self, title_words: str | None = None, timeout_ms: int | None = None) -> dict[str, Any]:
        """The Embeddings screen's map as drawn: ``title``, ``axes`` (axis titles) and ``traces`` (``name``,
        ``n`` points, ``colorbar`` title or None, ``text`` labels). With ``title_words``, first waits until
        the map's title has them (a t-SNE or UMAP layout computes in the background meanwhile)."""
        chart = self.main().get_by_test_id("stPlotlyChart").first
        if title_words is not None:
            await chart.locator(".gtitle", has_text=title_words).first.wait_for(timeout=timeout_ms or self.timeout_ms)
        await chart.locator(".main-svg").first.wait_for()
        await self.settle()
        return await chart.locator(".js-plotly-plot").first.evaluate(
            """plot => ({
                title: plot._fullLayout.title.text,
                axes: [plot._fullLayout.xaxis.title.text, plot._fullLayout.yaxis.title.text],
                traces: plot._fullData.map(trace => ({
                    name: trace.name,
                    n: trace._length ?? (trace.x ? trace.x.length : 0),
                    colorbar: trace.marker && trace.marker.showscale ? trace.marker.colorbar.title.text : null,
                    text: Array.isArray(trace.text) ? trace.text.filter(t => t) : [],
                })),
            })"""
        )


@dataclass
class UserView:
    heading: str
    """'Top 10 picks for User 446'."""
    user: str
    """'User 446'."""
    picks: list[dict[str, str]]
    """The recommendations, as the app's CSV download gives them."""
    rated: list[dict[str, str]] = field(default_factory=list)
    """The user's ratings next to the model's predictions (CSV download)."""


def _number(text: str | None) -> float:
    match = re.search(r"-?\d+(?:[.,]\d+)*", text or "")
    if not match:
        raise ValueError(f"no number in slider text {text!r}")
    return float(match.group().replace(",", ""))


# -- many sessions at once -----------------------------------------------------------


@dataclass
class SessionResult:
    """What one concurrent session did and saw."""

    index: int
    factors: int
    epochs: int
    seed: int
    title: str = ""
    title_after_all: str = ""
    user_heading: str = ""
    rows: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    error: str | None = None

    @property
    def expected(self) -> str:
        return f"· {self.factors} factors · {self.epochs} of {self.epochs} epochs"

    @property
    def isolated(self) -> bool:
        """Its own model (its own settings) before and after every other session finished."""
        return self.expected in self.title and self.expected in self.title_after_all

    @property
    def ok(self) -> bool:
        return self.error is None and self.isolated and self.rows > 0


def session_settings(index: int) -> tuple[int, int, int]:
    """Distinct settings for session ``index``: (factors, epochs, seed)."""
    return 46 + index, 1 + index % 2, 1000 + index


async def run_sessions(
    url: str, n: int, timeout_s: float = 300.0, width: int = 1280, height: int = 800
) -> list[SessionResult]:
    """``n`` browser contexts at once: each loads the demo, trains with its own settings, recommends.

    Every session trains a differently sized model (:func:`session_settings`), then waits until
    all sessions have trained and checks its Train screen again: a session that shows another
    session's settings saw another's model. Bounded by ``timeout_s`` in all.
    """
    from playwright.async_api import async_playwright

    results = [SessionResult(i, *session_settings(i)) for i in range(n)]
    all_trained = asyncio.Event()
    trained = 0

    async def one(browser: Any, result: SessionResult) -> None:
        nonlocal trained
        app = None
        marks = {"start": time.perf_counter()}
        try:
            app = await AppPage.open(browser, url, width, height)
            marks["loaded"] = time.perf_counter()
            result.title = await app.train(epochs=result.epochs, factors=result.factors, seed=result.seed) or ""
            marks["trained"] = time.perf_counter()
            view = await app.user_screen()
            result.user_heading, result.rows = view.heading, len(view.picks)
            marks["recommended"] = time.perf_counter()
        except Exception as error:  # noqa: BLE001 - reported per session
            result.error = f"{type(error).__name__}: {error}".splitlines()[0]
        finally:
            trained += 1
            if trained == n:
                all_trained.set()
        try:
            await asyncio.wait_for(all_trained.wait(), timeout=timeout_s)
            if app is not None and result.error is None:
                await app.tab("Train")
                result.title_after_all = await app.wait_model()
        except Exception as error:  # noqa: BLE001
            result.error = result.error or f"{type(error).__name__}: {error}".splitlines()[0]
        finally:
            steps = list(marks.items())
            for (_, t0), (name, t1) in zip(steps, steps[1:]):
                result.seconds[name] = round(t1 - t0, 2)
            if app is not None:
                with contextlib.suppress(Exception):
                    await app.close()

    async with async_playwright() as playwright:
        browser = await launch_browser(playwright)
        try:
            await asyncio.wait_for(asyncio.gather(*(one(browser, r) for r in results)), timeout=timeout_s)
        except TimeoutError:
            for result in results:
                if result.error is None and not result.title_after_all:
                    result.error = f"not finished after {timeout_s:.0f} s"
        finally:
            await browser.close()
    return results


# -- a room full of people -------------------------------------------------------------


@dataclass
class RoomResult:
    """One session of :func:`run_room`: its settings, what it saw and how long things took."""

    index: int
    factors: int
    epochs: int
    seed: int
    title: str = ""
    title_after_all: str = ""
    rows: int = 0
    pressed_at: float = 0.0
    """When Train model was pressed (``time.perf_counter``)."""
    trained_seconds: float | None = None
    """From pressing Train model to the first screen whose header shows the model."""
    switches: list[tuple[str, float, bool]] = field(default_factory=list)
    """Tab switches until the model was ready: (screen, seconds until the page was drawn, run still queued)."""
    lost_clicks: int = 0
    """Tab clicks that did not open their screen (clicked again after 10 s)."""
    error: str | None = None
    step: str = "opening the app"
    page_errors: list[str] = field(default_factory=list)
    """The page's crashes and uncaught script errors."""
    """What the session was doing (named in :attr:`error`)."""

    @property
    def expected(self) -> str:
        return f"· {self.factors} factors · {self.epochs} of {self.epochs} epochs"

    @property
    def isolated(self) -> bool:
        return self.expected in self.title and self.expected in self.title_after_all


async def _timed_tab(app: AppPage, name: str, patience_s: float = 10.0) -> tuple[float, int]:
    """Open screen ``name`` as a person would: click its tab, and click again if it has not opened
    after ``patience_s`` (a click can land while the page redraws, or a run that was already going
    can put the previous screen back). Returns (seconds until the page was drawn, clicks that were
    lost)."""
    tab = app.page.get_by_role("tab", name=name, exact=True)
    drawn = app.page.locator(f".st-key-drawn-{name}")
    started, clicks = time.perf_counter(), 0
    while True:
        if await tab.get_attribute("aria-selected") != "true":
            await tab.click()
            clicks += 1
        # The page reads idle before a slow server has even started the rerun: the switch ends when
        # the run for this tab has drawn its screen (the app marks that below the screen).
        try:
            await drawn.wait_for(state="attached", timeout=patience_s * 1000)
            break
        except Exception:  # noqa: BLE001 - not drawn yet: look again whether the tab is still open
            if time.perf_counter() - started > app.timeout_ms / 1000:
                raise TimeoutError(f"the {name} screen was not drawn after {clicks} clicks") from None
    await app.idle()
    return time.perf_counter() - started, max(0, clicks - 1)


def warm_server(server: AppServer) -> None:
    """Open one page (the app warms up after its first page) and wait until the warm-up has finished,
    as on a server that has been up a while: kernels loaded, the server's long-lived objects frozen."""
    from ui.jobs.training import WARM_UP_DONE

    async def first_page() -> None:
        from playwright.async_api import async_playwright

        async with async_playwright() as playwright:
            browser = await launch_browser(playwright)
            try:
                app = await AppPage.open(browser, server.url)
                await app.close()
            finally:
                await browser.close()

    run_async(first_page, timeout=180)
    server.wait_for_log(WARM_UP_DONE)


async def run_room(
    url: str,
    n: int,
    timeout_s: float = 600.0,
    pause_s: float = 1.0,
    open_at_once: int = 4,
    width: int = 1280,
    height: int = 800,
    action_timeout_s: float = TIMEOUT_MS / 1000,
) -> list[RoomResult]:
    """``n`` browser contexts of one Chromium: each loads the demo (``open_at_once`` pages loading at a
    time) and sets its own training settings; once all are ready they press Train model within a
    second, then switch between the User and Embeddings screens (``pause_s`` apart, timing each
    switch) until their model is ready; then they open their recommendations, and after every
    session is done, check their Train screen again (a session showing another's settings saw
    another's model). Bounded by ``timeout_s``.
    """
    from playwright.async_api import async_playwright

    results = [RoomResult(i, *session_settings(i)) for i in range(n)]
    ready, finished = asyncio.Event(), asyncio.Event()
    opening = asyncio.Semaphore(open_at_once)
    counts = {"ready": 0, "finished": 0}

    def arrive(name: str, event: asyncio.Event) -> None:
        counts[name] += 1
        if counts[name] == n:
            event.set()

    async def until_trained(app: AppPage, result: RoomResult, before: str | None) -> None:
        """Switch between two screens until the header shows the model (as a person sees it, on any
        screen), then open Train and read its heading."""
        deadline = time.monotonic() + timeout_s
        while result.trained_seconds is None:
            if time.monotonic() > deadline:
                raise TimeoutError(f"no model within {timeout_s:.0f} s")
            for name in ("User", "Embeddings"):
                seconds, lost = await _timed_tab(app, name)
                queued = await app.sidebar().get_by_text(QUEUED).count() > 0
                result.switches.append((name, seconds, queued))
                result.lost_clicks += lost
                if await app.model_badge().count():
                    result.trained_seconds = time.perf_counter() - result.pressed_at
                    break
                await asyncio.sleep(pause_s)
        result.lost_clicks += (await _timed_tab(app, "Train"))[1]
        result.title = await app.wait_trained(before) or ""

    async def one(browser: Any, result: RoomResult) -> None:
        app = None
        try:
            try:
                async with opening:  # a few pages load at a time: 30 cold pages at once overwhelm 2 cores
                    app = await AppPage.open(browser, url, width, height, int(action_timeout_s * 1000))
                    app.page.on("crash", lambda *_: result.page_errors.append("the page crashed"))
                    app.page.on("pageerror", lambda error: result.page_errors.append(f"page error: {error}"))
                    result.step = "setting up training"
                    button = await app.set_training(result.epochs, result.factors, result.seed)
            finally:
                arrive("ready", ready)
            await asyncio.wait_for(ready.wait(), timeout=timeout_s)
            heading = app.model_heading()
            before = (await heading.first.inner_text()).strip() if await heading.count() else None
            result.pressed_at = time.perf_counter()
            result.step = "pressing Train"
            await button.click()
            await app.wait_trained(before, wait=False)
            result.step = "waiting for the model"
            await until_trained(app, result, before)
            result.step = "opening the picks"
            await _timed_tab(app, "User")
            result.rows = len((await app.user_screen()).picks)
            result.step = "opening the map"
            await _timed_tab(app, "Embeddings")
            await app.main().get_by_test_id("stPlotlyChart").first.locator(".main-svg").first.wait_for()
        except Exception as error:  # noqa: BLE001 - reported per session
            result.error = f"{result.step}: {type(error).__name__}: {error}".splitlines()[0]
            if result.page_errors:
                result.error += f" ({'; '.join(result.page_errors)[:300]})"
            if app is not None and os.environ.get(SHOTS_ENV):
                with contextlib.suppress(Exception):
                    shot = Path(os.environ[SHOTS_ENV]) / f"session-{result.index}.png"
                    await app.page.screenshot(path=str(shot), full_page=True)
        finally:
            arrive("finished", finished)
        try:
            await asyncio.wait_for(finished.wait(), timeout=timeout_s)
            if app is not None and result.error is None:
                result.step = "checking the model after all finished"
                await _timed_tab(app, "Train")
                result.title_after_all = await app.wait_model()
        except Exception as error:  # noqa: BLE001
            result.error = result.error or f"{result.step}: {type(error).__name__}: {error}".splitlines()[0]
        finally:
            if app is not None:
                with contextlib.suppress(Exception):
                    await app.close()

    async with async_playwright() as playwright:
        browser = await launch_browser(playwright)
        try:
            await asyncio.wait_for(asyncio.gather(*(one(browser, r) for r in results)), timeout=timeout_s * 2)
        except TimeoutError:
            for result in results:
                if result.error is None and not result.title_after_all:
                    result.error = f"not finished after {timeout_s * 2:.0f} s"
        finally:
            await browser.close()
    return results
