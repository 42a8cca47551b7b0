"""Job leases through a real Redis: renewed while a slice is prepared, so a slow slice is not taken
over; taken over (not counted as an attempt) when its worker stops; and a worker that lost its job
can log nothing more of it."""

import threading
import time

import pytest

from memrag.ingest.redis_board import job_key
from memrag.ingest.redis_queue import GROUP, JOBS, log_key
from memrag.ingest.worker import JobRun, RetryPolicy
from memrag.memory.types import DocumentInput
from tests.helpers import extractions
from tests.ingest.rig import RedisRig

TEXTS = [f"Station {i} on the line is named after {name}." for i, name in enumerate(["Ada"] * 20)]
RECORDED = extractions({t: [(f"station {i}", "named after", "ada")] for i, t in enumerate(TEXTS)})
VISIBILITY_S = 1.0  # the heartbeat renews every third of it: wide enough for a loaded 2-core machine


def docs(count: int) -> list[DocumentInput]:
    return [DocumentInput(text=t, id=f"s{i}") for i, t in enumerate(TEXTS[:count])]


def advance_to_the_end(run: JobRun) -> None:
    while run.advance():
        pass


@pytest.fixture
def rig(tmp_path, redis_client):
    made = RedisRig(tmp_path, redis_client, RECORDED, RetryPolicy(VISIBILITY_S, 2, 0.05), workers=2)
    yield made
    made.close()


def test_a_slice_three_times_slower_than_the_visibility_timeout_completes_once_with_one_attempt(rig):
    slow, other = rig.workers
    rig.extractor.delay_s = 3 * VISIBILITY_S
    job = rig.jobs.submit_add("ns", docs(1))
    run = slow.take(block_ms=10)  # taken here, not in the thread: else `other` may read it first
    assert run is not None
    holder = threading.Thread(target=advance_to_the_end, args=(run,))
    holder.start()
    started = time.monotonic()
    while holder.is_alive():  # the other worker keeps trying to take abandoned jobs meanwhile
        assert other.step(block_ms=10) is False
    took = time.monotonic() - started
    rig.extractor.delay_s = 0.0
    done = rig.drain([job.id])[0]
    assert took >= 3 * VISIBILITY_S
    assert (done.status, done.indexed, done.attempts, done.takeovers) == ("done", 1, 1, 0)
    assert rig.extractor.calls[TEXTS[0]] == 1  # its extraction was paid once
    assert rig.client.xlen(log_key("ns")) == 1
    assert rig.client.hget(job_key(job.id), "worker") == slow.consumer.encode()


def test_a_worker_that_stops_is_taken_over_without_an_attempt_and_can_log_nothing_after(rig):
    stalled, other = rig.workers
    job = rig.jobs.submit_add("ns", docs(20))  # two slices
    run = stalled.take(block_ms=10)
    assert run is not None and run.advance() is True  # slice 0 logged; then the worker stalls
    time.sleep(VISIBILITY_S + 0.1)
    assert other.step(block_ms=10) is True  # taken over: slice 1 logged by the other worker
    assert run.advance() is False  # the stalled worker wakes up: its slice 1 is refused
    done = rig.drain([job.id])[0]
    assert (done.status, done.indexed, done.attempts, done.takeovers) == ("done", 20, 1, 1)
    assert rig.client.xlen(log_key("ns")) == 2
    assert rig.client.xpending(JOBS, GROUP)["pending"] == 0


def test_a_job_whose_workers_keep_dying_is_parked(rig):
    job = rig.jobs.submit_add("ns", docs(1))
    for n in range(4):  # taken, then abandoned (a worker killed before logging anything) ...
        assert rig.worker(f"doomed{n}").take(block_ms=10) is not None
        time.sleep(VISIBILITY_S + 0.05)
    run = rig.workers[0].take(block_ms=10)
    assert run is not None and run.advance() is False
    parked = rig.jobs.get(job.id)
    assert (parked.status, parked.attempts, parked.takeovers) == ("failed", 1, 4)
    assert "taken over 4 times" in parked.error
    assert rig.client.xpending(JOBS, GROUP)["pending"] == 0
