"""Redis mode's bound on documents waiting: counted in Redis at submission (refused past the limits,
writing nothing), given back once when a job ends — done at the writer, failed at the writer, or
parked by a worker — whoever ends it and however often its end is counted."""

import pytest

from memrag.ingest.bounds import QueueLimits
from memrag.ingest.job_stats import FinishedJobs
from memrag.ingest.redis_queue import JOBS, NAMESPACES, RedisJobs, log_key
from memrag.ingest.worker import RetryPolicy
from memrag.memory.errors import InvalidInput, QueueFull
from memrag.memory.types import DocumentInput
from tests.helpers import extractions
from tests.ingest.rig import RedisRig

TEXTS = [f"Log {i}: server{i} calls server{i + 1}." for i in range(12)]
RECORDED = extractions({t: [(f"server{i}", "calls", f"server{i + 1}")] for i, t in enumerate(TEXTS)})
DOCS = [DocumentInput(text=t, id=f"s{i}") for i, t in enumerate(TEXTS)]
FAST = RetryPolicy(visibility_s=0.2, max_attempts=2, backoff_s=0.01)


@pytest.fixture
def rig(tmp_path, redis_client):
    made = RedisRig(tmp_path, redis_client, RECORDED, FAST, workers=1)
    made.jobs = RedisJobs(redis_client, QueueLimits(total=10, per_namespace=6, retry_after_s=9))
    yield made
    made.close()


def test_submissions_past_the_limits_are_refused_and_write_nothing(rig):
    first = rig.jobs.submit_add("a", DOCS[:4])
    with pytest.raises(QueueFull, match="namespace 'a' has 4 documents waiting") as full:
        rig.jobs.submit_add("a", DOCS[4:7])
    assert full.value.retry_after_s == 9
    assert rig.client.xlen(JOBS) == 1 and rig.jobs.board.document_state("a", "s4") is None
    assert rig.jobs.waiting_documents("a") == 4
    second = rig.jobs.submit_add("b", DOCS[4:10])
    with pytest.raises(QueueFull, match="10 documents wait to be indexed"):
        rig.jobs.submit_add("c", DOCS[10:11])
    with pytest.raises(InvalidInput, match="send it in smaller jobs"):
        rig.jobs.submit_add("c", DOCS[:7])
    deletion = rig.jobs.submit_delete("c", ["s0"])  # never refused
    assert (rig.jobs.waiting_documents(), rig.client.xlen(JOBS)) == (10, 3)
    ended = rig.drain([first.id, second.id, deletion.id])
    assert [j.status for j in ended] == ["done"] * 3
    assert rig.jobs.waiting_documents() == rig.jobs.waiting_documents("a") == rig.jobs.waiting_documents("b") == 0
    assert rig.jobs.submit_add("c", DOCS[6:12]).documents == 6  # room again


def test_the_count_is_given_back_once_whether_a_job_is_done_parked_or_failed_by_the_writer(rig):
    done = rig.jobs.submit_add("a", DOCS[:3])
    rig.extractor.fail_next(TEXTS[3], times=2)  # both attempts fail: the worker parks it
    parked = rig.jobs.submit_add("a", DOCS[3:4])
    assert rig.jobs.waiting_documents("a") == 4
    ended = rig.drain([done.id, parked.id])
    assert [j.status for j in ended] == ["done", "failed"]
    assert rig.jobs.waiting_documents("a") == 0
    poisoned = rig.jobs.submit_add("a", DOCS[4:6])  # its log entry cannot be applied: the writer fails it
    rig.client.xadd(log_key("a"), {"job": poisoned.id, "slice": "0", "kind": "batch", "batch": b"not a batch"})
    rig.client.sadd(NAMESPACES, "a")
    rig.applier.step(block_ms=10)
    assert rig.jobs.get(poisoned.id).status == "failed"
    assert rig.jobs.waiting_documents("a") == rig.jobs.waiting_documents() == 0
    counted = FinishedJobs(rig.client)  # a replica ending the same jobs again gives nothing back twice
    for job, status in ((done, "done"), (parked, "failed"), (poisoned, "failed")):
        counted.count(job.id, status)
    assert rig.jobs.waiting_documents("a") == rig.jobs.waiting_documents() == 0
    assert rig.jobs.submit_add("a", DOCS[6:12]).documents == 6
