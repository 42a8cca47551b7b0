"""A live `memrag serve` process on loopback (embedded default, real MiniLM, offline extractor)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import _free_port, wait_until_up

ROOT = Path(__file__).resolve().parents[2]
ADMIN_KEY = "test-admin-key-0123456789"


@dataclass(frozen=True)
class Live:
    url: str
    admin: dict[str, str]

    def client(self, key: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=60)

    def namespace_with_key(self) -> tuple[str, str]:
        name = f"ns-{uuid.uuid4().hex[:10]}"
        with self.client(ADMIN_KEY) as admin:
            admin.post("/v1/namespaces", json={"name": name}).raise_for_status()
            return name, admin.post(f"/v1/namespaces/{name}/keys").json()["key"]

    def wait_job(self, key: str, job_id: str, timeout_s: float = 120) -> dict:
        deadline = time.monotonic() + timeout_s
        with self.client(key) as c:
            while time.monotonic() < deadline:
                job = c.get(f"/v1/jobs/{job_id}").json()
                if job["status"] in ("done", "failed"):
                    return job
                time.sleep(0.1)
        raise AssertionError(f"job {job_id} did not finish")


@pytest.fixture(scope="session")
def live(tmp_path_factory, model_cache) -> Iterator[Live]:
    port = _free_port()
    env = {
        **os.environ,
        "MEMRAG_DATA_DIR": str(tmp_path_factory.mktemp("serve")),
        "MEMRAG_ADMIN_KEY": ADMIN_KEY,
        "MEMRAG_EMBEDDING_CACHE": str(model_cache),
        "MEMRAG_MAX_REQUEST_BYTES": str(2 * 1024 * 1024),
    }
    env.pop("MEMRAG_REDIS_URL", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "memrag.cli.main", "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    wait_until_up(f"{url}/healthz", proc)
    yield Live(url, {"Authorization": f"Bearer {ADMIN_KEY}"})
    proc.terminate()
    proc.wait(timeout=30)
