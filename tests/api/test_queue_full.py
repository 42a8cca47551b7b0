"""A full job queue over HTTP: 429 with Retry-After and a problem body that says what to do; what was
accepted before is indexed whole, what was refused is not stored, and room comes back as jobs end."""

import time

from fastapi.testclient import TestClient

from memrag.api.app import create_app
from memrag.api.prometheus import Metrics
from memrag.api.registry import SqliteRegistry
from memrag.api.services import Services
from memrag.ingest.bounds import QueueLimits
from memrag.ingest.local_jobs import LocalJobs
from memrag.memory.settings import Settings
from memrag.memory.wiring import Engines
from tests.helpers import extractions, leaks, make_engine
from tests.ingest.gate import GatedExtractor

ADMIN = "queue-full-admin-key-0123"
TEXTS = [f"Report {i}: station{i} feeds station{i + 1}." for i in range(6)]
RECORDED = extractions({t: [(f"station{i}", "feeds", f"station{i + 1}")] for i, t in enumerate(TEXTS)})


def _documents(first: int, last: int) -> dict[str, list[dict[str, str]]]:
    return {"documents": [{"text": TEXTS[i], "id": f"r{i}"} for i in range(first, last)]}


def _job(client: TestClient, job_id: str, headers: dict[str, str]) -> dict[str, object]:
    for _ in range(1000):
        job: dict[str, object] = client.get(f"/v1/jobs/{job_id}", headers=headers).json()
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.01)
    raise AssertionError(f"job {job_id} did not end")


def test_a_full_queue_is_429_with_retry_after_and_loses_nothing_accepted(tmp_path):
    gate = GatedExtractor(RECORDED)
    engine = make_engine(tmp_path / "store", extractor=gate)
    settings = Settings(data_dir=tmp_path, admin_key=ADMIN)
    engines = Engines(settings, open_one=lambda ns: engine)
    registry = SqliteRegistry(tmp_path / "registry.sqlite")
    registry.create_namespace("team")
    jobs = LocalJobs(engines, limits=QueueLimits(total=8, per_namespace=4, retry_after_s=7))
    admin = {"Authorization": f"Bearer {ADMIN}"}
    with TestClient(create_app(services=Services(settings, engines, jobs, registry, Metrics()))) as client:
        first = client.post("/v1/namespaces/team/documents", headers=admin, json=_documents(0, 3))
        assert first.status_code == 202, first.text
        gate.wait_for_call(1)  # the job is held at the gate: its three documents wait
        refused = client.post("/v1/namespaces/team/documents", headers=admin, json=_documents(3, 5))
        assert refused.status_code == 429 and refused.headers["retry-after"] == "7"
        assert refused.headers["content-type"] == "application/problem+json"
        detail = refused.json()["detail"]
        assert "namespace 'team' has 3 documents waiting" in detail and "send these 2 again" in detail
        assert not leaks(refused.text), refused.text
        fits = client.put("/v1/namespaces/team/documents/r9", headers=admin, json={"text": TEXTS[5]})
        assert fits.status_code == 202  # four: the namespace's share exactly
        gate.open(10)
        assert _job(client, first.json()["job_id"], admin)["indexed"] == 3
        assert _job(client, fits.json()["job_id"], admin)["indexed"] == 1
        listed = client.get("/v1/namespaces/team/documents", headers=admin).json()["documents"]
        assert sorted(d["id"] for d in listed) == ["r0", "r1", "r2", "r9"]  # the refused two are not there
        again = client.post("/v1/namespaces/team/documents", headers=admin, json=_documents(3, 5))
        assert again.status_code == 202 and _job(client, again.json()["job_id"], admin)["indexed"] == 2
