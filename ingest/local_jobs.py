"""Embedded mode: jobs run in a background thread of this process, with no Redis.

The same job model as the Redis path (slices, job board, document states); each slice is
prepared and applied by the engine itself, which owns its store. Accepted jobs are journaled
on disk until they end, and resumed when the process starts again.

Jobs are numbered per namespace at submission and pass the same per-document order as the
Redis writer (`ordering.py`); the queue is first in, first out, so nothing is superseded unless
the order is broken. Numbers live in this process only: resumed jobs are numbered again in the
order they were accepted, and the order forgets every number once no older job is queued.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

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
from memrag.memory.indexing.prepare import AddReport, identify
from memrag.memory.types import DocumentInput

log = logging.getLogger("memrag.jobs")
_Work = tuple[Job, list[DocumentInput] | list[str]]


class LocalJobs:
    """Runs add and delete jobs one after another on a daemon thread; `close` drains and stops it."""

    def __init__(self, engine_for: Callable[[str], Engine], journal: Path | None = None) -> None:
        self._engine_for = engine_for
        self.board = MemoryJobBoard()
        self._journal = JobJournal(journal)
        self._queue: queue.Queue[_Work | None] = queue.Queue()
        self._numbering = threading.Lock()
        self._last_seq: dict[str, int] = defaultdict(int)  # namespace → the last number given
        self._unfinished: dict[str, set[int]] = defaultdict(set)  # namespace → numbers of jobs not ended
        self._orders: dict[str, DocumentOrder] = defaultdict(DocumentOrder)  # used by the job thread only
        self.running = 0  # jobs being run now (0 or 1), for monitoring
        self.finished: Counter[tuple[str, str]] = Counter()  # (kind, status) → jobs ended, for monitoring
        for job, payload in self._journal.pending():  # what a stopped process had accepted
            work = _work(job, payload)
            job = self._numbered(job)
            self.board.create(job, [d.id or "" for d in work if isinstance(d, DocumentInput)])
            self._queue.put((job, work))
        self._thread = threading.Thread(target=self._loop, name="memrag-jobs", daemon=True)
        self._thread.start()

    def submit_add(self, namespace: str, documents: Sequence[DocumentInput]) -> Job:
        docs = identify(documents)
        job = new_job(namespace, "add", len(docs))
        return self._submit(job, encode_inputs(docs), [doc_id for doc_id, _ in docs])

    def submit_delete(self, namespace: str, document_ids: Sequence[str]) -> Job:
        ids = list(dict.fromkeys(document_ids))
        return self._submit(new_job(namespace, "delete", len(ids)), json.dumps(ids).encode(), [])

    def _submit(self, job: Job, payload: bytes, doc_ids: list[str]) -> Job:
        self._journal.add(job, payload)  # on disk before the caller hears "accepted"
        with self._numbering:  # numbered and queued in one step: numbers follow the queue's order
            job = self._numbered(job)
            self.board.create(job, doc_ids)
            self._queue.put((job, _work(job, payload)))
        return job

    def _numbered(self, job: Job) -> Job:
        self._last_seq[job.namespace] += 1
        seq = self._last_seq[job.namespace]
        self._unfinished[job.namespace].add(seq)
        return replace(job, seq=seq)

    def _ended(self, job: Job) -> None:
        """No write older than the oldest job still queued can come: the order forgets what is below it."""
        with self._numbering:
            waiting = self._unfinished[job.namespace]
            waiting.discard(job.seq)
            low = min(waiting) if waiting else self._last_seq[job.namespace] + 1
        self._orders[job.namespace].update({}, low)

    def get(self, job_id: str) -> Job:
        return self.board.get(job_id)

    def waiting(self) -> int:
        """Jobs queued and not started yet (approximate while jobs come and go)."""
        return self._queue.qsize()

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join()
        self._journal.close()

    def _loop(self) -> None:
        while (item := self._queue.get()) is not None:
            job, work = item
            self.running = 1
            self.board.start_attempt(job.id)
            try:
                self._run(job, work)
            except Exception as exc:  # a job boundary: the reason is kept on the job, the thread goes on
                log.exception("job %s failed", job.id)
                self.board.fail(job.id, f"{type(exc).__name__}: {exc}")
            self._ended(job)
            self._journal.finish(job.id)
            self.finished[(job.kind, self.board.get(job.id).status)] += 1
            self.running = 0

    def _run(self, job: Job, work: list[DocumentInput] | list[str]) -> None:
        engine = self._engine_for(job.namespace)
        order = self._orders[job.namespace]
        if job.kind == "delete":
            admitted, superseded = order.split([str(d) for d in work], job.seq)
            result = replace(delete_documents(engine, admitted), superseded=tuple(superseded))
            order.update(order.written(admitted, job.seq, deleted=True), None)
            self.board.record_slice(job.id, 0, result)
            return
        documents = [d for d in work if isinstance(d, DocumentInput)]
        for slice_no, docs in slices(documents):
            self.board.mark_indexing(job, [d.id or "" for d in docs])
            admitted, superseded = order.split([d.id or "" for d in docs], job.seq)
            kept = [d for d in docs if d.id in set(admitted)]
            report = engine.add(kept) if kept else AddReport()
            written = report.documents_added + report.documents_unchanged
            order.update(order.written(written, job.seq, deleted=False), None)
            self.board.record_slice(job.id, slice_no, SliceResult.of(report, superseded))


def _work(job: Job, payload: bytes) -> list[DocumentInput] | list[str]:
    if job.kind == "delete":
        return [str(i) for i in json.loads(payload)]
    return decode_inputs(payload)
