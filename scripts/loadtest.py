"""A room full of people on one server: ``python scripts/loadtest.py [--sessions 30]``.

Starts ``streamlit run app.py`` on a free port bound to 127.0.0.1 and drives headless Chromium:
first one warm-up session, then ``--sessions`` browser contexts of one Chromium (30 by default,
at most 40), each a separate Streamlit session. Each loads the demo dataset and sets its own
training settings (factors, epochs, seed); when all are ready they press Train model within a
second, then switch between the User and Embeddings screens until their model is ready, open
their recommendations and the map, and, once every session is done, check that their Train
screen still shows their own settings (else they saw another session's model).

Reports finished sessions, wrong-model sightings, the server's training queue (waits from the
app's log, most runs at once), the time from pressing Train to the model, tab-switch response
times while the session's run was queued, and the server's resident memory over time. The
server's queue size is ``--max-jobs`` (the app's ``CF_MAX_JOBS``; default: the app's own
default, the number of cores). Bounded by ``--timeout``; the server is stopped at the end.
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
    RoomResult,
    cpu_seconds,
    memory_kib,
    missing_browser_reason,
    run_async,
    run_room,
    run_sessions,
)
from ui.jobs.training import WARM_UP_DONE  # noqa: E402

MAX_SESSIONS = 40
FIT_LOG = re.compile(r"trained \d+ epochs of .*? in ([0-9.]+) s")
"""The app's log line for a finished training run (ui/jobs/training.py)."""
JOB_LOG = re.compile(r"the job took ([0-9.]+) s: ([0-9.]+) s before scoring, ([0-9.]+) s scoring")
"""The same line's whole job (from its turn in the queue to the end) and its parts."""
PHASES_LOG = re.compile(r"; phases: ([^;]*); this thread's CPU ([0-9.]+) s")
"""The same line's phases of the fit ("item_model 0.31, warm_up 0.00, …") and the job thread's CPU seconds."""
DRAW_LOG = re.compile(r"drew the (\w+) screen in ([0-9.]+) s")
"""The app's line per page run with ``CF_LOG_RUNS=1``: the server's side of a tab switch."""
QUEUE_LOG = re.compile(r"cf-train-\d+ started after ([0-9.]+) s in the queue; (\d+) running")
"""The app's log line when a queued training run starts (ui/jobs/base.py)."""


def spread(values: list[float], p95: bool = False) -> dict[str, float]:
    """Median and max (and the 95th percentile) of ``values``, rounded."""
    if not values:
        return {}
    ordered = sorted(values)
    out = {"median": round(statistics.median(ordered), 2), "max": round(ordered[-1], 2), "n": len(ordered)}
    if p95:
        out["p95"] = round(ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))], 2)
    return out


