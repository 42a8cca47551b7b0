"""The operational metrics on /metrics (deploy/README.md, "Metrics"): queue depth, finished jobs,
log lag, graph sizes and readiness, read at scrape time — through a real Redis, and embedded."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import redis
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from memrag.api import routes_ops
from memrag.api.app import create_app
from memrag.api.prometheus import Metrics
from memrag.api.registry import RedisRegistry, SqliteRegistry
from memrag.api.services import Services
from memrag.ingest.applier import Applier
from memrag.ingest.job_stats import FINISHED, FinishedJobs, entries_after
from memrag.ingest.local_jobs import LocalJobs
from memrag.ingest.redis_board import RedisJobBoard
from memrag.ingest.redis_queue import RedisJobs, log_key
from memrag.ingest.worker import RetryPolicy, Worker
from memrag.memory.engine import Engine
from memrag.memory.errors import StorageError
from memrag.memory.settings import Settings
from memrag.memory.types import DocumentInput
from memrag.memory.wiring import Engines
from tests.helpers import extractions, make_engine

TABLE = {
    f"Document {i}: person {i} met person {i + 1} in city {i % 3}.": [
        (f"person {i}", "met", f"person {i + 1}"),
        (f"person {i + 1}", "lives in", f"city {i % 3}"),
    ]
    for i in range(12)
}
DOCS = [DocumentInput(text=t, id=f"doc{i}") for i, t in enumerate(TABLE)]
FAST = RetryPolicy(visibility_s=0.5, max_attempts=2, backoff_s=0.05)
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def scrape(client: TestClient) -> Samples:
    response = client.get("/metrics")
    assert response.status_code == 200
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(response.text)
        for s in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float | None:
    return samples.get((name, tuple(sorted(labels.items()))))


@contextmanager
def app_over(services: Services) -> Iterator[TestClient]:
    with TestClient(create_app(services=services)) as client:
        yield client


def test_redis_mode_queue_finished_lag_and_graph(tmp_path: Path, redis_client: redis.Redis, redis_url: str) -> None:
    recorded = extractions(TABLE)
    writer_engine = make_engine(tmp_path / "writer", recorded)
    replica_engine = make_engine(tmp_path / "replica", recorded)
    settings = Settings(data_dir=tmp_path / "data", redis_url=redis_url)
    engines = Engines(settings, open_one=lambda ns: replica_engine)
    jobs = RedisJobs(redis_client)
    replica = Applier(redis_client, engines, tmp_path / "replica-positions", name="api-test")
    writer = Applier(redis_client, lambda ns: writer_engine, tmp_path / "writer-positions", name="writer")
    worker = Worker(redis_client, writer_engine.preparer, "w1", FAST)
    services = Services(settings, engines, jobs, RedisRegistry(redis_client), Metrics(), redis_client, replica)
    with app_over(services) as client:
        before = scrape(client)
        assert value(before, "memrag_ready") == 1
        assert value(before, "memrag_jobs_queue_depth", state="waiting") == 0
        assert value(before, "memrag_jobs_finished_total", kind="add", status="done") == 0
        assert value(before, "process_resident_memory_bytes")

        job = jobs.submit_add("ns", DOCS)
        queued = scrape(client)
        assert value(queued, "memrag_jobs_queue_depth", state="waiting") == 1
        assert value(queued, "memrag_jobs_queue_depth", state="running") == 0

        for _ in range(50):  # the worker prepares every slice; the writer is stopped
            worker.step(block_ms=10)
            if redis_client.xlen(log_key("ns")) >= job.slices:
                break
        replica.step(block_ms=10)  # the replica (this process) applies what is logged
        logged = scrape(client)
        assert value(logged, "memrag_jobs_queue_depth", state="waiting") == 0
        assert value(logged, "memrag_log_lag_entries", namespace="ns", role="writer") == job.slices
        assert value(logged, "memrag_log_lag_entries", namespace="ns", role="replica") == 0
        assert value(logged, "memrag_graph_nodes", namespace="ns") == replica_engine.graph.size > 0

        for _ in range(20):  # the writer catches up
            if writer.step(block_ms=10) == 0:
                break
        caught_up = scrape(client)
        assert value(caught_up, "memrag_log_lag_entries", namespace="ns", role="writer") == 0
        assert jobs.get(job.id).status == "done"
        assert value(caught_up, "memrag_jobs_finished_total", kind="add", status="done") == 1  # counted once
        assert value(caught_up, "memrag_jobs_finished_total", kind="add", status="failed") == 0


def test_a_job_is_counted_once_and_failed_only_when_its_record_says_so(redis_client: redis.Redis) -> None:
    jobs = RedisJobs(redis_client)
    job = jobs.submit_add("ns", DOCS[:1])
    finished = FinishedJobs(redis_client)
    assert not finished.count(job.id, "failed")  # not parked: nothing to count
    RedisJobBoard(redis_client).fail(job.id, "broken")
    assert finished.count(job.id, "failed")
    assert not finished.count(job.id, "failed") and not finished.count(job.id, "done")
    assert not finished.count("no-such-job", "done")
    assert finished.read()[("add", "failed")] == 1 and redis_client.hlen(FINISHED) == 1


def test_entries_after_counts_in_pages_up_to_a_cap(redis_client: redis.Redis) -> None:
    r: Any = redis_client  # raw bytes replies
    ids = [r.xadd("s", {"x": "1"}).decode() for _ in range(250)]
    assert entries_after(redis_client, "s", None) == 250
    assert entries_after(redis_client, "s", "0-0") == 250
    assert entries_after(redis_client, "s", ids[49]) == 200
    assert entries_after(redis_client, "s", ids[-1]) == 0
    assert entries_after(redis_client, "s", "0-0", cap=120) == 120


def test_ready_is_0_when_a_check_fails_or_hangs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    engines = Engines(settings, open_one=lambda ns: make_engine(tmp_path / ns))
    registry = SqliteRegistry(tmp_path / "registry.sqlite")
    services = Services(settings, engines, LocalJobs(engines), registry, Metrics())
    monkeypatch.setattr(routes_ops, "READY_TIMEOUT_S", 0.3)
    with app_over(services) as app:
        assert value(scrape(app), "memrag_ready") == 1
        monkeypatch.setattr(registry, "namespaces", lambda: (_ for _ in ()).throw(StorageError("registry down")))
        assert value(scrape(app), "memrag_ready") == 0
        monkeypatch.setattr(registry, "namespaces", lambda: time.sleep(1.0))
        started = time.monotonic()
        samples = scrape(app)
        assert value(samples, "memrag_ready") == 0 and time.monotonic() - started < 0.9  # not waited for
        assert value(samples, "process_resident_memory_bytes")


def test_embedded_mode_counts_its_own_jobs(tmp_path: Path) -> None:
    engine: Engine = make_engine(tmp_path / "store", extractions(TABLE))
    settings = Settings(data_dir=tmp_path / "data")
    engines = Engines(settings, open_one=lambda ns: engine)
    jobs = LocalJobs(engines)
    services = Services(settings, engines, jobs, SqliteRegistry(tmp_path / "registry.sqlite"), Metrics())
    with app_over(services) as client:
        job = jobs.submit_add("ns", DOCS)
        deadline = time.monotonic() + 30
        while jobs.get(job.id).status not in ("done", "failed") and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.1)  # the loop counts the job just after it ends
        samples = scrape(client)
    assert jobs.get(job.id).status == "done"
    assert value(samples, "memrag_jobs_finished_total", kind="add", status="done") == 1
    assert value(samples, "memrag_jobs_queue_depth", state="waiting") == 0
    assert value(samples, "memrag_jobs_queue_depth", state="running") == 0
    assert value(samples, "memrag_graph_nodes", namespace="ns") == engine.graph.size > 0
    assert value(samples, "memrag_ready") == 1
    assert not [k for k in samples if k[0] == "memrag_log_lag_entries"]  # no log without Redis
