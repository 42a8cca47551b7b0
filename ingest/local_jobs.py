"""Embedded mode: jobs run in a background thread of this process, with no Redis.

The same job model as the Redis path (slices, job board, document states); each slice is
prepared and applied by the engine itself, which owns its store. Accepted jobs are journaled
on disk until they end, and resumed when the process starts again.

Fair and bounded: each namespace has its own queue, and the thread takes one slice at a time
from the namespaces in turn, so one tenant's 10,000 documents hold another's single document
back by one slice, not by the whole job. Documents waiting are bounded in all and per namespace
(`bounds.py`): past that, submitting raises QueueFull. `close` finishes the slice in hand and
stops; what is left stays in the journal and resumes at the next start.

With `extract_ahead`, extraction overlaps embedding: before the thread runs a slice, it guesses
the slice that comes next (the next namespace's turn, or the same job's next slice) and has the
engine's preparer extract it on a helper thread (`memory/indexing/ahead.py`) while this slice is
embedded and written. Writes stay on this thread and in the same order; a wrong guess costs only
the helper's work. It is off by default: it has not been faster side by side. At load 12-16,
`benchmarks/bench_ingest.py --threads 1 --runs plain plain+ahead` gave 0.82x (400 documents) and
1.73x (200); with embedding lanes (both cores busy embedding), `--docs 160 --runs plain plain+ahead
plain plain+ahead` 1.00x and 1.02x at load 10, and `--docs 400 --runs plain plain+lanes
plain+lanes+ahead plain plain+lanes` 0.76x against plain+lanes at load 4-5. It can only pay where a
core is idle while embedding runs, and the lanes now keep both busy.

Jobs are numbered per namespace at submission and pass the same per-document order as the
Redis writer (`ordering.py`); within a namespace jobs run first in, first out, one at a time,
so nothing is superseded unless the order is broken. Numbers live in this process only: resumed
jobs are numbered again in the order they were accepted, and the order forgets every number
once no older job is queued.
"""

from __future__ import annotations

import json
import logging
import threading
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from memrag.ingest.bounds import QueueLimits, WaitingDocuments
from memrag.ingest.jobs import (
    Job,
    MemoryJobBoard,
    SliceResult,
    decode_inputs,
    delete_documents,
    encode_inputs,
    new_job,
    slices,
)
from memrag.ingest.journal import JobJournal
from memrag.ingest.ordering import DocumentOrder
from memrag.memory.engine import Engine
from memrag.memory.indexing.prepare import AddReport, Preparer, content_hash, identify
from memrag.memory.types import DocumentInput

log = logging.getLogger("memrag.jobs")


@dataclass
class _Task:
    """A job in its namespace's queue: its slices (one for a delete: the ids) and the next one to run."""

    job: Job
    parts: list[list[DocumentInput]] | list[list[str]]
    next_slice: int = 0
    started: bool = False
    waiting: int = 0  # documents it counts in the bound until it ends

    @property
    def finished(self) -> bool:
        return self.next_slice >= len(self.parts)


@dataclass
class _Queues:
    """Each namespace's jobs in submission order, and the namespaces in the order they get their next slice.

    A namespace is in `turns` while it has jobs, except while the thread runs one of its slices."""

    by_namespace: dict[str, deque[_Task]] = field(default_factory=dict)
    turns: deque[str] = field(default_factory=deque)

    def put(self, task: _Task) -> None:
        namespace = task.job.namespace
        if namespace not in self.by_namespace:
            self.by_namespace[namespace] = deque()
            self.turns.append(namespace)
        self.by_namespace[namespace].append(task)

    def take_turn(self) -> _Task:
        return self.by_namespace[self.turns.popleft()][0]

    def after(self, task: _Task) -> tuple[_Task, int] | None:
        """The task and slice that should run after `task`'s next slice (taken, so out of the turns),
        if nothing is submitted meanwhile."""
        if self.turns:
            following = self.by_namespace[self.turns[0]][0]
            return following, following.next_slice
        if task.next_slice + 1 < len(task.parts):
            return task, task.next_slice + 1
        jobs = self.by_namespace[task.job.namespace]
        return (jobs[1], jobs[1].next_slice) if len(jobs) > 1 else None

    def turn_over(self, task: _Task) -> None:
        """After a slice of `task`: drop it if it ended, and send its namespace to the back of the turns."""
        namespace = task.job.namespace
        jobs = self.by_namespace[namespace]
        if task.finished:
            jobs.popleft()
        if jobs:
            self.turns.append(namespace)
        else:
            del self.by_namespace[namespace]


