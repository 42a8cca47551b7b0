"""Embedded mode, fair and bounded: namespaces take turns a slice at a time, documents waiting are
bounded (in all, per namespace) and given back when jobs end, and closing leaves the rest journaled.

The extractor of the engines here is a gate the test opens one slice at a time (tests/ingest/gate.py):
how far each job got is decided by the test, never by timing."""

import threading
import time

import pytest
from pydantic import ValidationError

from memrag.ingest.bounds import QueueLimits
from memrag.ingest.local_jobs import LocalJobs
from memrag.memory.engine import Engine
from memrag.memory.errors import InvalidInput, QueueFull
from memrag.memory.settings import Settings
from memrag.memory.types import DocumentInput
from tests.helpers import extractions, make_engine
from tests.ingest.gate import GatedExtractor

TEXTS = [f"Note {i} says item{i} links to item{i + 1}." for i in range(100)]
UPDATED = "Note 70 was rewritten: item70 now links to item0."
RECORDED = extractions({t: [(f"item{i}", "links to", f"item{i + 1}")] for i, t in enumerate(TEXTS)})
RECORDED.update(extractions({UPDATED: [("item70", "links to", "item0")]}))
DOCS = [DocumentInput(text=t, id=f"n{i}") for i, t in enumerate(TEXTS)]


def _wait(jobs: LocalJobs, job_id: str, limit_s: float = 10.0):
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        job = jobs.get(job_id)
        if job.status in ("done", "failed"):
            return job
        time.sleep(0.005)
    raise AssertionError(f"job did not end: {jobs.get(job_id)}")


def _text(engine: Engine, doc_id: str) -> str:
    return engine.store.get_passages(list(engine.get(doc_id).passage_ids))[0].text


def test_a_one_document_job_runs_between_the_slices_of_another_namespaces_big_job(tmp_path):
    gate = GatedExtractor(RECORDED)
    engines = {"big": make_engine(tmp_path / "big", extractor=gate), "small": make_engine(tmp_path / "small", RECORDED)}
    jobs = LocalJobs(engines.__getitem__)
    big = jobs.submit_add("big", DOCS[:64])  # four slices
    gate.wait_for_call(1)  # its first slice is being prepared ...
    one = jobs.submit_add("small", DOCS[64:65])  # ... when another namespace sends one document
    gate.open(1)  # the first slice may end; the big job's next one would wait at the gate
    assert _wait(jobs, one.id).indexed == 1  # FIFO would keep it behind the three slices left
    held = jobs.get(big.id)
    assert (held.status, held.applied_slices) == ("running", 1)
    gate.open(3)
    assert _wait(jobs, big.id).indexed == 64
    jobs.close()
    for engine in engines.values():
        engine.close()


def test_turns_between_namespaces_keep_each_namespace_in_submission_order(tmp_path):
    engines = {ns: make_engine(tmp_path / ns, RECORDED) for ns in ("a", "b")}
    jobs = LocalJobs(engines.__getitem__)
    sent = [
        jobs.submit_add("a", DOCS[:40]),  # three slices, n30 in the second
        jobs.submit_add("b", DOCS[50:51]),
        jobs.submit_delete("a", ["n5"]),
        jobs.submit_add("b", DOCS[51:52]),
        jobs.submit_add("a", [DocumentInput(text=UPDATED, id="n30")]),
        jobs.submit_add("a", DOCS[5:6]),  # back after its deletion
    ]
    ended = [_wait(jobs, j.id) for j in sent]
    assert [j.status for j in ended] == ["done"] * 6 and sum(j.superseded for j in ended) == 0
    assert _text(engines["a"], "n30") == UPDATED and _text(engines["a"], "n5") == TEXTS[5]
    assert len(engines["a"].list_documents()) == 40 and len(engines["b"].list_documents()) == 2
    jobs.close()
    for engine in engines.values():
        engine.close()


