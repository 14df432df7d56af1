"""The server-wide job queue: slots, arrival order, places, leaving, estimates, threads per job."""

from __future__ import annotations

import threading

import pytest

from cf import jobs
from cf.jobs import CANCELLED, DONE, RUNNING, WAITING, JobQueue, QueueError


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_at_most_slots_run_and_the_rest_start_in_arrival_order():
    queue = JobQueue(2)
    tickets = [queue.enter(f"s{i}") for i in range(5)]
    assert [t.state for t in tickets] == [RUNNING, RUNNING, WAITING, WAITING, WAITING]
    assert [t.place().position for t in tickets[2:]] == [1, 2, 3]
    assert queue.counts() == (2, 3)
    tickets[1].release()
    assert tickets[1].state == DONE
    assert [t.state for t in tickets[2:]] == [RUNNING, WAITING, WAITING]
    assert tickets[3].place().position == 1
    tickets[0].release()
    tickets[2].release()
    assert [t.state for t in tickets[3:]] == [RUNNING, RUNNING]
    assert queue.counts() == (2, 0)


def test_one_ticket_per_owner_until_it_is_over():
    queue = JobQueue(4)
    first = queue.enter("alice")
    with pytest.raises(QueueError, match="already has a job"):
        queue.enter("alice")
    queue.enter("bob")  # others are not affected
    first.release()
    assert queue.enter("alice").state == RUNNING


def test_leaving_the_queue_moves_the_others_up_and_frees_the_owner():
    queue = JobQueue(1)
    running = queue.enter("a")
    b, c = queue.enter("b"), queue.enter("c")
    assert b.cancel() is True
    assert b.state == CANCELLED and b.wait(0) is False
    assert c.place().position == 1
    assert b.cancel() is False and running.cancel() is False  # only a waiting ticket can leave
    assert queue.enter("b").place().position == 2
    running.release()
    assert c.state == RUNNING and c.place() is None


def test_waiting_threads_start_in_the_order_they_came():
    queue = JobQueue(1)
    gate = queue.enter("first")
    order: list[str] = []
    entered = [threading.Event() for _ in range(4)]
    threads = []

    def job(name: str, index: int) -> None:
        ticket = queue.enter(name)
        entered[index].set()
        if ticket.wait(timeout=30):
            order.append(name)
            ticket.release()

    for index in range(4):  # each thread enters only after the previous one did: a known arrival order
        thread = threading.Thread(target=job, args=(f"s{index}", index))
        thread.start()
        threads.append(thread)
        assert entered[index].wait(30)
    assert queue.counts() == (1, 4)
    gate.release()
    for thread in threads:
        thread.join(30)
    assert order == ["s0", "s1", "s2", "s3"]
    assert queue.counts() == (0, 0)


def test_a_cancelled_waiter_wakes_up_without_running():
    queue = JobQueue(1)
    queue.enter("busy")
    ticket = queue.enter("me")
    outcome: list[bool] = []
    thread = threading.Thread(target=lambda: outcome.append(ticket.wait(timeout=30)))
    thread.start()
    ticket.cancel()
    thread.join(30)
    assert outcome == [False]


def test_estimates_come_from_recent_durations():
    clock = Clock()
    queue = JobQueue(2, clock=clock)
    a, _ = queue.enter("a"), queue.enter("b")
    c = queue.enter("c")
    assert c.place().eta is None  # nothing finished yet: no estimate
    clock.now += 10
    a.release()  # 10 s; c starts
    assert c.state == RUNNING and c.waited == 10
    d, e, f = queue.enter("d"), queue.enter("e"), queue.enter("f")
    assert queue.typical_seconds() == 10
    # b has run 10 s (done in 0 s by the median), c 0 s (done in 10 s)
    assert d.place().eta == 0
    assert e.place().eta == 10  # c's slot frees next
    assert f.place().eta == 10  # d (started at 0) ends at 10 too
    clock.now += 4
    assert e.place().eta == 6
    place = f.place()
    assert (place.position, place.waiting, place.running) == (3, 3, 2)


def test_slots_from_the_environment():
    assert jobs.slots_from_env({}) == jobs.cores()
    assert jobs.slots_from_env({jobs.SLOTS_ENV: " 3 "}) == 3
    for bad, message in (("two", "not a whole number"), ("0", "at least one")):
        with pytest.raises(QueueError, match=message):
            jobs.slots_from_env({jobs.SLOTS_ENV: bad})


def test_threads_per_job_share_the_cores():
    assert jobs.threads_per_job(1, available=8) == 8
    assert jobs.threads_per_job(3, available=8) == 2
    assert jobs.threads_per_job(16, available=8) == 1


def test_jobs_on_small_data_take_half_a_slot_and_still_start_in_arrival_order():
    queue = JobQueue(2)
    small = [queue.enter(f"small{i}", jobs.slot_share(100_836)) for i in range(4)]  # latest-small's size
    large = queue.enter("large", jobs.slot_share(5_000_000))
    after = queue.enter("small-after", jobs.slot_share(100_836))
    assert [t.state for t in small] == [RUNNING] * 4  # four small ones fill the two slots
    assert large.state == WAITING and large.place().position == 1
    small[0].release()  # half a slot free: the large job, first in line, still waits, and so does the one behind it
    assert large.state == WAITING and after.state == WAITING
    small[1].release()
    assert large.state == RUNNING and after.state == WAITING  # a whole slot for the large job, none left
    small[2].release()
    assert after.state == RUNNING
    assert queue.counts() == (3, 0)


def test_slot_shares_by_data_size_and_their_bounds():
    assert jobs.slot_share(jobs.SMALL_JOB_RATINGS - 1) == 0.5
    assert jobs.slot_share(jobs.SMALL_JOB_RATINGS) == 1.0
    queue = JobQueue(1)
    for share in (0.0, -0.5, 1.5):
        with pytest.raises(QueueError, match="share of a slot"):
            queue.enter("someone", share)