class LocalJobs:
    """Runs add and delete jobs a slice at a time on a daemon thread, namespaces in turn."""

    def __init__(
        self,
        engine_for: Callable[[str], Engine],
        journal: Path | None = None,
        limits: QueueLimits | None = None,
        extract_ahead: bool = False,
    ) -> None:
        self._engine_for = engine_for
        self._extracts_ahead = extract_ahead
        self.board = MemoryJobBoard()
        self.waiting_documents = WaitingDocuments(limits or QueueLimits())
        self._journal = JobJournal(journal)
        self._queues = _Queues()
        self._changed = threading.Condition()  # guards the queues, the numbers and `_closing`
        self._closing = False
        self._last_seq: dict[str, int] = defaultdict(int)  # namespace → the last number given
        self._unfinished: dict[str, set[int]] = defaultdict(set)  # namespace → numbers of jobs not ended
        self._orders: dict[str, DocumentOrder] = defaultdict(DocumentOrder)  # used by the job thread only
        self._fed_ahead: dict[int, Preparer] = {}  # preparers given a slice ahead, closed with the jobs
        self.running = 0  # jobs being run now (0 or 1), for monitoring
        self.finished: Counter[tuple[str, str]] = Counter()  # (kind, status) → jobs ended, for monitoring
        for job, payload in self._journal.pending():  # what a stopped process had accepted
            self._resume(job, payload)
        self._thread = threading.Thread(target=self._loop, name="memrag-jobs", daemon=True)
        self._thread.start()

    def submit_add(self, namespace: str, documents: Sequence[DocumentInput]) -> Job:
        """Queue documents; QueueFull (nothing queued) when they do not fit in the bound."""
        docs = identify(documents)
        job = new_job(namespace, "add", len(docs))
        return self._submit(job, encode_inputs(docs), [doc_id for doc_id, _ in docs])

    def submit_delete(self, namespace: str, document_ids: Sequence[str]) -> Job:
        ids = list(dict.fromkeys(document_ids))
        return self._submit(new_job(namespace, "delete", len(ids)), json.dumps(ids).encode(), [])

    def _submit(self, job: Job, payload: bytes, doc_ids: list[str]) -> Job:
        waiting = job.documents if job.kind == "add" else 0
        with self._changed:  # admitted, journaled, numbered and queued in one step: numbers follow the queue
            self.waiting_documents.admit(job.namespace, waiting)
            try:
                self._journal.add(job, payload)  # on disk before the caller hears "accepted"
            except BaseException:
                self.waiting_documents.release(job.namespace, waiting)
                raise
            job = self._numbered(job)
            self.board.create(job, doc_ids)
            self._queues.put(_Task(job, _parts(job, payload), waiting=waiting))
            self._changed.notify()
        return job

    def _resume(self, job: Job, payload: bytes) -> None:
        """Queue a job a previous process accepted, past the slices it applied (they count as applied)."""
        task = _Task(self._numbered(job), _parts(job, payload), waiting=job.documents if job.kind == "add" else 0)
        self.board.create(task.job, [d.id or "" for part in task.parts for d in part if isinstance(d, DocumentInput)])
        applied = self._journal.applied(job.id)
        for slice_no, result in sorted(applied.items()):
            self.board.record_slice(job.id, slice_no, result)
        while task.next_slice in applied:
            task.next_slice += 1
        task.started = bool(applied)
        self.waiting_documents.add(job.namespace, task.waiting)
        self._queues.put(task)

    def _numbered(self, job: Job) -> Job:
        self._last_seq[job.namespace] += 1
        seq = self._last_seq[job.namespace]
        self._unfinished[job.namespace].add(seq)
        return replace(job, seq=seq)

    def get(self, job_id: str) -> Job:
        return self.board.get(job_id)

    def waiting(self) -> int:
        """Jobs queued and not started yet."""
        with self._changed:
            return sum(not t.started for tasks in self._queues.by_namespace.values() for t in tasks)

    @property
    def closing(self) -> bool:
        """Whether `close` was called: no slice starts any more."""
        return self._closing

    def close(self) -> None:
        """Finish the slice in hand and stop; jobs not finished stay journaled for the next start."""
        with self._changed:
            self._closing = True
            self._changed.notify()
        self._thread.join()
        for preparer in self._fed_ahead.values():
            preparer.close()
        self._journal.close()

    def _loop(self) -> None:
        while (task := self._next()) is not None:
            self._extract_ahead(task)
            self.running = 1
            self._step(task)
            self.running = 0
            with self._changed:
                self._queues.turn_over(task)

    def _next(self) -> _Task | None:
        with self._changed:
            while not self._queues.turns and not self._closing:
                self._changed.wait()
            return None if self._closing else self._queues.take_turn()

    def _extract_ahead(self, task: _Task) -> None:
        """Have the slice that comes after `task`'s next one extracted while this one runs (documents
        already stored as they are left out). Only a guess: a failure here leaves the slice to its turn."""
        if not self._extracts_ahead:
            return
        with self._changed:
            upcoming = self._queues.after(task)
        if upcoming is None or upcoming[0].job.kind != "add" or upcoming[1] >= len(upcoming[0].parts):
            return
        following, slice_no = upcoming
        try:
            engine = self._engine_for(following.job.namespace)
            docs = [d for d in following.parts[slice_no] if isinstance(d, DocumentInput)]
            stored = {d.id: d.content_hash for d in engine.store.get_documents([d.id or "" for d in docs])}
            engine.preparer.extract_ahead([d for d in docs if stored.get(d.id or "") != content_hash(d)])
            self._fed_ahead[id(engine.preparer)] = engine.preparer
        except Exception:  # the slice is prepared in its turn all the same, and any error is reported then
            log.debug("could not start extracting the next slice ahead", exc_info=True)

    def _step(self, task: _Task) -> None:
        """Run the task's next slice; end the job after its last one, or at its first failure. The end
        is booked (bound, journal, order) before the board shows it: whoever sees it can send again."""
        job, slice_no = task.job, task.next_slice
        if not task.started:
            self.board.start_attempt(job.id)
            task.started = True
        result, failure = None, ""
        if not task.finished:
            try:
                result = self._run_slice(task)
            except Exception as exc:  # a job boundary: the reason is kept on the job, the thread goes on
                log.exception("job %s failed", job.id)
                failure = f"{type(exc).__name__}: {exc}"
        if failure:
            task.next_slice = len(task.parts)
        elif result is not None:
            task.next_slice += 1
        if task.finished:
            self._end(task)
        if failure:
            self.board.fail(job.id, failure)
        elif result is not None:
            self.board.record_slice(job.id, slice_no, result)
        if task.finished:
            self.finished[(job.kind, self.board.get(job.id).status)] += 1

    def _run_slice(self, task: _Task) -> SliceResult:
        """Apply the task's next slice and journal it as applied."""
        job, slice_no = task.job, task.next_slice
        engine = self._engine_for(job.namespace)
        order = self._orders[job.namespace]
        part = task.parts[slice_no]
        if job.kind == "delete":
            admitted, superseded = order.split([str(d) for d in part], job.seq)
            result = replace(delete_documents(engine, admitted), superseded=tuple(superseded))
            order.update(order.written(admitted, job.seq, deleted=True), None)
        else:
            docs = [d for d in part if isinstance(d, DocumentInput)]
            self.board.mark_indexing(job, [d.id or "" for d in docs])
            admitted, superseded = order.split([d.id or "" for d in docs], job.seq)
            kept = [d for d in docs if d.id in set(admitted)]
            report = engine.add(kept) if kept else AddReport()
            written = report.documents_added + report.documents_unchanged
            order.update(order.written(written, job.seq, deleted=False), None)
            result = SliceResult.of(report, superseded)
        self._journal.record_slice(job.id, slice_no, result)
        return result

    def _end(self, task: _Task) -> None:
        """The job ended (done or failed): it leaves the journal and the bound; the order forgets what
        is below the oldest job still queued in its namespace (no older write can come)."""
        job = task.job
        with self._changed:
            waiting = self._unfinished[job.namespace]
            waiting.discard(job.seq)
            low = min(waiting) if waiting else self._last_seq[job.namespace] + 1
        self._orders[job.namespace].update({}, low)
        self._journal.finish(job.id)
        self.waiting_documents.release(job.namespace, task.waiting)


def _parts(job: Job, payload: bytes) -> list[list[DocumentInput]] | list[list[str]]:
    """A job's slices: the documents of an add job SLICE_SIZE at a time; a delete job's ids as one."""
    if job.kind == "delete":
        return [[str(i) for i in json.loads(payload)]]
    return [docs for _, docs in slices(decode_inputs(payload))]
