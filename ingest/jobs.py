"""Jobs and document statuses: what was asked, how far it got, and why something failed.

A job adds or deletes documents of one namespace. It is cut into slices of documents; each
slice is prepared (chunk, extract, embed) and then applied by the store's writer. A job is
done when every slice is applied; recording a slice twice counts it once, so re-delivered
work changes nothing. `MemoryJobBoard` serves the embedded mode; `RedisJobBoard` (in
`redis_board.py`) the same contract across processes.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Literal, Protocol

from memrag.memory.engine import Engine
from memrag.memory.errors import NotFound
from memrag.memory.indexing.prepare import AddReport
from memrag.memory.llm.usage import Usage, total
from memrag.memory.types import DocumentInput

JobKind = Literal["add", "delete"]
JobStatus = Literal["queued", "running", "done", "failed"]
DocStatus = Literal["queued", "indexing", "indexed", "deleted", "failed"]
SLICE_SIZE = 16  # documents per prepared batch: progress granularity and the work a crash can lose
JOBS_KEPT = 10_000  # finished jobs an in-process board remembers


def encode_inputs(docs: Sequence[tuple[str, DocumentInput]]) -> bytes:
    """The documents of an add job as JSON (ids made explicit), for Redis or the local journal."""
    return json.dumps([{**asdict(d), "id": doc_id} for doc_id, d in docs], ensure_ascii=False).encode()


def decode_inputs(raw: bytes) -> list[DocumentInput]:
    return [DocumentInput(**d) for d in json.loads(raw)]


@dataclass(frozen=True)
class DocumentState:
    status: DocStatus
    job_id: str
    reason: str = ""


@dataclass(frozen=True)
class Job:
    """A job's progress; `errors` maps a document id to why it was not indexed.

    `seq` is the job's number in its namespace, given at submission (`ordering.py`); `superseded`
    counts documents whose write was skipped because a newer one of them was already applied.
    `attempts` counts deliveries (the first, then one per retry after a failure); `takeovers`
    counts the times another worker took the job from one that stopped renewing its lease.
    """

    id: str
    namespace: str
    kind: JobKind
    status: JobStatus
    documents: int
    slices: int
    applied_slices: int = 0
    indexed: int = 0
    unchanged: int = 0
    deleted: int = 0
    superseded: int = 0
    attempts: int = 0
    takeovers: int = 0
    seq: int = 0
    error: str = ""
    errors: dict[str, str] = field(default_factory=dict)
    created_at: float = 0.0
    updated_at: float = 0.0
    usage: Usage = field(default_factory=Usage)  # LLM calls, tokens, embedding seconds of its applied slices
    document_usage: dict[str, Usage] = field(default_factory=dict)  # document id → its extraction's cost


def new_job(namespace: str, kind: JobKind, documents: int) -> Job:
    now = time.time()
    slices = max(1, -(-documents // SLICE_SIZE)) if kind == "add" else 1
    return Job(f"job_{uuid.uuid4().hex}", namespace, kind, "queued", documents, slices, created_at=now, updated_at=now)


@dataclass(frozen=True)
class SliceResult:
    """What applying one slice did: documents added, unchanged, failed (id → reason), deleted, and
    superseded (skipped: a newer write of them was applied first; their states are that write's)."""

    added: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    failed: dict[str, str] = field(default_factory=dict)
    deleted: tuple[str, ...] = ()
    superseded: tuple[str, ...] = ()
    usage: dict[str, Usage] = field(default_factory=dict)  # document id → LLM cost of its extraction
    embed_seconds: float = 0.0

    @staticmethod
    def of(report: AddReport, superseded: Sequence[str] = (), usage: Mapping[str, Usage] | None = None) -> SliceResult:
        """A failure of a superseded document is no failure: its newer write decides. `usage`: what
        preparing cost where that was not in this report (a worker's batch), superseded documents'
        included (it was spent); else the report's."""
        failed = {d: why for d, why in report.failed.items() if d not in superseded}
        added, unchanged = tuple(report.documents_added), tuple(report.documents_unchanged)
        return SliceResult(
            added,
            unchanged,
            failed,
            superseded=tuple(superseded),
            usage=dict(report.usage if usage is None else usage),
            embed_seconds=report.embed_seconds,
        )

    @property
    def cost(self) -> Usage:
        """The slice's LLM usage and embedding seconds together."""
        return total(list(self.usage.values())) + Usage(embed_seconds=self.embed_seconds)

    def document_states(self, job_id: str) -> dict[str, DocumentState]:
        states = {d: DocumentState("indexed", job_id) for d in self.added + self.unchanged}
        states.update({d: DocumentState("deleted", job_id) for d in self.deleted})
        states.update({d: DocumentState("failed", job_id, why) for d, why in self.failed.items()})
        return states


def slice_to_json(result: SliceResult) -> str:
    return json.dumps(asdict(result), ensure_ascii=False)


def slice_from_json(raw: str | bytes) -> SliceResult:
    d = json.loads(raw)
    superseded = tuple(d.get("superseded", ()))
    usage = {doc: Usage.of_dict(u) for doc, u in dict(d.get("usage") or {}).items()}  # absent before usage
    return SliceResult(
        tuple(d["added"]),
        tuple(d["unchanged"]),
        dict(d["failed"]),
        tuple(d["deleted"]),
        superseded,
        usage,
        float(d.get("embed_seconds") or 0.0),
    )


def summarize(job: Job, results: list[SliceResult]) -> Job:
    """The job as its applied slices (each counted once) make it; a parked job stays failed."""
    errors: dict[str, str] = {}
    for r in results:
        errors.update(r.failed)
    status: JobStatus = job.status
    if job.status != "failed":
        started = job.attempts or job.takeovers or results
        status = "done" if len(results) >= job.slices else ("running" if started else "queued")
    return replace(
        job,
        status=status,
        applied_slices=len(results),
        indexed=sum(len(r.added) for r in results),
        unchanged=sum(len(r.unchanged) for r in results),
        deleted=sum(len(r.deleted) for r in results),
        superseded=sum(len(r.superseded) for r in results),
        errors=errors,
        usage=total([r.cost for r in results]),
        document_usage={d: u for r in results for d, u in r.usage.items()},
    )


class JobBoard(Protocol):
    """Where jobs and document states live (in-process or Redis); every write is idempotent."""

    def create(self, job: Job, document_ids: list[str]) -> None: ...

    def get(self, job_id: str) -> Job: ...

    def start_attempt(self, job_id: str) -> Job: ...

    def record_slice(self, job_id: str, slice_no: int, result: SliceResult) -> None: ...

    def fail(self, job_id: str, reason: str) -> None: ...

    def mark_indexing(self, job: Job, document_ids: list[str]) -> None:
        """The documents whose state is this job's (not a later job's) are being indexed."""
        ...

    def document_state(self, namespace: str, doc_id: str) -> DocumentState | None: ...

    def jobs_of(self, namespace: str, limit: int, after: str | None = None) -> list[Job]:
        """The namespace's jobs, newest first: at most `limit`, those after job `after` (the last of the
        previous page; none if that job is no longer kept)."""
        ...


class JobQueue(Protocol):
    """Where callers send work: in-process (`LocalJobs`) or to Redis workers (`RedisJobs`)."""

    @property
    def board(self) -> JobBoard: ...

    def submit_add(self, namespace: str, documents: Sequence[DocumentInput]) -> Job: ...

    def submit_delete(self, namespace: str, document_ids: Sequence[str]) -> Job: ...

    def get(self, job_id: str) -> Job: ...

    def close(self) -> None: ...


class MemoryJobBoard:
    """Jobs of one process, in memory (the embedded mode: jobs do not outlive the process)."""

    def __init__(self) -> None:
        self._jobs: dict[str, Job] = {}
        self._slices: dict[str, dict[int, SliceResult]] = {}
        self._docs: dict[tuple[str, str], DocumentState] = {}
        self._spent: dict[str, Usage] = {}  # namespace → every applied slice's cost since the board was made
        self._lock = threading.Lock()

    def create(self, job: Job, document_ids: list[str]) -> None:
        with self._lock:
            self._forget_oldest_finished()
            self._jobs[job.id] = job
            self._slices[job.id] = {}
            for doc_id in document_ids:
                self._docs[(job.namespace, doc_id)] = DocumentState("queued", job.id)

    def _forget_oldest_finished(self) -> None:
        excess = len(self._jobs) - JOBS_KEPT + 1
        for job_id in list(self._jobs)[: max(0, excess)]:
            if summarize(self._jobs[job_id], list(self._slices[job_id].values())).status in ("done", "failed"):
                del self._jobs[job_id], self._slices[job_id]

    def get(self, job_id: str) -> Job:
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None:
                raise NotFound(f"no job {job_id!r}; job ids are returned when documents are sent")
            return summarize(job, list(self._slices[job_id].values()))

    def start_attempt(self, job_id: str) -> Job:
        job = self.get(job_id)
        with self._lock:
            self._jobs[job_id] = replace(self._jobs[job_id], attempts=job.attempts + 1, updated_at=time.time())
        return self.get(job_id)

    def mark_indexing(self, job: Job, document_ids: list[str]) -> None:
        with self._lock:
            for doc_id in document_ids:
                state = self._docs.get((job.namespace, doc_id))
                if state is None or state.job_id == job.id:  # a newer job's state is left alone
                    self._docs[(job.namespace, doc_id)] = DocumentState("indexing", job.id)

    def record_slice(self, job_id: str, slice_no: int, result: SliceResult) -> None:
        with self._lock:
            if slice_no in self._slices[job_id]:
                return
            self._slices[job_id][slice_no] = result
            namespace = self._jobs[job_id].namespace
            self._spent[namespace] = self._spent.get(namespace, Usage()) + result.cost
            for doc_id, state in result.document_states(job_id).items():
                self._docs[(namespace, doc_id)] = state
            self._jobs[job_id] = replace(self._jobs[job_id], updated_at=time.time())

    def fail(self, job_id: str, reason: str) -> None:
        with self._lock:
            self._jobs[job_id] = replace(self._jobs[job_id], status="failed", error=reason, updated_at=time.time())

    def document_state(self, namespace: str, doc_id: str) -> DocumentState | None:
        return self._docs.get((namespace, doc_id))

    def jobs_of(self, namespace: str, limit: int, after: str | None = None) -> list[Job]:
        with self._lock:
            newest_first = [job_id for job_id in reversed(self._jobs) if self._jobs[job_id].namespace == namespace]
        if after is not None:
            if after not in newest_first:
                return []
            newest_first = newest_first[newest_first.index(after) + 1 :]
        page = []
        for job_id in newest_first[:limit]:
            with contextlib.suppress(NotFound):  # forgotten meanwhile (past JOBS_KEPT)
                page.append(self.get(job_id))
        return page

    def spent(self) -> dict[str, Usage]:
        """What the jobs of each namespace have cost so far (monotonic: for Prometheus counters)."""
        with self._lock:
            return dict(self._spent)


def slices(documents: Sequence[DocumentInput]) -> Iterator[tuple[int, list[DocumentInput]]]:
    for start in range(0, max(1, len(documents)), SLICE_SIZE):
        yield start // SLICE_SIZE, list(documents[start : start + SLICE_SIZE])


def delete_documents(engine: Engine, ids: Sequence[str]) -> SliceResult:
    """Delete each document; one already gone counts as deleted (a replayed entry, or a repeat)."""
    for doc_id in ids:
        with contextlib.suppress(NotFound):
            engine.delete(doc_id)
    return SliceResult(deleted=tuple(ids))
