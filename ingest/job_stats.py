"""Cluster-wide counts for monitoring: jobs that ended, and how far behind a log position is.

`memrag:stats:jobs_finished` maps "{kind}:{status}" (add|delete, done|failed) to the number of
jobs that ended so. Whoever ends a job counts it (the applier that records its last slice or fails
it, the worker that parks it), once: the count is taken in the same script that marks the job
`counted`, so a slice re-applied by a replica, or a failure recorded twice, counts nothing more.
The same script gives the job's documents back to the queue's bound (`redis_scripts.py`).
"""

from __future__ import annotations

from typing import Any

import redis

from memrag.ingest.redis_board import PREFIX, job_key
from memrag.ingest.redis_scripts import RELEASE_WAITING

FINISHED = f"{PREFIX}stats:jobs_finished"
LAG_COUNT_CAP = 2000  # entries counted past a position at most (the default MEMRAG_LOG_RETENTION)
_PAGE = 100

# KEYS: job hash, stats hash. ARGV: status. Counts a job that still exists and was not counted yet
# (`failed`: only if its record says so — a worker whose lease was lost parked nothing).
_COUNT = (
    """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if ARGV[1] == 'failed' and redis.call('HGET', KEYS[1], 'status') ~= '"failed"' then return 0 end
"""
    + RELEASE_WAITING
    + """
if redis.call('HSETNX', KEYS[1], 'counted', ARGV[1]) == 0 then return 0 end
local kind = redis.call('HGET', KEYS[1], 'kind') or '"unknown"'
kind = string.gsub(kind, '"', '')
redis.call('HINCRBY', KEYS[2], kind .. ':' .. ARGV[1], 1)
return 1
"""
)


class FinishedJobs:
    """Counts jobs that ended in Redis (`count`) and reads the counts (`read`)."""

    def __init__(self, client: redis.Redis) -> None:
        self._r: Any = client
        self._count: Any = client.register_script(_COUNT)

    def count(self, job_id: str, status: str) -> bool:
        """Count job `job_id` as ended with `status` unless it was counted already; True if counted now."""
        return bool(self._count(keys=[job_key(job_id), FINISHED], args=[status]))

    def read(self) -> dict[tuple[str, str], int]:
        """(kind, status) → jobs ended so, for every kind and status (0 when none)."""
        counts = {(k, s): 0 for k in ("add", "delete") for s in ("done", "failed")}
        for field, value in self._r.hgetall(FINISHED).items():
            kind, _, status = field.decode().partition(":")
            counts[(kind, status)] = int(value)
        return counts


def entries_after(client: redis.Redis, stream: str, position: str | None, cap: int = LAG_COUNT_CAP) -> int:
    """Entries of `stream` after entry id `position` (all it holds when None), counted up to `cap`.

    Streams cannot count a range without reading it, so this reads pages of entries after the
    position; `cap` bounds the cost when far behind (reported as `cap`)."""
    r: Any = client
    if position is None:
        return min(int(r.xlen(stream)), cap)
    counted, start = 0, f"({position}"
    while counted < cap:
        page = r.xrange(stream, min=start, max="+", count=min(_PAGE, cap - counted))
        counted += len(page)
        if len(page) < _PAGE:
            break
        start = f"({page[-1][0].decode()}"
    return counted
