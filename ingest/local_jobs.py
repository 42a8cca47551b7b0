"""Embedded mode: jobs run in a background thread of this process, with no Redis.

The same job model as the Redis path (slices, job board, document states); each slice is
prepared and applied by the engine itself, which owns its store. Accepted jobs are journaled
on disk until they end, and resumed when the process starts again.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
from collections.abc import Callable, Sequence
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
from memrag.memory.engine import Engine
from memrag.memory.indexing.prepare import identify
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
        for job, payload in self._journal.pending():  # what a stopped process had accepted
            work = _work(job, payload)
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
        self.board.create(job, doc_ids)
        self._queue.put((job, _work(job, payload)))
        return job

    def get(self, job_id: str) -> Job:
        return self.board.get(job_id)

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join()
        self._journal.close()

    def _loop(self) -> None:
        while (item := self._queue.get()) is not None:
            job, work = item
            self.board.start_attempt(job.id)
            try:
                self._run(job, work)
            except Exception as exc:  # a job boundary: the reason is kept on the job, the thread goes on
                log.exception("job %s failed", job.id)
                self.board.fail(job.id, f"{type(exc).__name__}: {exc}")
            self._journal.finish(job.id)

    def _run(self, job: Job, work: list[DocumentInput] | list[str]) -> None:
        engine = self._engine_for(job.namespace)
        if job.kind == "delete":
            self.board.record_slice(job.id, 0, delete_documents(engine, [str(d) for d in work]))
            return
        documents = [d for d in work if isinstance(d, DocumentInput)]
        for slice_no, docs in slices(documents):
            self.board.mark_indexing(job, [d.id or "" for d in docs])
            self.board.record_slice(job.id, slice_no, SliceResult.of(engine.add(docs)))


def _work(job: Job, payload: bytes) -> list[DocumentInput] | list[str]:
    if job.kind == "delete":
        return [str(i) for i in json.loads(payload)]
    return decode_inputs(payload)
