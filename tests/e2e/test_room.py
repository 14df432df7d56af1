"""A small room: three browser sessions press Train within a second on a server with one slot.

The same scenario as ``scripts/loadtest.py`` (30 sessions there): each session sees only its own
model, the server never trains more than its queue allows (two runs on the small demo data share
the slot, see ``cf.jobs.slot_share``), and every run waited its turn.
"""

from __future__ import annotations

import pytest

from scripts import loadtest
from tests.e2e import driver

SESSIONS = 3


@pytest.mark.timeout(400)
def test_three_sessions_press_train_at_once_and_queue_for_one_slot():
    reason = driver.missing_browser_reason()
    if reason:
        pytest.skip(reason)
    with driver.AppServer(env={"CF_MAX_JOBS": "1", "CF_WARM_UP": "1"}) as server:  # warmed up, as in production
        driver.warm_server(server)
        results = driver.run_async(
            lambda: driver.run_room(server.url, SESSIONS, timeout_s=300, pause_s=0.5), timeout=700
        )
        figures = loadtest.room_figures(results, server.log_path.read_text(errors="replace"))
        log = server.log_tail()
    assert figures["finished"] == SESSIONS, (figures["errors"], log)
    assert figures["wrong_model"] == 0, [(r.expected, r.title, r.title_after_all) for r in results]
    assert all(r.rows == 10 for r in results)
    assert figures["queue_wait_seconds"]["n"] == SESSIONS, log  # every run went through the queue
    assert figures["most_runs_at_once"] <= 2, log  # two halves of the one slot, never three
    assert figures["press_spread_seconds"] < 1.0