def memory_series(samples: list[tuple[float, int]], points: int = 10) -> list[tuple[float, int]]:
    """About ``points`` evenly spaced (seconds, MiB) samples of the server's RSS."""
    if not samples:
        return []
    step = max(1, len(samples) // points)
    chosen = samples[::step] + ([samples[-1]] if (len(samples) - 1) % step else [])
    return [(round(t), round(kib / 1024)) for t, kib in chosen]


def lower_browser_priority(nice: int) -> None:
    """Run this process and the browsers it starts from now on at a lower CPU priority than the server.

    The server runs in its own session (``AppServer``); where the kernel groups the CPU by session
    (``/proc/sys/kernel/sched_autogroup_enabled``), a plain nice value only counts inside a group,
    so the group's own nice value is set as well.
    """
    os.nice(nice)
    autogroup = Path("/proc/self/autogroup")
    if autogroup.exists():
        try:
            autogroup.write_text(str(nice))
        except OSError as error:
            print(f"could not lower the browsers' group priority ({error}): only their nice value", file=sys.stderr)


def phase_medians(found: list[tuple[str, str]]) -> dict[str, float]:
    """The median seconds of each phase the jobs logged ("item_model 0.31, warm_up 0.00, …")."""
    seconds: dict[str, list[float]] = {}
    for phases, _ in found:
        for part in phases.split(", "):
            name, _, value = part.rpartition(" ")
            seconds.setdefault(name, []).append(float(value))
    return {name: round(statistics.median(values), 2) for name, values in seconds.items()}


def room_figures(results: list[RoomResult], log_text: str) -> dict:
    """What the sessions saw and what the server logged, as plain numbers."""
    ok = [r for r in results if r.error is None]
    pressed = [r.pressed_at for r in results if r.pressed_at]
    waits = [(float(w), int(n)) for w, n in QUEUE_LOG.findall(log_text)]
    switches = [s for r in results for s in r.switches]
    return {
        "finished": len(ok),
        "wrong_model": sum(1 for r in ok if not r.isolated),
        "press_spread_seconds": round(max(pressed) - min(pressed), 2) if pressed else None,
        "queue_wait_seconds": spread([w for w, _ in waits]),
        "most_runs_at_once": max((n for _, n in waits), default=0),
        "fit_seconds": spread([float(t) for t in FIT_LOG.findall(log_text)]),
        "job_seconds": spread([float(t) for t, _, _ in JOB_LOG.findall(log_text)]),
        "scoring_seconds": spread([float(t) for _, _, t in JOB_LOG.findall(log_text)]),
        "job_phase_seconds": phase_medians(PHASES_LOG.findall(log_text)),
        "job_thread_cpu_seconds": spread([float(cpu) for _, cpu in PHASES_LOG.findall(log_text)]),
        "press_to_model_seconds": spread([r.trained_seconds for r in ok if r.trained_seconds is not None]),
        "switch_seconds_queued": spread([s for _, s, queued in switches if queued], p95=True),
        "switch_seconds_until_model": spread([s for _, s, _ in switches], p95=True),
        "server_draw_seconds": spread([float(t) for _, t in DRAW_LOG.findall(log_text)], p95=True),
        "lost_clicks": sum(r.lost_clicks for r in results),
        "errors": [f"session {r.index}: {r.error}" for r in results if r.error],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sessions", type=int, default=30, help=f"sessions at once (default 30, at most {MAX_SESSIONS})"
    )
    parser.add_argument("--max-jobs", type=int, default=None, help="the server's CF_MAX_JOBS (default: its own)")
    parser.add_argument("--pause", type=float, default=1.0, help="seconds between a session's tab switches (1)")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds for the concurrent part (default 900)")
    parser.add_argument(
        "--action-timeout", type=float, default=60.0, help="seconds a page load or click may take (default 60)"
    )
    parser.add_argument(
        "--browser-nice",
        type=int,
        default=0,
        help="run the browsers at this lower CPU priority (nice, 0-19): in a real room each person's browser "
        "runs on their own computer, not on the server's cores (default 0: the browsers compete with the server)",
    )
    parser.add_argument("--no-warmup", action="store_true", help="skip the single warm-up session")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object too")
    args = parser.parse_args(argv)
    if not 1 <= args.sessions <= MAX_SESSIONS:
        parser.error(f"--sessions must be between 1 and {MAX_SESSIONS}")
    reason = missing_browser_reason()
    if reason:
        print(f"cannot run the load test: {reason}", file=sys.stderr)
        return 2
    env = {"CF_MAX_JOBS": str(args.max_jobs)} if args.max_jobs else {}
    env["CF_WARM_UP"] = "0" if args.no_warmup else "1"
    env["CF_LOG_RUNS"] = "1"
    figures: dict = {
        "sessions": args.sessions,
        "max_jobs": args.max_jobs or "default",
        "cores": os.cpu_count(),
        "browser_nice": args.browser_nice,
    }
    with AppServer(env=env) as server:
        print(f"server pid {server.pid} at {server.url} (localhost only)", flush=True)
        figures["rss_start_mib"] = round(memory_kib(server.pid)["VmRSS"] / 1024)
        if not args.no_warmup:
            warm = run_async(lambda: run_sessions(server.url, 1, timeout_s=300), timeout=360)
            server.wait_for_log(WARM_UP_DONE)
            print(f"warm-up session: {'ok' if warm[0].ok else warm[0].error}", flush=True)
        if args.browser_nice:
            lower_browser_priority(args.browser_nice)
        print(f"running {args.sessions} sessions at once…", flush=True)
        log_start = len(server.log_path.read_text(errors="replace"))
        cpu_before, started = cpu_seconds(server.pid), time.perf_counter()
        with MemorySampler(server.pid, every=1.0) as sampler:
            results = run_async(
                lambda: run_room(
                    server.url,
                    args.sessions,
                    timeout_s=args.timeout,
                    pause_s=args.pause,
                    action_timeout_s=args.action_timeout,
                ),  # fmt: skip
                timeout=args.timeout * 2 + 120,
            )
        figures["wall_seconds"] = round(time.perf_counter() - started, 1)
        figures["server_cpu_seconds"] = round(cpu_seconds(server.pid) - cpu_before, 1)
        figures["rss_peak_mib"] = round(sampler.peak_kib / 1024)
        figures["rss_end_mib"] = round(memory_kib(server.pid)["VmRSS"] / 1024)
        figures["rss_over_time"] = memory_series(sampler.samples)
        figures.update(room_figures(results, server.log_path.read_text(errors="replace")[log_start:]))
    report(figures, results)
    if args.json:
        print(json.dumps(figures))
    return 0 if figures["finished"] == args.sessions and not figures["wrong_model"] else 1


def report(figures: dict, results: list[RoomResult]) -> None:
    def line(label: str, value: object) -> None:
        print(f"  {label:<44} {value}")

    def times(s: dict) -> str:
        if not s:
            return "–"
        p95 = f", p95 {s['p95']} s" if "p95" in s else ""
        return f"median {s['median']} s{p95}, max {s['max']} s ({s['n']})"

    print()
    print(f"A room: {figures['sessions']} sessions (browser contexts of one headless Chromium), one server")
    line("training queue size (CF_MAX_JOBS)", figures["max_jobs"])
    line("browsers' CPU priority (nice)", figures["browser_nice"])
    line("sessions finished", f"{figures['finished']} of {figures['sessions']}")
    line("sessions that saw another's model", figures["wrong_model"])
    line("all pressed Train within", f"{figures['press_spread_seconds']} s")
    line("most runs training at once (server log)", figures["most_runs_at_once"])
    line("wait in the queue (server log)", times(figures["queue_wait_seconds"]))
    line("training in the server (server log)", times(figures["fit_seconds"]))
    line("whole job: data, training, scoring (log)", times(figures["job_seconds"]))
    line("scoring the model (server log)", times(figures["scoring_seconds"]))
    phases = ", ".join(f"{name} {value}" for name, value in figures["job_phase_seconds"].items())
    line("job phases, median s (server log)", phases or "–")
    line("job thread's own CPU (server log)", times(figures["job_thread_cpu_seconds"]))
    line("Train pressed to model shown (header)", times(figures["press_to_model_seconds"]))
    line("tab switch while its run was queued", times(figures["switch_seconds_queued"]))
    line("tab switch until its model was ready", times(figures["switch_seconds_until_model"]))
    line("page run on the server (log)", times(figures["server_draw_seconds"]))
    line("tab clicks lost (clicked again after 10 s)", figures["lost_clicks"])
    line("wall time / server CPU", f"{figures['wall_seconds']} s / {figures['server_cpu_seconds']} s")
    rss = f"{figures['rss_start_mib']} / {figures['rss_peak_mib']} / {figures['rss_end_mib']} MiB"
    line("server RSS start / peak / end", rss)
    line("server RSS over time (s: MiB)", ", ".join(f"{t}: {m}" for t, m in figures["rss_over_time"]))
    for error in figures["errors"]:
        print(f"    {error}")


if __name__ == "__main__":
    sys.exit(main())
