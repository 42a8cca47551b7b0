"""The composition root of ingestion: jobs in this process or through Redis workers, and who writes the store."""

from __future__ import annotations

import redis

from memrag.ingest.applier import Applier
from memrag.ingest.bounds import QueueLimits
from memrag.ingest.follower import ChangeFollower
from memrag.ingest.jobs import JobQueue
from memrag.ingest.local_jobs import LocalJobs
from memrag.ingest.redis_queue import RedisJobs, connect
from memrag.ingest.worker import RetryPolicy
from memrag.memory.settings import Settings
from memrag.memory.wiring import Engines


def make_jobs(settings: Settings, engines: Engines) -> JobQueue:
    """Jobs through Redis workers when MEMRAG_REDIS_URL is set; in this process otherwise."""
    if settings.redis_url:
        return RedisJobs(connect(settings.redis_url), QueueLimits.of(settings))
    return LocalJobs(engines, settings.data_dir / "jobs.sqlite", QueueLimits.of(settings))


def serving_writes_store(settings: Settings) -> bool:
    """Whether a serving process writes its store: yes for embedded storage; with a Qdrant server and
    Redis it is one of N readers, and `memrag worker --apply` writes."""
    return not (settings.qdrant_url and settings.redis_url)


def store_sync(
    settings: Settings, client: redis.Redis, engines: Engines, name: str, writer: bool
) -> Applier | ChangeFollower:
    """The loop that keeps this process's engines current through Redis: the store's one writer
    applies the log (its positions kept under the data directory); a reader follows the change feed."""
    if writer:
        return Applier(client, engines, settings.data_dir / "log-positions", name, settings.log_retention)
    return ChangeFollower(client, engines)


def retry_policy(settings: Settings) -> RetryPolicy:
    return RetryPolicy(settings.job_visibility_s, settings.job_max_attempts, settings.job_backoff_s)
