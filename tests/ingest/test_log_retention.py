"""The namespace log never drops work an applier has not applied: it is trimmed only below what the
writer and every registered replica applied, keeping MEMRAG_LOG_RETENTION entries behind; a replica
that was away so long that its registration lapsed finds out, stops, and says so on /readyz."""

import time

import pytest
from fastapi.testclient import TestClient

from memrag.api.app import create_app
from memrag.api.prometheus import Metrics
from memrag.api.registry import RedisRegistry
from memrag.api.services import Services
from memrag.ingest.applier import Applier
from memrag.ingest.redis_queue import log_key
from memrag.ingest.retention import positions_key
from memrag.ingest.worker import RetryPolicy
from memrag.memory.settings import Settings
from memrag.memory.types import DocumentInput
from memrag.memory.wiring import Engines
from tests.helpers import extractions, graph_signature, make_engine
from tests.ingest.rig import RedisRig

RETENTION = 5  # the setting allows 10 at least; 5 keeps the test short (each entry flushes the store)
TEXTS = [f"Lighthouse {i} stands on cape {i % 7} and guides ships to port {i % 5}." for i in range(3 * RETENTION + 15)]
RECORDED = extractions(
    {
        t: [(f"lighthouse {i}", "stands on", f"cape {i % 7}"), (f"cape {i % 7}", "near", f"port {i % 5}")]
        for i, t in enumerate(TEXTS)
    }
)
DOCS = [DocumentInput(text=t, id=f"l{i}") for i, t in enumerate(TEXTS)]


@pytest.fixture
def rig(tmp_path, redis_client):
    made = RedisRig(tmp_path, redis_client, RECORDED, RetryPolicy(5.0, 3, 0.05), retention=RETENTION)
    yield made
    made.close()


def prepare_only(rig: RedisRig, docs: list[DocumentInput]) -> list[str]:
    """Send each document as a job of its own and let the worker log them all (no writer runs)."""
    ids = [rig.jobs.submit_add("ns", [doc]).id for doc in docs]
    while rig.workers[0].step(block_ms=1):
        pass
    return ids


def replica(rig: RedisRig, name: str = "replica", ttl_s: float = 3600.0):
    engine = make_engine(rig.tmp_path / f"{name}-store", RECORDED)
    return engine, Applier(rig.client, lambda ns: engine, rig.tmp_path / f"{name}-positions", name, RETENTION, ttl_s)


def test_a_lagging_writer_applies_three_times_the_retention_when_it_comes_back(rig):
    rig.drain([rig.jobs.submit_add("ns", DOCS[:1]).id])  # the writer has run: it is registered
    rig.applier.close()  # ... and stops
    sent = prepare_only(rig, DOCS[1 : 1 + 3 * RETENTION])
    assert rig.client.xlen(log_key("ns")) == 1 + 3 * RETENTION  # nothing trimmed: the writer has not applied it
    assert {rig.jobs.get(j).status for j in sent} == {"running"}
    rig.applier = rig.writer(retention=RETENTION)  # the writer comes back
    finished = rig.drain(sent)
    assert [j.status for j in finished] == ["done"] * len(sent) and sum(j.indexed for j in finished) == len(sent)
    assert len(rig.engine.list_documents()) == 1 + 3 * RETENTION
    assert rig.client.xlen(log_key("ns")) == RETENTION  # now trimmed, down to the entries kept behind it


def test_a_registered_replica_that_is_down_holds_the_log_until_it_has_applied_it(rig):
    replica_engine, replica_applier = replica(rig)
    rig.drain([rig.jobs.submit_add("ns", DOCS[:1]).id])
    replica_applier.step(block_ms=1)  # the replica applies the first entry, then is down
    sent = prepare_only(rig, DOCS[1 : 1 + 2 * RETENTION])
    rig.drain(sent)  # the writer applies everything; the replica's position holds the log
    assert rig.client.xlen(log_key("ns")) == 1 + 2 * RETENTION
    while replica_applier.step(block_ms=1):  # back: it catches up from the log
        pass
    assert graph_signature(replica_engine) == graph_signature(rig.engine)
    rig.drain([rig.jobs.submit_add("ns", DOCS[-1:]).id])  # the next entry lets the writer trim
    assert rig.client.xlen(log_key("ns")) == RETENTION
    replica_applier.close()
    replica_engine.close()


def test_a_replica_whose_registration_lapsed_finds_the_log_trimmed_stops_and_is_not_ready(rig, tmp_path):
    rig.applier.close()
    rig.applier = rig.writer(retention=RETENTION, ttl_s=0.3)  # registrations not renewed in 0.3 s lapse
    replica_engine, replica_applier = replica(rig)
    rig.drain([rig.jobs.submit_add("ns", DOCS[:1]).id])
    replica_applier.step(block_ms=1)
    time.sleep(0.4)  # the replica is away longer than a registration lives
    rig.drain(prepare_only(rig, DOCS[1 : 2 + RETENTION]))
    assert b"replica" not in rig.client.hgetall(positions_key("ns"))  # no longer waited for
    assert rig.client.xlen(log_key("ns")) == RETENTION  # trimmed past the replica
    assert replica_applier.step(block_ms=1) == 0  # back: it applies nothing of what is left
    assert replica_applier.behind_retained and "'ns'" in replica_applier.behind_reason
    assert len(replica_engine.list_documents()) == 1
    assert b"replica" not in rig.client.hgetall(positions_key("ns"))  # and does not hold the log back
    settings = Settings(data_dir=tmp_path / "api")
    engines = Engines(settings)
    services = Services(settings, engines, rig.jobs, RedisRegistry(rig.client), Metrics(), sync=replica_applier)
    with TestClient(create_app(services=services), raise_server_exceptions=False) as client:
        ready = client.get("/readyz")
    assert ready.status_code == 503 and "behind what the log of namespace 'ns' retains" in ready.text
    replica_engine.close()
