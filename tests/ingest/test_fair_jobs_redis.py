"""Redis mode, fair: jobs take turns a slice at a time through one preparing worker, so another
namespace's one-document job ends while a big job is still held; turns are neither attempts nor
takeovers, and per-document order holds across them.

The worker's extractor is a gate the test opens one slice at a time (tests/ingest/gate.py): how far
each job got is decided by the test, never by timing."""

import threading
from collections.abc import Iterator

import pytest
import redis

from memrag.ingest.applier import Applier
from memrag.ingest.jobs import Job
from memrag.ingest.redis_queue import GROUP, JOBS, RedisJobs
from memrag.ingest.worker import RetryPolicy, Worker
from memrag.memory.engine import Engine
from memrag.memory.indexing.prepare import Preparer
from memrag.memory.types import DocumentInput
from tests.helpers import extractions, make_engine
from tests.ingest.gate import GatedExtractor

TEXTS = [f"Note {i} says item{i} links to item{i + 1}." for i in range(100)]
UPDATED = "Note 20 was rewritten: item20 now links to item0."
RECORDED = extractions({t: [(f"item{i}", "links to", f"item{i + 1}")] for i, t in enumerate(TEXTS)})
RECORDED.update(extractions({UPDATED: [("item20", "links to", "item0")]}))
DOCS = [DocumentInput(text=t, id=f"n{i}") for i, t in enumerate(TEXTS)]
POLICY = RetryPolicy(visibility_s=30.0, max_attempts=2, backoff_s=0.05)  # no takeover within a test


class OneWorker:
    """Engines per namespace, ONE preparing worker (stepped in a thread, behind the gate) and the writer
    (stepped by the test)."""

    def __init__(self, tmp_path, client: redis.Redis, gate: GatedExtractor) -> None:
        self.engines = {ns: make_engine(tmp_path / ns, RECORDED) for ns in ("a", "b")}
        base = self.engines["a"].preparer
        self.worker = Worker(client, Preparer(base.embedder, gate, base.chunker), "w0", POLICY)
        self.applier = Applier(client, self.engine_for, tmp_path / "positions")
        self.jobs = RedisJobs(client)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self.worker.run, args=(self._stop,), daemon=True)
        self._thread.start()

    def engine_for(self, namespace: str) -> Engine:
        return self.engines[namespace]

    def apply_until_ended(self, job_id: str, steps: int = 20) -> Job:
        """Apply what is logged (a bounded number of writer steps: what is not logged yet never ends)."""
        for _ in range(steps):
            self.applier.step(block_ms=10)
            job = self.jobs.get(job_id)
            if job.status in ("done", "failed"):
                return job
        raise AssertionError(f"job did not end: {self.jobs.get(job_id)}")

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=20)
        self.applier.close()
        for engine in self.engines.values():
            engine.close()


@pytest.fixture
def gate() -> GatedExtractor:
    return GatedExtractor(RECORDED)


@pytest.fixture
def rig(tmp_path, redis_client, gate) -> Iterator[OneWorker]:
    made = OneWorker(tmp_path, redis_client, gate)
    yield made
    gate.open(1000)  # a worker left at the gate can finish its slice and stop
    made.close()


def _text(engine: Engine, doc_id: str) -> str:
    return engine.store.get_passages(list(engine.get(doc_id).passage_ids))[0].text


def test_a_one_document_job_ends_between_the_slices_of_another_namespaces_big_job(rig, gate, redis_client):
    big = rig.jobs.submit_add("a", DOCS[:64])  # four slices
    gate.wait_for_call(1)  # the worker prepares its first slice ...
    one = rig.jobs.submit_add("b", DOCS[64:65])  # ... when another namespace sends one document
    gate.open(2)  # A's first slice, then one more slice: B's (FIFO would prepare A's second)
    gate.wait_for_call(3)  # the worker is back at the gate: A's next turn
    assert gate.extracted == TEXTS[:16] + TEXTS[64:65]
    assert rig.apply_until_ended(one.id).indexed == 1
    held = rig.jobs.get(big.id)
    assert (held.status, held.applied_slices) == ("running", 1)
    gate.open(1000)
    done = rig.apply_until_ended(big.id, steps=200)
    assert (done.status, done.indexed, done.attempts, done.takeovers) == ("done", 64, 1, 0)  # turns are neither
    assert sorted(gate.extracted) == sorted(TEXTS[:65])  # each slice prepared once
    assert redis_client.xpending(JOBS, GROUP)["pending"] == 0


def test_a_job_alone_keeps_its_hold_and_takes_no_turns(rig, gate, redis_client):
    big = rig.jobs.submit_add("a", DOCS[:48])  # three slices, nothing else waiting
    entries = [entry_id for entry_id, _ in redis_client.xrange(JOBS)]
    gate.open(1000)
    done = rig.apply_until_ended(big.id, steps=200)
    assert (done.status, done.indexed, done.attempts) == ("done", 48, 1)
    assert [entry_id for entry_id, _ in redis_client.xrange(JOBS)] == entries  # never sent to the back


def test_turns_keep_each_document_in_submission_order(rig, gate):
    first = rig.jobs.submit_add("a", DOCS[:48])  # three slices, n20 in the second
    gate.wait_for_call(1)
    between = [
        rig.jobs.submit_add("b", DOCS[64:65]),
        rig.jobs.submit_add("a", [DocumentInput(text=UPDATED, id="n20")]),  # newer than first's n20
        rig.jobs.submit_add("a", DOCS[50:51]),  # logged while first still writes: the mark stays below it
    ]
    gate.open(1000)  # turns: first's slice 0, the three jobs, then first's slices 1 and 2
    ended = [rig.apply_until_ended(j.id, steps=200) for j in [first, *between]]
    assert [j.status for j in ended] == ["done"] * 4
    assert (ended[0].indexed, ended[0].superseded) == (47, 1)  # its older n20 lost to the update
    assert _text(rig.engines["a"], "n20") == UPDATED
    assert len(rig.engines["a"].list_documents()) == 49
