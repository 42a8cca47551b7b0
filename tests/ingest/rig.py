"""A Redis-mode rig for ingestion tests: one writer engine, N preparing workers and an applier, all
stepped in this process over the test Redis; and an extractor whose failures and speed a test scripts."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import redis

from memrag.ingest.applied_log import AppliedLog
from memrag.ingest.applier import Applier
from memrag.ingest.jobs import Job
from memrag.ingest.ordering import DocumentOrder
from memrag.ingest.redis_queue import RedisJobs
from memrag.ingest.worker import RetryPolicy, Worker
from memrag.memory.engine import Engine
from memrag.memory.extraction.recorded import RecordedExtractor
from memrag.memory.indexing.prepare import Preparer
from memrag.memory.types import Extraction
from tests.helpers import make_engine


class ScriptedExtractor:
    """Recorded extractions, with failures to come and a delay a test sets: `fail_next(text, n)` makes
    the next n extractions of a batch holding `text` raise (the model server down: the job fails and
    is retried); `delay_s` is slept per call. Counts the passages it was asked for."""

    def __init__(self, recorded: dict[str, Extraction]) -> None:
        self._recorded = RecordedExtractor(recorded)
        self._failures: Counter[str] = Counter()
        self._lock = threading.Lock()
        self.calls: Counter[str] = Counter()
        self.delay_s = 0.0

    @property
    def name(self) -> str:
        return "scripted"

    def fail_next(self, text: str, times: int = 1) -> None:
        with self._lock:
            self._failures[text] += times

    def extract(self, passages: Sequence[str]) -> list[Extraction]:
        with self._lock:
            self.calls.update(passages)
            failing = [t for t in passages if self._failures[t] > 0]
            for text in failing:
                self._failures[text] -= 1
        time.sleep(self.delay_s)
        if failing:
            raise RuntimeError(f"model server unreachable (extracting {failing[0][:30]!r})")
        return self._recorded.extract(passages)


class RedisRig:
    """A namespace's writer engine, `workers` preparing workers and one applier over the test Redis."""

    def __init__(
        self,
        tmp_path: Path,
        client: redis.Redis,
        recorded: dict[str, Extraction],
        policy: RetryPolicy,
        workers: int = 1,
        retention: int = 2000,
    ) -> None:
        self.tmp_path, self.client, self.policy = tmp_path, client, policy
        self.extractor = ScriptedExtractor(recorded)
        self.engine = make_engine(tmp_path / "store", recorded)
        self.jobs = RedisJobs(client)
        self.workers = [self.worker(f"w{i}") for i in range(workers)]
        self.applier = self.writer(retention=retention)

    def worker(self, name: str) -> Worker:
        """A worker preparing with the scripted extractor."""
        base = self.engine.preparer
        return Worker(self.client, Preparer(base.embedder, self.extractor, base.chunker), name, self.policy)

    def writer(self, name: str = "writer", retention: int = 2000, ttl_s: float = 3600.0) -> Applier:
        return Applier(self.client, self.engine_for, self.tmp_path / "positions", name, retention, ttl_s)

    def engine_for(self, namespace: str) -> Engine:
        return self.engine

    def applier_order(self, namespace: str) -> DocumentOrder:
        """The per-document order the writer saved for `namespace` (read from its positions folder)."""
        saved = AppliedLog(self.tmp_path / "positions")
        try:
            return saved.order(namespace)
        finally:
            saved.close()

    def drain(self, job_ids: Sequence[str], limit_s: float = 30.0) -> list[Job]:
        """Step every worker and the applier until these jobs have ended."""
        deadline = time.monotonic() + limit_s
        while time.monotonic() < deadline:
            for worker in self.workers:
                worker.step(block_ms=1)
            self.applier.step(block_ms=1)
            found = [self.jobs.get(j) for j in job_ids]
            if all(j.status in ("done", "failed") for j in found):
                return found
            time.sleep(0.005)
        raise AssertionError(f"jobs did not end: {[self.jobs.get(j) for j in job_ids]}")

    def close(self) -> None:
        self.applier.close()
        self.engine.close()
