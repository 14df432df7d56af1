"""A bounded load test of the app: ``python scripts/loadtest.py``.

Starts ``streamlit run app.py`` on a free port bound to 127.0.0.1, then drives headless
Chromium: first one warm-up session, then ``--sessions`` browser contexts at once (8 by
default, at most 32), each a separate Streamlit session that loads the demo dataset, trains
a model with its own settings (a different number of factors and epochs, and seed) and opens
its recommendations. After every session has trained, each checks that its Train screen still
shows its own settings: a session showing another's has seen another session's model.

Reports the server process's resident memory (``VmRSS`` and the peak ``VmHWM`` from
``/proc/<pid>/status``) before, after the warm-up and after the concurrent sessions, the
time each step took, and whether any session saw another's model. Stops by itself: the
whole run is bounded by ``--timeout`` seconds; the server is stopped at the end.
Exit status 0 when every session finished with only its own model, else 1.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.e2e.driver import (  # noqa: E402
    AppServer,
    MemorySampler,
    SessionResult,
    cpu_seconds,
    memory_kib,
    missing_browser_reason,
    run_async,
    run_sessions,
)

MAX_SESSIONS = 32
FIT_LOG = re.compile(r"trained \d+ epochs of .* in ([0-9.]+) s")
"""The app's log line for a finished training run (ui/training.py)."""


def _mib(kib: int) -> str:
    return f"{kib / 1024:.0f} MiB"


def _steps(results: list[SessionResult]) -> dict[str, dict[str, float]]:
    out = {}
    for step in ("loaded", "trained", "recommended"):
        values = [r.seconds[step] for r in results if step in r.seconds]
        if values:
            out[step] = {"median": round(statistics.median(values), 1), "max": round(max(values), 1)}
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sessions", type=int, default=8, help=f"concurrent sessions (default 8, at most {MAX_SESSIONS})"
    )
    parser.add_argument("--timeout", type=float, default=420.0, help="seconds for the concurrent part (default 420)")
    parser.add_argument("--no-warmup", action="store_true", help="skip the single warm-up session")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object too")
    args = parser.parse_args(argv)
    if not 1 <= args.sessions <= MAX_SESSIONS:
        parser.error(f"--sessions must be between 1 and {MAX_SESSIONS}")
    reason = missing_browser_reason()
    if reason:
        print(f"cannot run the load test: {reason}", file=sys.stderr)
        return 2

    figures: dict = {"sessions": args.sessions}
    with AppServer() as server:
        print(f"server pid {server.pid} at {server.url} (localhost only)", flush=True)
        figures["rss_start_kib"] = memory_kib(server.pid)["VmRSS"]
        if not args.no_warmup:
            started = time.perf_counter()
            warm = run_async(lambda: run_sessions(server.url, 1, timeout_s=args.timeout), timeout=args.timeout + 60)
            figures["warmup_seconds"] = round(time.perf_counter() - started, 1)
            figures["warmup_ok"] = warm[0].ok
            figures["after_one_session_kib"] = memory_kib(server.pid)
            print(f"warm-up session: {'ok' if warm[0].ok else warm[0].error} in {figures['warmup_seconds']} s")
        print(f"running {args.sessions} sessions at once…", flush=True)
        log_start = len(server.log_path.read_text(errors="replace"))
        cpu_before = cpu_seconds(server.pid)
        started = time.perf_counter()
        with MemorySampler(server.pid) as sampler:
            results = run_async(
                lambda: run_sessions(server.url, args.sessions, timeout_s=args.timeout), timeout=args.timeout + 60
            )
        figures["wall_seconds"] = round(time.perf_counter() - started, 1)
        figures["after_sessions_kib"] = memory_kib(server.pid)
        figures["sampled_peak_rss_kib"] = sampler.peak_kib
        figures["server_cpu_seconds"] = round(cpu_seconds(server.pid) - cpu_before, 1)
        # The app logs each run's own training time: the server's share of the "train" step.
        fits = [float(t) for t in FIT_LOG.findall(server.log_path.read_text(errors="replace")[log_start:])]
        if fits:
            figures["fit_seconds"] = {"median": round(statistics.median(fits), 1), "max": round(max(fits), 1)}
    failed = [r for r in results if r.error]
    leaked = [r for r in results if r.error is None and not r.isolated]
    figures.update(
        finished=sum(r.error is None for r in results),
        saw_another_session=len(leaked),
        errors=[f"session {r.index}: {r.error}" for r in failed],
        steps=_steps(results),
    )

    print()
    print(f"Load test: {args.sessions} concurrent browser sessions (headless Chromium) against one server")
    print(f"  wall time of the concurrent part   {figures['wall_seconds']} s")
    for step, label in (("loaded", "load the demo"), ("trained", "train"), ("recommended", "recommend")):
        if step in figures["steps"]:
            s = figures["steps"][step]
            print(f"  {label:<34} median {s['median']} s, max {s['max']} s")
    if "fit_seconds" in figures:
        s = figures["fit_seconds"]
        print(f"  of which training in the server    median {s['median']} s, max {s['max']} s (from the app's log)")
    available = round((os.cpu_count() or 1) * figures["wall_seconds"])
    print(f"  server CPU time                    {figures['server_cpu_seconds']} s of {available} s on all cores")
    print(f"  server RSS at start                {_mib(figures['rss_start_kib'])}")
    if "after_one_session_kib" in figures:
        print(f"  server peak RSS after one session  {_mib(figures['after_one_session_kib']['VmHWM'])}")
    print(f"  server peak RSS (VmHWM), {args.sessions} at once {_mib(figures['after_sessions_kib']['VmHWM']):>8}")
    print(f"  server RSS at the end              {_mib(figures['after_sessions_kib']['VmRSS'])}")
    print(f"  sessions finished                  {figures['finished']} of {args.sessions}")
    print(f"  sessions that saw another's model  {figures['saw_another_session']}")
    for r in results:
        state = "ok" if r.ok else (r.error or "saw another session's model")
        print(f"    session {r.index}: expected '{r.expected}', saw '{r.title_after_all or r.title}': {state}")
    if args.json:
        print(json.dumps(figures))
    return 0 if not failed and not leaked else 1


if __name__ == "__main__":
    sys.exit(main())
