"""`memrag worker`: takes jobs from Redis, prepares their slices and appends them to the namespace log.

At-least-once, made exactly-once in effect: a job is acknowledged only after all its slices
are in the log; one a dead worker left pending is claimed by another after the visibility
timeout; a slice logged twice is applied twice to no effect (content-hash ids). A failing
job is retried with exponential backoff and parked as failed after `max_attempts`.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

import redis

from memrag.ingest.jobs import Job, decode_inputs, slices
from memrag.ingest.loops import run_until
from memrag.ingest.redis_board import RedisJobBoard, input_key, job_key
from memrag.ingest.redis_queue import DELAYED, GROUP, JOBS, ensure_group, log_key
from memrag.memory.indexing.batch import encode
from memrag.memory.indexing.prepare import Preparer

log = logging.getLogger("memrag.worker")


@dataclass(frozen=True)
class RetryPolicy:
    visibility_s: float = 60.0
    max_attempts: int = 5
    backoff_s: float = 2.0
    log_retention: int = 2000

    def delay(self, attempt: int) -> float:
        return float(self.backoff_s * 2 ** max(0, attempt - 1))


class Worker:
    """One consumer of the job stream; `run` until `stop` is set (SIGTERM finishes the current slice)."""

    def __init__(self, client: redis.Redis, preparer: Preparer, consumer: str, policy: RetryPolicy) -> None:
        self._r: Any = client  # redis-py types replies as unions; ours are raw bytes (no decode_responses)
        self._preparer, self._consumer, self._policy = preparer, consumer, policy
        self._board = RedisJobBoard(client)
        ensure_group(client)

    def run(self, stop: threading.Event) -> None:
        run_until(stop, lambda: self.step(block_ms=1000), f"worker {self._consumer}")

    def step(self, block_ms: int) -> bool:
        """Process at most one job; False when none was waiting."""
        self._promote_due_retries()
        entry = self._claim_abandoned() or self._read_new(block_ms)
        if entry is None:
            return False
        entry_id, job_id = entry
        self._handle(entry_id, job_id)
        return True

    def _promote_due_retries(self) -> None:
        for job_id in self._r.zrangebyscore(DELAYED, "-inf", time.time()):
            with self._r.pipeline() as tx:  # MULTI: the retry is moved whole or not at all
                tx.zrem(DELAYED, job_id)
                tx.xadd(JOBS, {"job": job_id})
                tx.execute()

    def _claim_abandoned(self) -> tuple[bytes, str] | None:
        idle_ms = int(self._policy.visibility_s * 1000)
        _, claimed, _ = self._r.xautoclaim(JOBS, GROUP, self._consumer, idle_ms, "0-0", count=1)
        return _entry(claimed)

    def _read_new(self, block_ms: int) -> tuple[bytes, str] | None:
        found = self._r.xreadgroup(GROUP, self._consumer, {JOBS: ">"}, count=1, block=block_ms)
        return _entry(found[0][1]) if found else None

    def _handle(self, entry_id: bytes, job_id: str) -> None:
        job = self._board.start_attempt(job_id)
        self._r.hset(job_key(job_id), "worker", self._consumer)  # who holds it, for operators
        if job.status in ("done", "failed"):
            self._r.xack(JOBS, GROUP, entry_id)
            return
        if job.attempts > self._policy.max_attempts:
            self._park(entry_id, job, f"gave up after {job.attempts - 1} attempts; last error: {job.error or 'none'}")
            return
        try:
            self._run(job, entry_id)
        except Exception as exc:  # a job boundary: any failure is recorded, then retried or parked
            reason = f"{type(exc).__name__}: {exc}"
            if job.attempts >= self._policy.max_attempts:
                self._park(entry_id, job, f"failed {job.attempts} times; last error: {reason}")
            else:
                self._retry(entry_id, job, reason)
            return
        self._r.xack(JOBS, GROUP, entry_id)

    def _run(self, job: Job, entry_id: bytes) -> None:
        raw = self._r.get(input_key(job.id))
        if raw is None:
            raise LookupError(f"the input of job {job.id} is gone from Redis")
        if job.kind == "delete":
            self._append(job, 0, {"kind": "delete", "ids": raw})
            return
        documents = decode_inputs(raw)
        logged = set(self._r.hkeys(job_key(job.id)))
        for slice_no, docs in slices(documents):
            if f"logged:{slice_no}".encode() in logged:
                continue  # a previous attempt got this far
            self._board.mark_indexing(job, [d.id or "" for d in docs])
            batch = self._preparer.prepare_inputs(docs)
            self._append(job, slice_no, {"kind": "batch", "batch": encode(batch)})
            self._r.xclaim(JOBS, GROUP, self._consumer, 0, [entry_id], justid=True)  # still alive: reset idle

    def _append(self, job: Job, slice_no: int, fields: dict[str, bytes | str]) -> None:
        entry = {"job": job.id, "slice": str(slice_no), **fields}
        self._r.xadd(log_key(job.namespace), entry, maxlen=self._policy.log_retention, approximate=True)
        self._r.hset(job_key(job.id), f"logged:{slice_no}", "1")

    def _retry(self, entry_id: bytes, job: Job, reason: str) -> None:
        log.warning("job %s attempt %d failed: %s", job.id, job.attempts, reason)
        due = time.time() + self._policy.delay(job.attempts)
        with self._r.pipeline() as tx:
            tx.hset(job_key(job.id), "error", json.dumps(reason))
            tx.zadd(DELAYED, {job.id: due})
            tx.xack(JOBS, GROUP, entry_id)
            tx.execute()

    def _park(self, entry_id: bytes, job: Job, reason: str) -> None:
        log.error("job %s parked as failed: %s", job.id, reason)
        self._board.fail(job.id, reason)
        self._r.xack(JOBS, GROUP, entry_id)


def _entry(entries: list[tuple[bytes, dict[bytes, bytes]]]) -> tuple[bytes, str] | None:
    if not entries:
        return None
    entry_id, fields = entries[0]
    return entry_id, fields[b"job"].decode()
