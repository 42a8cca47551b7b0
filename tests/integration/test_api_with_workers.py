"""The API over Redis: `memrag serve` writes its embedded store, a `memrag worker` process prepares."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.helpers import free_port, wait_until_up

ROOT = Path(__file__).resolve().parents[2]
ADMIN = "scaled-admin-key-0123456789"


def _spawn(env, *args):
    return subprocess.Popen(
        [sys.executable, "-m", "memrag.cli.main", *args], cwd=ROOT, env=env, stderr=subprocess.DEVNULL
    )


def test_documents_sent_to_the_api_are_prepared_by_a_worker_and_answered(
    tmp_path, redis_client, redis_url, model_cache
):
    port = free_port()
    env = {
        **os.environ,
        "MEMRAG_REDIS_URL": redis_url,
        "MEMRAG_EMBEDDING_CACHE": str(model_cache),
        "MEMRAG_ADMIN_KEY": ADMIN,
    }
    server = _spawn({**env, "MEMRAG_DATA_DIR": str(tmp_path / "api")}, "serve", "--port", str(port))
    worker = _spawn({**env, "MEMRAG_DATA_DIR": str(tmp_path / "worker")}, "worker")
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{url}/readyz", server)
        admin = {"Authorization": f"Bearer {ADMIN}"}
        httpx.post(f"{url}/v1/namespaces", headers=admin, json={"name": "scaled"}).raise_for_status()
        key = httpx.post(f"{url}/v1/namespaces/scaled/keys", headers=admin).json()["key"]
        auth = {"Authorization": f"Bearer {key}"}
        doc = {"id": "ferry", "text": "The Kessel ferry is captained by Tomas Brandt and sails at dawn."}
        job_id = httpx.post(f"{url}/v1/namespaces/scaled/documents", headers=auth, json={"documents": [doc]}).json()[
            "job_id"
        ]
        for _ in range(600):
            job = httpx.get(f"{url}/v1/jobs/{job_id}", headers=auth).json()
            if job["status"] in ("done", "failed"):
                break
            time.sleep(0.1)
        assert job["status"] == "done" and job["indexed"] == 1
        answer = httpx.post(
            f"{url}/v1/namespaces/scaled/ask", headers=auth, json={"question": "Who captains the Kessel ferry?"}
        ).json()
        assert "Tomas Brandt" in answer["answer"] and answer["citations"][0]["document_id"] == "ferry"
        consumers = redis_client.xinfo_consumers("memrag:jobs", "workers")
        assert len(consumers) == 1  # the worker prepared it, not the API process
    finally:
        for proc in (worker, server):
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=60)
