"""Jobs through a real Redis: worker (prepare) and applier (write) loops driven step by step."""

import json
import time
from collections.abc import Sequence

import pytest

from memrag.ingest.applier import Applier
from memrag.ingest.job_stats import FinishedJobs
from memrag.ingest.jobs import DocumentState, new_job
from memrag.ingest.redis_board import input_key
from memrag.ingest.redis_queue import GROUP, JOBS, RedisJobs, changes_key
from memrag.ingest.worker import RetryPolicy, Worker
from memrag.memory.errors import ModelError, NotFound
from memrag.memory.indexing.prepare import Preparer
from memrag.memory.params import RetrievalParams
from memrag.memory.ports import Extractor
from memrag.memory.types import DocumentInput, Extraction
from tests.helpers import extractions, graph_signature, make_engine, ranking_signature, record_count

TABLE = {
    f"Document {i}: {a} met {b} in {c}.": [(a, "met", b), (b, "lives in", c)]
    for i, (a, b, c) in enumerate(
        [
            ("ada", "charles", "london"),
            ("charles", "mary", "paris"),
            ("mary", "percy", "geneva"),
            ("percy", "lord byron", "geneva"),
            ("lord byron", "ada", "london"),
            ("john", "mary", "paris"),
        ]
        * 4
    )
}
RECORDED = extractions(TABLE)
DOCS = [DocumentInput(text=t, id=f"doc{i}") for i, t in enumerate(TABLE)]
FAST = RetryPolicy(visibility_s=0.2, max_attempts=3, backoff_s=0.05)


class Rig:
    """One namespace's writer engine plus worker/applier loops over the test Redis."""

    def __init__(self, tmp_path, client, extractor: Extractor | None = None):
        """The worker extracts with `extractor` when one is given, else as the engine does."""
        self.engine = make_engine(tmp_path / "store", RECORDED)
        self.jobs = RedisJobs(client)
        self.client = client
        preparer = self.engine.preparer
        if extractor is not None:
            preparer = Preparer(preparer.embedder, extractor, preparer.chunker)
        self.worker = Worker(client, preparer, "w1", FAST)
        self.applier = Applier(client, lambda ns: self.engine, tmp_path / "positions")

    def drain(self, job_id, limit=200):
        for _ in range(limit):
            self.worker.step(block_ms=10)
            self.applier.step(block_ms=10)
            job = self.jobs.get(job_id)
            if job.status in ("done", "failed"):
                return job
        raise AssertionError(f"job {job_id} did not finish: {self.jobs.get(job_id)}")


def test_a_job_goes_through_redis_and_equals_adding_directly(tmp_path, redis_client):
    rig = Rig(tmp_path, redis_client)
    job = rig.jobs.submit_add("ns", DOCS)
    assert job.slices == 2 and rig.jobs.board.document_state("ns", "doc3") == DocumentState("queued", job.id)
    done = rig.drain(job.id)
    assert (done.status, done.indexed, done.unchanged, done.errors) == ("done", len(DOCS), 0, {})
    assert rig.jobs.board.document_state("ns", "doc3") == DocumentState("indexed", job.id)
    direct = make_engine(tmp_path / "direct", RECORDED)
    direct.add(DOCS)
    assert graph_signature(rig.engine) == graph_signature(direct)
    query = "where does mary live"
    params = RetrievalParams()
    assert ranking_signature(rig.engine.rank(query, params)) == ranking_signature(direct.rank(query, params))
    events = redis_client.xrange(changes_key("ns"))
    announced = sorted(d for _, e in events for d in json.loads(e[b"documents"]))
    assert announced == sorted(f"doc{i}" for i in range(len(DOCS)))


def test_a_redelivered_job_and_a_slice_logged_twice_change_nothing(tmp_path, redis_client):
    rig = Rig(tmp_path, redis_client)
    job = rig.jobs.submit_add("ns", DOCS[:5])
    rig.drain(job.id)
    before = (
        graph_signature(rig.engine),
        record_count(rig.engine.store.passages),
        record_count(rig.engine.store.entities),
    )
    assert redis_client.get(input_key(job.id)) is None  # the job is done: its input is gone from Redis
    redis_client.xadd(JOBS, {"job": job.id})  # delivered again: the worker finds it done, logs nothing
    assert rig.worker.step(block_ms=10) is True and redis_client.xlen("memrag:log:ns") == 1
    (_, entry), *_ = redis_client.xrange("memrag:log:ns")
    redis_client.hdel(f"memrag:job:{job.id}", "slice:0")  # as if the slice had never been recorded ...
    redis_client.xadd("memrag:log:ns", entry)  # ... and its entry were logged a second time
    again = rig.drain(job.id)
    assert again.status == "done" and again.unchanged == 5 and again.indexed == 0
    after = (
        graph_signature(rig.engine),
        record_count(rig.engine.store.passages),
        record_count(rig.engine.store.entities),
    )
    assert after == before


def test_a_job_abandoned_by_a_dead_worker_is_taken_over(tmp_path, redis_client):
    rig = Rig(tmp_path, redis_client)
    job = rig.jobs.submit_add("ns", DOCS[:3])
    taken = redis_client.xreadgroup(GROUP, "dead-worker", {JOBS: ">"}, count=1)  # read, never acknowledged
    assert taken
    assert rig.worker.step(block_ms=10) is False  # not idle long enough yet: not stolen
    time.sleep(FAST.visibility_s + 0.1)
    done = rig.drain(job.id)
    assert done.status == "done" and done.indexed == 3
    assert redis_client.xpending(JOBS, GROUP)["pending"] == 0


