"""`memrag worker`: takes jobs from Redis, prepares their slices and appends them to the namespace log.

At-least-once, made exactly-once in effect: a job is acknowledged only after all its slices
are in the log; a slice is logged at most once (`logged:{n}`, set with the append). A worker
holds a job under a lease — its entry in the consumer group — which a heartbeat renews while a
slice is being prepared (every third of `visibility_s`) and each logged slice renews again; a
worker that dies or hangs stops renewing, and another takes the job over after `visibility_s`.
Every step on a held job is fenced (`redis_scripts.py`): a worker that lost its job can log,
acknowledge or retry nothing of it. A failing job is retried with exponential backoff and
parked as failed after `max_attempts` failures; a job taken over more than `max_attempts` times
(its workers keep dying) is parked too.

Jobs take turns a slice at a time: after each logged slice, a job with slices left goes to the back
of the stream if other jobs wait there (`redis_scripts._TURN`), and its next delivery resumes it from
its first unlogged slice, neither an attempt nor a takeover. So a one-document job of any namespace
waits for one slice of each job ahead of it, not for the whole of them. Per-document order holds
across turns: the job stays numbered in `pending:{ns}` until its last slice is logged (`ordering.py`).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import redis

from memrag.ingest.job_stats import FinishedJobs
from memrag.ingest.jobs import Job, decode_inputs, slices
from memrag.ingest.loops import run_until
from memrag.ingest.redis_board import RedisJobBoard, failed_fields, input_key, job_key
from memrag.ingest.redis_queue import DELAYED, GROUP, JOBS, ensure_group, log_key
from memrag.ingest.redis_scripts import Scripts, pending_key
from memrag.memory.indexing.batch import encode
from memrag.memory.indexing.prepare import Preparer
from memrag.memory.types import DocumentInput

log = logging.getLogger("memrag.worker")


@dataclass(frozen=True)
class RetryPolicy:
    visibility_s: float = 60.0
    max_attempts: int = 5
    backoff_s: float = 2.0

    def delay(self, attempt: int) -> float:
        return float(self.backoff_s * 2 ** max(0, attempt - 1))


class LeaseLost(Exception):
    """Another worker took this job over (this one was taken for dead): it leaves the job alone."""


Delivery = tuple[bytes, str, bool]  # a stream entry's id, its job id, and whether it is the job's next turn


class Worker:
    """One consumer of the job stream; `run` until `stop` is set (SIGTERM finishes the current slice)."""

    def __init__(self, client: redis.Redis, preparer: Preparer, consumer: str, policy: RetryPolicy) -> None:
        self.redis: Any = client  # redis-py types replies as unions; ours are raw bytes (no decode_responses)
        self.preparer, self.consumer, self.policy = preparer, consumer, policy
        self.board = RedisJobBoard(client)
        self.scripts = Scripts(client)
        self.finished = FinishedJobs(client)  # jobs parked here, counted for monitoring
        ensure_group(client)

    def run(self, stop: threading.Event) -> None:
        run_until(stop, lambda: self.step(block_ms=1000), f"worker {self.consumer}")

    def step(self, block_ms: int) -> bool:
        """Hold at most one job until it ends or gives its turn; False when none was waiting."""
        held = self.take(block_ms)
        if held is None:
            return False
        while held.advance():
            pass
        return True

    def take(self, block_ms: int) -> JobRun | None:
        """Hold the next job: one abandoned by a dead worker (a takeover, not an attempt), else a new
        delivery (an attempt: the first, or a retry whose backoff is over; or a job's next turn)."""
        self.promote_due_retries()
        abandoned = self._claim_abandoned()
        if abandoned is not None:
            entry_id, job_id, _ = abandoned
            log.info("job %s taken over by %s", job_id, self.consumer)
            job = self.board.record_takeover(job_id)
        else:
            delivered = self._read_new(block_ms)
            if delivered is None:
                return None
            entry_id, job_id, turn = delivered
            job = self.board.get(job_id) if turn else self.board.start_attempt(job_id)
        self.redis.hset(job_key(job_id), "worker", self.consumer)  # who holds it, for operators
        return JobRun(self, entry_id, job)

    def promote_due_retries(self) -> None:
        for job_id in self.redis.zrangebyscore(DELAYED, "-inf", time.time()):
            with self.redis.pipeline() as tx:  # MULTI: the retry is moved whole or not at all
                tx.zrem(DELAYED, job_id)
                tx.xadd(JOBS, {"job": job_id})
                tx.execute()

    def _claim_abandoned(self) -> Delivery | None:
        idle_ms = int(self.policy.visibility_s * 1000)
        _, claimed, _ = self.redis.xautoclaim(JOBS, GROUP, self.consumer, idle_ms, "0-0", count=1)
        return _entry(claimed)

    def _read_new(self, block_ms: int) -> Delivery | None:
        found = self.redis.xreadgroup(GROUP, self.consumer, {JOBS: ">"}, count=1, block=block_ms)
        return _entry(found[0][1]) if found else None

    def held_args(self, entry_id: bytes) -> list[Any]:
        return [GROUP, self.consumer, entry_id]

    @contextmanager
    def lease(self, entry_id: bytes) -> Iterator[None]:
        """Renew the hold on `entry_id` every third of the visibility timeout while the body runs."""
        done = threading.Event()

        def beat() -> None:
            while not done.wait(self.policy.visibility_s / 3):
                try:
                    if not self.scripts.renew(keys=[JOBS], args=self.held_args(entry_id)):
                        return  # taken over: the next fenced step finds out
                except redis.RedisError as exc:  # Redis away for a moment: try again at the next beat
                    log.warning("could not renew the lease of %s: %s", entry_id, exc)

        heart = threading.Thread(target=beat, name=f"lease-{self.consumer}", daemon=True)
        heart.start()
        try:
            yield
        finally:
            done.set()
            heart.join()


class JobRun:
    """One worker's hold on one job: each `advance` prepares and logs the next slice, and the one after
    the last releases the job; False once the job has left this worker (finished, retried, parked,
    or taken over by another). A run nobody advances any more is a dead worker's: its lease lapses."""

    def __init__(self, worker: Worker, entry_id: bytes, job: Job) -> None:
        self._w, self.entry_id, self.job = worker, entry_id, job
        self._todo: list[tuple[int, list[DocumentInput] | None]] | None = None  # read at the first advance
        self._raw = b""
        self.ended = False

    def advance(self) -> bool:
        if self.ended:
            return False
        try:
            if self._todo is None:
                self._todo = self._start()
                if self._todo is None:
                    return self._end()
            if self._todo:
                self._log_slice(*self._todo.pop(0))
                if self._todo and self._give_turn():
                    return self._end()
                return True
            self._release()
        except LeaseLost:
            log.info("job %s was taken over from %s; leaving it", self.job.id, self._w.consumer)
        except Exception as exc:  # a job boundary: any failure is recorded, then retried or parked
            self._fail(f"{type(exc).__name__}: {exc}")
        return self._end()

    def _end(self) -> bool:
        self.ended = True
        return False

    def _start(self) -> list[tuple[int, list[DocumentInput] | None]] | None:
        """The slices left to log (a previous attempt may have logged some); None when there is
        nothing to do (the job had ended, or it is parked now)."""
        job, policy = self.job, self._w.policy
        if job.status in ("done", "failed"):
            self._release()
            return None
        if job.attempts > policy.max_attempts:
            self._park(f"gave up after {job.attempts - 1} attempts; last error: {job.error or 'none'}")
            return None
        if job.takeovers > policy.max_attempts:
            self._park(f"taken over {job.takeovers} times: the workers holding it died or hung")
            return None
        raw = self._w.redis.get(input_key(job.id))
        if raw is None:
            raise LookupError(f"the input of job {job.id} is gone from Redis")
        self._raw = raw
        logged = set(self._w.redis.hkeys(job_key(job.id)))
        todo: list[tuple[int, list[DocumentInput] | None]] = (
            [(0, None)] if job.kind == "delete" else list(slices(decode_inputs(raw)))
        )
        return [(n, docs) for n, docs in todo if f"logged:{n}".encode() not in logged]

    def _log_slice(self, slice_no: int, docs: list[DocumentInput] | None) -> None:
        if docs is None:
            self._append(slice_no, {"kind": "delete", "ids": self._raw})
            return
        self._w.board.mark_indexing(self.job, [d.id or "" for d in docs])
        with self._w.lease(self.entry_id):
            batch = self._w.preparer.prepare_inputs(docs)
        self._append(slice_no, {"kind": "batch", "batch": encode(batch)})

    def _append(self, slice_no: int, fields: dict[str, bytes | str]) -> None:
        keys = [JOBS, log_key(self.job.namespace), job_key(self.job.id), pending_key(self.job.namespace)]
        entry = [x for pair in {"job": self.job.id, "slice": str(slice_no), **fields}.items() for x in pair]
        if not self._w.scripts.append(keys=keys, args=[*self._w.held_args(self.entry_id), slice_no, *entry]):
            raise LeaseLost(self.job.id)

    def _give_turn(self) -> bool:
        """Send the job to the back of the stream if other jobs wait (True: it left this worker)."""
        self._w.promote_due_retries()  # a retry whose backoff is over waits too
        args = [*self._w.held_args(self.entry_id), self.job.id]
        given = int(self._w.scripts.turn(keys=[JOBS], args=args))
        if not given:
            raise LeaseLost(self.job.id)
        if given == 1:
            log.debug("job %s gives its turn after a slice", self.job.id)
        return given == 1

    def _release(self, **ended: str) -> None:
        """Every slice is logged, the job had ended, or it is parked (`ended`: the job's fields to set,
        with the release): acknowledge it; it logs no more."""
        keys = [JOBS, pending_key(self.job.namespace), job_key(self.job.id), input_key(self.job.id)]
        fields = [x for pair in ended.items() for x in pair]
        self._w.scripts.release(keys=keys, args=[*self._w.held_args(self.entry_id), self.job.id, *fields])

    def _fail(self, reason: str) -> None:
        if self.job.attempts >= self._w.policy.max_attempts:
            self._park(f"failed {self.job.attempts} times; last error: {reason}")
            return
        log.warning("job %s attempt %d failed: %s", self.job.id, self.job.attempts, reason)
        due = time.time() + self._w.policy.delay(self.job.attempts)
        keys = [JOBS, DELAYED, job_key(self.job.id)]
        args = [*self._w.held_args(self.entry_id), self.job.id, due, json.dumps(reason)]
        self._w.scripts.retry(keys=keys, args=args)

    def _park(self, reason: str) -> None:
        log.error("job %s parked as failed: %s", self.job.id, reason)
        self._release(**failed_fields(reason))
        self._w.finished.count(self.job.id, "failed")  # counted only if the release parked it


def _entry(entries: list[tuple[bytes, dict[bytes, bytes]]]) -> Delivery | None:
    if not entries:
        return None
    entry_id, fields = entries[0]
    return entry_id, fields[b"job"].decode(), b"turn" in fields
