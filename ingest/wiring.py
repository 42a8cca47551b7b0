"""The composition root of ingestion: jobs in this process or through Redis workers."""

from __future__ import annotations

from memrag.ingest.jobs import JobQueue
from memrag.ingest.local_jobs import LocalJobs
from memrag.ingest.redis_queue import RedisJobs, connect
from memrag.ingest.worker import RetryPolicy
from memrag.memory.settings import Settings
from memrag.memory.wiring import Engines


def make_jobs(settings: Settings, engines: Engines) -> JobQueue:
    """Jobs through Redis workers when MEMRAG_REDIS_URL is set; in this process otherwise."""
    if settings.redis_url:
        return RedisJobs(connect(settings.redis_url))
    return LocalJobs(engines, settings.data_dir / "jobs.sqlite")


def retry_policy(settings: Settings) -> RetryPolicy:
    return RetryPolicy(
        settings.job_visibility_s, settings.job_max_attempts, settings.job_backoff_s, settings.log_retention
    )