def test_documents_waiting_are_bounded_per_namespace_and_in_all_and_given_back_when_jobs_end(tmp_path):
    gate = GatedExtractor(RECORDED)
    engine = make_engine(tmp_path / "m", extractor=gate)
    jobs = LocalJobs(lambda ns: engine, limits=QueueLimits(total=40, per_namespace=20))
    accepted = [jobs.submit_add("a", DOCS[:16])]
    gate.wait_for_call(1)  # nothing ends until the gate opens
    with pytest.raises(QueueFull, match="namespace 'a' has 16 documents waiting") as full:
        jobs.submit_add("a", DOCS[16:21])
    assert full.value.retry_after_s == 30
    accepted.append(jobs.submit_add("a", DOCS[16:20]))  # exactly the namespace's share
    accepted.append(jobs.submit_add("b", DOCS[20:36]))
    with pytest.raises(QueueFull, match="36 documents wait to be indexed"):
        jobs.submit_add("c", DOCS[36:41])
    with pytest.raises(InvalidInput, match="send it in smaller jobs"):
        jobs.submit_add("c", DOCS[:21])
    accepted.append(jobs.submit_delete("c", ["absent"]))  # deletions are never refused
    assert jobs.waiting_documents.total() == 36
    gate.open(100)
    assert [_wait(jobs, j.id).status for j in accepted] == ["done"] * 4
    assert jobs.waiting_documents.total() == 0
    assert sorted(d.id for d in engine.list_documents()) == sorted(str(d.id) for d in DOCS[:36])  # refused: not stored
    assert _wait(jobs, jobs.submit_add("c", DOCS[36:56]).id).indexed == 20  # room again
    jobs.close()
    engine.close()


def test_a_failed_job_gives_its_documents_back(tmp_path):
    def broken(namespace: str) -> Engine:
        raise RuntimeError("this store cannot be opened")

    jobs = LocalJobs(broken, limits=QueueLimits(total=10, per_namespace=5))
    assert _wait(jobs, jobs.submit_add("a", DOCS[:5]).id).status == "failed"
    assert _wait(jobs, jobs.submit_add("a", DOCS[5:10]).id).status == "failed"  # QueueFull if not given back
    assert jobs.waiting_documents.total() == 0
    jobs.close()


def test_close_finishes_the_slice_in_hand_and_the_next_start_resumes_the_rest_once_in_order(tmp_path):
    journal = tmp_path / "jobs.sqlite"
    gate = GatedExtractor(RECORDED)
    engine = make_engine(tmp_path / "m", extractor=gate)
    jobs = LocalJobs(lambda ns: engine, journal)
    big = jobs.submit_add("a", DOCS[:80])  # five slices; n70 in the last
    update = jobs.submit_add("a", [DocumentInput(text=UPDATED, id="n70")])
    gate.open(2)
    gate.wait_for_call(3)  # two slices applied, the third in hand
    closing = threading.Thread(target=jobs.close)
    closing.start()
    while not jobs.closing:
        time.sleep(0.005)
    gate.open(1)  # the slice in hand ends; nothing after it starts
    closing.join(timeout=20)
    assert not closing.is_alive() and gate.calls == 3
    assert jobs.get(big.id).applied_slices == 3
    engine.close()

    second = GatedExtractor(RECORDED)
    second.open(100)
    engine = make_engine(tmp_path / "m", extractor=second)
    jobs = LocalJobs(lambda ns: engine, journal)
    resumed, updated = _wait(jobs, big.id), _wait(jobs, update.id)
    assert (resumed.status, resumed.applied_slices, resumed.indexed, resumed.superseded) == ("done", 5, 80, 0)
    assert (updated.status, updated.indexed, updated.superseded) == ("done", 1, 0)
    assert sorted(second.extracted) == sorted([*TEXTS[48:80], UPDATED])  # nothing prepared twice
    assert len(engine.list_documents()) == 80 and _text(engine, "n70") == UPDATED
    jobs.close()
    engine.close()


def test_the_bound_comes_from_the_settings(monkeypatch):
    monkeypatch.setenv("MEMRAG_QUEUE_MAX_DOCUMENTS", "1000")
    monkeypatch.setenv("MEMRAG_QUEUE_NAMESPACE_SHARE", "0.25")
    assert QueueLimits.of(Settings()) == QueueLimits(total=1000, per_namespace=250)
    assert QueueLimits.of(Settings(queue_max_documents=3, queue_namespace_share=0.1)).per_namespace == 1
    with pytest.raises(ValidationError, match="queue_namespace_share"):
        Settings(queue_namespace_share=0)
