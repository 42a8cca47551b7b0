"""Jobs through Redis: submitting them, and the streams that carry them to workers and writers.

Streams (prefix `memrag:`): `jobs` (consumer group `workers`) holds job ids; a worker that
dies leaves its entry pending and another takes it over after the visibility timeout; a job with
slices left goes back to its end after each slice while other jobs wait (a `turn`: `worker.py`).
`jobs:delayed` (sorted set) holds retries until their backoff is over. `log:{ns}` is the
ordered log of prepared batches and deletes of a namespace, which the store's writer (and
any replica) applies in order, trimmed only below what all of them applied (`retention.py`);
`changes:{ns}` announces what was applied. Each job is numbered at submission (`seq:{ns}`,
`pending:{ns}`: `redis_scripts.py`) so that an older write never wins (`ordering.py`). The documents
of add jobs not ended are counted (`waiting`, `waiting:{ns}`) and bounded (`bounds.py`): past the
limits a submission raises QueueFull and writes nothing.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import redis
from redis.backoff import ExponentialBackoff
from redis.retry import Retry

from memrag.ingest.bounds import QueueLimits
from memrag.ingest.jobs import Job, JobKind, encode_inputs, new_job
from memrag.ingest.redis_board import JOB_TTL_S, PREFIX, RedisJobBoard, input_key, job_key
from memrag.ingest.redis_errors import translate_redis_errors
from memrag.ingest.redis_scripts import WAITING, Scripts, pending_key, seq_key, waiting_key
from memrag.memory.errors import StorageError
from memrag.memory.indexing.prepare import identify
from memrag.memory.redact import redact
from memrag.memory.types import DocumentInput

JOBS = f"{PREFIX}jobs"
GROUP = "workers"
DELAYED = f"{PREFIX}jobs:delayed"
NAMESPACES = f"{PREFIX}namespaces"


def log_key(namespace: str) -> str:
    return f"{PREFIX}log:{namespace}"


def changes_key(namespace: str) -> str:
    return f"{PREFIX}changes:{namespace}"


def connect(url: str) -> redis.Redis:
    """A client for MEMRAG_REDIS_URL, checked now so that a wrong URL fails at start-up (the message
    names the URL with its credentials masked). A connection attempt gives up after 5 s, a command
    after 30 s; see `quick_retry` for retries."""
    client = redis.Redis.from_url(
        url, socket_timeout=30, socket_connect_timeout=5, health_check_interval=30, retry=quick_retry()
    )
    try:
        client.ping()
    except redis.RedisError as exc:
        client.close()
        raise StorageError(
            f"cannot reach Redis at MEMRAG_REDIS_URL={redact(url)!r} ({type(exc).__name__}): start it, or fix the URL"
        ) from exc
    return client


def quick_retry() -> Retry:
    """Three quick retries (0.35 s of pauses in all): a restart's blip is ridden out, an outage fails
    fast (a 503 in well under a second, not redis-py's default of several seconds per command)."""
    return Retry(ExponentialBackoff(cap=0.2, base=0.05), 3)


def ensure_group(client: redis.Redis) -> None:
    try:
        client.xgroup_create(JOBS, GROUP, id="0", mkstream=True)
    except redis.ResponseError as exc:
        if "BUSYGROUP" not in str(exc):
            raise


@translate_redis_errors
class RedisJobs:
    """Submits add and delete jobs for `memrag worker` processes; reads their progress. Redis down: StorageError."""

    def __init__(self, client: redis.Redis, limits: QueueLimits | None = None) -> None:
        self._r: Any = client  # redis-py types replies as unions; ours are raw bytes (no decode_responses)
        self.limits = limits or QueueLimits()
        self.board = RedisJobBoard(client)
        self._scripts = Scripts(client)
        ensure_group(client)

    def submit_add(self, namespace: str, documents: Sequence[DocumentInput]) -> Job:
        docs = identify(documents)
        return self._submit(namespace, "add", [d for d, _ in docs], encode_inputs(docs))

    def submit_delete(self, namespace: str, document_ids: Sequence[str]) -> Job:
        ids = list(dict.fromkeys(document_ids))
        return self._submit(namespace, "delete", ids, json.dumps(ids).encode())

    def _submit(self, namespace: str, kind: JobKind, doc_ids: list[str], payload: bytes) -> Job:
        """Its place in the bound first (refused: nothing written); then the input and the job's record;
        then, in one step, its number and its place in the queue."""
        job = new_job(namespace, kind, len(doc_ids))
        waiting = len(doc_ids) if kind == "add" else 0
        if waiting:
            self._reserve(job, waiting)
        try:
            self._r.set(input_key(job.id), payload, ex=JOB_TTL_S)
            self.board.create(job, doc_ids if kind == "add" else [])
            keys = [seq_key(namespace), pending_key(namespace), job_key(job.id), NAMESPACES, JOBS]
            seq = self._scripts.submit(keys=keys, args=[job.id, namespace])
        except BaseException:
            if waiting:  # not queued: its documents wait nowhere (if Redis is away now, they stay counted)
                with contextlib.suppress(redis.RedisError):
                    self._scripts.release_waiting(keys=[job_key(job.id)])
            raise
        return replace(job, seq=int(seq))

    def _reserve(self, job: Job, documents: int) -> None:
        """Count the job's documents as waiting, or raise QueueFull / InvalidInput (nothing counted)."""
        self.limits.check(job.namespace, documents, 0, 0)  # a job no namespace could ever take
        keys = [WAITING, waiting_key(job.namespace), job_key(job.id)]
        args = [documents, self.limits.per_namespace, self.limits.total, JOB_TTL_S]
        counted = self._scripts.reserve(keys=keys, args=args)
        if not int(counted[0]):
            self.limits.check(job.namespace, documents, int(counted[1]), int(counted[2]))

    def waiting_documents(self, namespace: str | None = None) -> int:
        """Documents of add jobs accepted and not ended: of `namespace`, or in all."""
        return int(self._r.get(WAITING if namespace is None else waiting_key(namespace)) or 0)

    def get(self, job_id: str) -> Job:
        return self.board.get(job_id)

    def close(self) -> None:
        self._r.close()
