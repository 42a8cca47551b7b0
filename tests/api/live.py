"""A client's view of a live `memrag serve` process: keys, namespaces and waiting for jobs."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from memrag.api.app import create_app
from memrag.api.prometheus import Metrics
from memrag.api.registry import SqliteRegistry
from memrag.api.services import Services
from memrag.ingest.local_jobs import LocalJobs
from memrag.memory.engine import Engine
from memrag.memory.settings import Settings
from memrag.memory.wiring import Engines
from tests.helpers import free_port

ADMIN_KEY = "test-admin-key-0123456789"


@dataclass(frozen=True)
class Live:
    url: str
    admin: dict[str, str]

    def client(self, key: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=60)

    def namespace_with_key(self) -> tuple[str, str]:
        """A fresh namespace and a key for it."""
        name = f"ns-{uuid.uuid4().hex[:10]}"
        with self.client(ADMIN_KEY) as admin:
            admin.post("/v1/namespaces", json={"name": name}).raise_for_status()
            return name, admin.post(f"/v1/namespaces/{name}/keys").json()["key"]

    def namespace_holding(self, documents: list[dict[str, Any]], timeout_s: float = 120) -> tuple[str, str]:
        """A fresh namespace and its key, with `documents` added and their job done."""
        name, key = self.namespace_with_key()
        with self.client(key) as c:
            job = c.post(f"/v1/namespaces/{name}/documents", json={"documents": documents}).json()
        assert self.wait_job(key, job["job_id"], timeout_s)["status"] == "done"
        return name, key

    def wait_job(self, key: str, job_id: str, timeout_s: float = 120) -> dict[str, Any]:
        """The job's JSON once it is done or failed."""
        deadline = time.monotonic() + timeout_s
        with self.client(key) as c:
            while time.monotonic() < deadline:
                job: dict[str, Any] = c.get(f"/v1/jobs/{job_id}").json()
                if job["status"] in ("done", "failed"):
                    return job
                time.sleep(0.1)
        raise AssertionError(f"job {job_id} did not finish")


@contextmanager
def serving_in_thread(root: Path, admin_key: str, open_one: Callable[[str], Engine]) -> Iterator[str]:
    """The real app on loopback in a thread of this process (its services built here, embedded jobs,
    engines from `open_one`); yields its URL and stops it on exit."""
    settings = Settings(data_dir=root / "data", admin_key=admin_key)
    engines = Engines(settings, open_one=open_one)
    services = Services(settings, engines, LocalJobs(engines), SqliteRegistry(root / "registry.sqlite"), Metrics())
    port = free_port()
    uv = uvicorn.Server(uvicorn.Config(create_app(services=services), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not uv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        uv.should_exit = True
        thread.join(timeout=30)
