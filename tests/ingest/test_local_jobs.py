"""Embedded mode: the same jobs run in a thread of this process, no Redis."""

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from memrag.ingest.jobs import DocumentState
from memrag.ingest.journal import JobJournal
from memrag.ingest.local_jobs import LocalJobs
from memrag.memory.engine import Engine
from memrag.memory.errors import StorageError
from memrag.memory.types import DocumentInput
from tests.helpers import extractions, make_engine

RECORDED = extractions(
    {
        f"Note {i} says {chr(97 + i)} links to {chr(98 + i)}.": [(chr(97 + i) * 3, "links to", chr(98 + i) * 3)]
        for i in range(20)
    }
)
ROOT = Path(__file__).resolve().parents[2]
DOCS = [DocumentInput(text=t, id=f"n{i}") for i, t in enumerate(RECORDED)]


def _wait(jobs, job_id):
    for _ in range(500):
        job = jobs.get(job_id)
        if job.status in ("done", "failed"):
            return job
        time.sleep(0.01)
    raise AssertionError(jobs.get(job_id))


def test_jobs_run_in_process_with_progress_and_document_states(tmp_path):
    engine = make_engine(tmp_path / "m", RECORDED)
    jobs = LocalJobs(lambda ns: engine)
    job = jobs.submit_add("default", DOCS)
    done = _wait(jobs, job.id)
    assert (done.status, done.slices, done.applied_slices, done.indexed) == ("done", 2, 2, 20)
    assert jobs.board.document_state("default", "n7") == DocumentState("indexed", job.id)
    again = _wait(jobs, jobs.submit_add("default", DOCS[:3]).id)
    assert again.unchanged == 3 and again.indexed == 0
    gone = _wait(jobs, jobs.submit_delete("default", ["n1", "n2"]).id)
    assert gone.deleted == 2 and jobs.board.document_state("default", "n2") == DocumentState("deleted", gone.id)
    assert len(engine.list_documents()) == 18
    jobs.close()
    engine.close()


def test_jobs_are_numbered_per_namespace_and_applied_in_that_order(tmp_path):
    engine = make_engine(tmp_path / "m", RECORDED)
    jobs = LocalJobs(lambda ns: engine)
    sent = [
        jobs.submit_add("default", DOCS[:2]),
        jobs.submit_delete("default", ["n0"]),
        jobs.submit_add("default", [DocumentInput(text=DOCS[2].text, id="n0")]),
        jobs.submit_add("other", DOCS[3:4]),
    ]
    assert [j.seq for j in sent] == [1, 2, 3, 1]
    done = [_wait(jobs, j.id) for j in sent]
    assert [(j.indexed, j.deleted, j.superseded) for j in done] == [(2, 0, 0), (0, 1, 0), (1, 0, 0), (1, 0, 0)]
    assert [d.id for d in engine.list_documents()] == ["n0", "n1", "n3"]
    jobs.close()
    engine.close()


def test_an_unexpected_error_fails_the_job_with_its_reason(tmp_path):
    def no_engine(namespace):
        raise RuntimeError(f"namespace {namespace} is not open")

    jobs = LocalJobs(no_engine)
    failed = _wait(jobs, jobs.submit_add("x", DOCS[:1]).id)
    assert failed.status == "failed" and "namespace x is not open" in failed.error
    jobs.close()


ACCEPT_THEN_HANG = """
import json, sys, time
from pathlib import Path
from memrag.ingest.local_jobs import LocalJobs
from memrag.memory.types import DocumentInput
jobs = LocalJobs(lambda ns: time.sleep(3600), Path(sys.argv[1]))  # never reaches an engine
docs = [DocumentInput(**d) for d in json.loads(sys.argv[2])]
print(jobs.submit_add("default", docs).id, jobs.submit_delete("default", ["n0"]).id, flush=True)
time.sleep(3600)
"""


def test_accepted_jobs_survive_a_killed_process_and_resume_under_their_ids(tmp_path):
    journal = tmp_path / "jobs.sqlite"
    docs = json.dumps([{"text": d.text, "id": d.id} for d in DOCS[:5]])
    child = subprocess.Popen(
        [sys.executable, "-c", ACCEPT_THEN_HANG, str(journal), docs], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    assert child.stdout is not None
    added, deleted = child.stdout.readline().split()  # both accepted (journaled) ...
    child.send_signal(signal.SIGKILL)  # ... and the process dies before running either
    child.wait()
    engine = make_engine(tmp_path / "m", RECORDED)
    jobs = LocalJobs(lambda ns: engine, journal)
    assert _wait(jobs, added).indexed == 5
    assert _wait(jobs, deleted).deleted == 1
    assert [d.id for d in engine.list_documents()] == ["n1", "n2", "n3", "n4"]
    jobs.close()
    assert JobJournal(journal).pending() == []  # nothing left to resume
    engine.close()


def _no_engine(namespace: str) -> Engine:
    raise AssertionError("no job runs here: no engine is opened")


def test_a_second_process_cannot_run_the_same_jobs(tmp_path):
    journal = tmp_path / "jobs.sqlite"
    first = LocalJobs(_no_engine, journal)
    with pytest.raises(StorageError, match="another process runs the jobs"):
        LocalJobs(_no_engine, journal)
    first.close()