class _Broken:
    """An extractor whose model is down."""

    name = "broken"

    def extract(self, texts: Sequence[str]) -> list[Extraction]:
        raise RuntimeError("model server unreachable")


def test_a_failing_job_is_retried_with_backoff_then_parked_with_its_reason(tmp_path, redis_client):
    rig = Rig(tmp_path, redis_client, extractor=_Broken())
    job = rig.jobs.submit_add("ns", DOCS[:2])
    started = time.monotonic()
    failed = rig.drain(job.id, limit=400)
    assert failed.status == "failed" and failed.attempts == FAST.max_attempts
    assert "model server unreachable" in failed.error and "3 times" in failed.error
    assert time.monotonic() - started >= FAST.backoff_s * (1 + 2)  # two backoffs: 0.05 s, then 0.1 s
    assert rig.engine.list_documents() == []
    assert redis_client.get(input_key(job.id)) is None  # parked: its input is gone from Redis
    assert FinishedJobs(redis_client).read()[("add", "failed")] == 1  # counted by the worker that parked it


def test_a_document_whose_extraction_fails_is_reported_and_the_rest_indexed(tmp_path, redis_client):
    class FailsOn:
        name = "fails-on-document-1"

        def extract(self, texts: Sequence[str]) -> list[Extraction]:
            if any("Document 1:" in t for t in texts):
                raise ModelError("HTTP 500 from the model")
            return [RECORDED[t] for t in texts]

    rig = Rig(tmp_path, redis_client, extractor=FailsOn())
    done = rig.drain(rig.jobs.submit_add("ns", DOCS[:3]).id)
    assert done.status == "done" and done.indexed == 2
    assert "HTTP 500" in done.errors["doc1"]
    state = rig.jobs.board.document_state("ns", "doc1")
    assert state is not None and state.status == "failed" and "HTTP 500" in state.reason


def test_update_and_delete_go_through_the_log_in_order(tmp_path, redis_client):
    rig = Rig(tmp_path, redis_client)
    rig.drain(rig.jobs.submit_add("ns", DOCS[:4]).id)
    new_text = DOCS[5].text
    rig.drain(rig.jobs.submit_add("ns", [DocumentInput(text=new_text, id="doc0")]).id)
    assert rig.engine.store.get_passages(list(rig.engine.get("doc0").passage_ids))[0].text == new_text
    deleted = rig.drain(rig.jobs.submit_delete("ns", ["doc0", "doc1"]).id)
    assert deleted.deleted == 2 and rig.jobs.board.document_state("ns", "doc1") == DocumentState("deleted", deleted.id)
    with pytest.raises(NotFound):
        rig.engine.get("doc0")
    reference = make_engine(tmp_path / "reference", RECORDED)
    reference.add(DOCS[2:4])
    assert graph_signature(rig.engine) == graph_signature(reference)


def test_job_inputs_are_kept_for_workers(tmp_path, redis_client):
    rig = Rig(tmp_path, redis_client)
    job = rig.jobs.submit_add("ns", [DocumentInput(text="untitled text with no id")])
    stored = json.loads(redis_client.get(input_key(job.id)))
    assert stored[0]["id"] and stored[0]["text"] == "untitled text with no id"


def test_a_damaged_log_entry_fails_its_job_and_the_log_goes_on(tmp_path, redis_client):
    rig = Rig(tmp_path, redis_client)
    poisoned = new_job("ns", "add", 1)
    rig.jobs.board.create(poisoned, ["doc0"])  # known to the board, its log entry damaged
    redis_client.sadd("memrag:namespaces", "ns")
    redis_client.xadd("memrag:log:ns", {"job": poisoned.id, "slice": "0", "kind": "batch", "batch": b"\x00garbage"})
    good = rig.jobs.submit_add("ns", DOCS[1:3])
    assert rig.drain(good.id).indexed == 2
    failed = rig.jobs.get(poisoned.id)
    assert (
        failed.status == "failed" and "could not be applied" in failed.error and "not a prepared batch" in failed.error
    )
    finished = FinishedJobs(redis_client).read()  # counted by the applier that failed or ended each job
    assert (finished[("add", "failed")], finished[("add", "done")]) == (1, 1)


def test_a_change_of_metadata_alone_is_applied_and_announced(tmp_path, redis_client):
    rig = Rig(tmp_path, redis_client)
    text = DOCS[0].text
    rig.drain(rig.jobs.submit_add("ns", [DocumentInput(text=text, id="doc0", metadata={"v": 1})]).id)
    job = rig.drain(rig.jobs.submit_add("ns", [DocumentInput(text=text, id="doc0", metadata={"v": 2})]).id)
    assert (job.status, job.indexed, job.unchanged) == ("done", 1, 0)
    assert rig.engine.get("doc0").metadata == {"v": 2}
    last = redis_client.xrevrange(changes_key("ns"), count=1)[0][1]
    assert json.loads(last[b"documents"]) == ["doc0"]
