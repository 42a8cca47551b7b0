"""A client's view of a live `memrag serve` process: keys, namespaces and waiting for jobs."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any

import httpx

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
