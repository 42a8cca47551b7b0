"""The job board on Redis: jobs, their applied slices and document states, shared by every process.

Keys (prefix `memrag:`): `job:{id}` a hash of the job's fields plus one `slice:{n}` field per
applied slice (HSETNX: the first record of a slice wins, so re-applied work counts once);
`job:{id}:input` the documents to process (deleted when the job ends); `docs:{ns}` document id → state;
`spent:{ns}` what the namespace's applied slices cost (usage fields → totals, only growing), added in
the same script as the slice's HSETNX so that a slice is charged exactly when it is first recorded;
`spent` the namespaces that have spent something; `jobs:{ns}` the namespace's job ids by creation time (a
sorted set, trimmed to the jobs not yet expired), for listing.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, replace
from typing import Any

import redis

from memrag.ingest.jobs import DocumentState, Job, SliceResult, slice_from_json, slice_to_json, summarize
from memrag.ingest.redis_errors import translate_redis_errors
from memrag.memory.errors import NotFound
from memrag.memory.llm.usage import Usage

PREFIX = "memrag:"
JOB_TTL_S = 7 * 24 * 3600  # a job's record is kept a week, then expires (its input too, if the job never ended)
_META = (
    "namespace",
    "kind",
    "status",
    "documents",
    "slices",
    "attempts",
    "takeovers",
    "seq",
    "error",
    "created_at",
    "updated_at",
)
SPENT = f"{PREFIX}spent"
# KEYS: the job hash, the namespace's spent hash, SPENT; ARGV: slice field, slice JSON, namespace,
# then (usage field, amount) pairs. Charges the namespace only if this call recorded the slice.
_RECORD_SLICE = """
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 0 then return 0 end
if #ARGV > 3 then redis.call('SADD', KEYS[3], ARGV[3]) end
for i = 4, #ARGV, 2 do redis.call('HINCRBYFLOAT', KEYS[2], ARGV[i], ARGV[i + 1]) end
return 1
"""


def job_key(job_id: str) -> str:
    return f"{PREFIX}job:{job_id}"


def input_key(job_id: str) -> str:
    return f"{PREFIX}job:{job_id}:input"


def docs_key(namespace: str) -> str:
    return f"{PREFIX}docs:{namespace}"


def spent_key(namespace: str) -> str:
    return f"{PREFIX}spent:{namespace}"


def jobs_key(namespace: str) -> str:
    return f"{PREFIX}jobs:{namespace}"


@translate_redis_errors
class RedisJobBoard:
    """JobBoard over Redis; safe for any number of workers and writers at once. Redis down: StorageError."""

    def __init__(self, client: redis.Redis) -> None:
        self._r: Any = client  # redis-py types replies as unions; ours are raw bytes (no decode_responses)
        self._record_slice = client.register_script(_RECORD_SLICE)

    def create(self, job: Job, document_ids: list[str]) -> None:
        fields = {k: json.dumps(v) for k, v in asdict(job).items() if k in _META}
        queued = json.dumps(asdict(DocumentState("queued", job.id)))
        with self._r.pipeline() as tx:
            tx.hset(job_key(job.id), mapping=fields)
            tx.expire(job_key(job.id), JOB_TTL_S)
            if document_ids:
                tx.hset(docs_key(job.namespace), mapping=dict.fromkeys(document_ids, queued))
            tx.zadd(jobs_key(job.namespace), {job.id: job.created_at})
            tx.zremrangebyscore(jobs_key(job.namespace), "-inf", job.created_at - JOB_TTL_S)  # expired ones
            tx.expire(jobs_key(job.namespace), JOB_TTL_S)
            tx.execute()

    def get(self, job_id: str) -> Job:
        raw = self._r.hgetall(job_key(job_id))
        if not raw:
            raise NotFound(f"no job {job_id!r}; job ids are returned when documents are sent")
        return _job_of(job_id, raw)

    def start_attempt(self, job_id: str) -> Job:
        attempts = self._r.hincrby(job_key(job_id), "attempts", 1)
        self._r.hset(job_key(job_id), "updated_at", json.dumps(time.time()))
        return replace(self.get(job_id), attempts=int(attempts))

    def record_takeover(self, job_id: str) -> Job:
        """Another worker took the job over (its holder stopped renewing the lease): not an attempt."""
        self._r.hincrby(job_key(job_id), "takeovers", 1)
        self._r.hset(job_key(job_id), "updated_at", json.dumps(time.time()))
        return self.get(job_id)

    def record_slice(self, job_id: str, slice_no: int, result: SliceResult) -> None:
        job = self.get(job_id)
        charge = [x for k, v in result.cost.as_dict().items() if v for x in (k, v)]
        keys = [job_key(job_id), spent_key(job.namespace), SPENT]
        if not self._record_slice(keys=keys, args=[f"slice:{slice_no}", slice_to_json(result), job.namespace, *charge]):
            return
        states = {d: json.dumps(asdict(s)) for d, s in result.document_states(job_id).items()}
        with self._r.pipeline() as tx:
            if states:
                tx.hset(docs_key(job.namespace), mapping=states)
            tx.hset(job_key(job_id), "updated_at", json.dumps(time.time()))
            if job.applied_slices + 1 >= job.slices:  # the job is done: its input is needed no more
                tx.delete(input_key(job_id))
            tx.execute()

    def spent(self) -> dict[str, Usage]:
        """What the jobs of each namespace have cost, cluster-wide (monotonic: for Prometheus counters)."""
        namespaces = sorted(n.decode() for n in self._r.smembers(SPENT))
        with self._r.pipeline(transaction=False) as batch:
            for namespace in namespaces:
                batch.hgetall(spent_key(namespace))
            totals = batch.execute()
        return {n: _usage_of(raw) for n, raw in zip(namespaces, totals, strict=True)}

    def fail(self, job_id: str, reason: str) -> None:
        with self._r.pipeline() as tx:
            tx.hset(job_key(job_id), mapping=failed_fields(reason))
            tx.delete(input_key(job_id))
            tx.execute()

    def document_state(self, namespace: str, doc_id: str) -> DocumentState | None:
        raw = self._r.hget(docs_key(namespace), doc_id)
        return None if raw is None else DocumentState(**json.loads(raw))

    def jobs_of(self, namespace: str, limit: int, after: str | None = None) -> list[Job]:
        start = 0
        if after is not None:
            rank = self._r.zrevrank(jobs_key(namespace), after)
            if rank is None:
                return []
            start = int(rank) + 1
        ids = [raw.decode() for raw in self._r.zrevrange(jobs_key(namespace), start, start + limit - 1)]
        pipe = self._r.pipeline(transaction=False)  # one round trip for the page, not one per job
        for job_id in ids:
            pipe.hgetall(job_key(job_id))
        found = zip(ids, pipe.execute(), strict=True)
        return [_job_of(job_id, raw) for job_id, raw in found if raw]  # an empty hash: expired meanwhile

    def mark_indexing(self, job: Job, document_ids: list[str]) -> None:
        state = json.dumps(asdict(DocumentState("indexing", job.id)))
        if not document_ids:
            return
        now = self._r.hmget(docs_key(job.namespace), document_ids)
        mine = [
            d for d, raw in zip(document_ids, now, strict=True) if raw is None or json.loads(raw)["job_id"] == job.id
        ]
        if mine:  # a later job's state is left alone (a retried older job must not take it back)
            self._r.hset(docs_key(job.namespace), mapping=dict.fromkeys(mine, state))


def failed_fields(reason: str) -> dict[str, str]:
    """The fields that make a job failed with `reason` (a worker parks a job with them, fenced)."""
    return {"status": json.dumps("failed"), "error": json.dumps(reason), "updated_at": json.dumps(time.time())}


def _job_of(job_id: str, raw: dict[bytes, bytes]) -> Job:
    """A job and its progress from its stored hash (meta fields as JSON, one `slice:N` field per slice)."""
    fields = {k.decode(): v for k, v in raw.items()}
    meta: dict[str, Any] = {k: json.loads(fields[k]) for k in _META if k in fields}
    results = [slice_from_json(v) for k, v in fields.items() if k.startswith("slice:")]
    return summarize(Job(id=job_id, **meta), results)


def _usage_of(raw: dict[bytes, bytes]) -> Usage:
    """A `spent:{ns}` hash as usage (HINCRBYFLOAT keeps every figure as a decimal string)."""
    figures = {k.decode(): float(v) for k, v in raw.items()}
    return Usage.of_dict({k: v if k == "embed_seconds" else round(v) for k, v in figures.items()})
