"""Load on a live `memrag serve` (loopback only, bounded): concurrent askers while documents stream in.

Starts the server on 127.0.0.1 over a fresh data directory (embedded default, offline reader),
indexes 60 MuSiQue passages, then for `--duration` seconds runs `--clients` clients asking
questions back to back while one more client adds 8 documents every 2 seconds. Prints the
number of answers, errors, p50/p99 latency, and how many documents were indexed meanwhile.

    .venv/bin/python -m benchmarks.load_api [--clients 20] [--duration 60]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from memrag.memory.eval.metrics import percentile_ms
from tests.helpers import free_port, wait_until_up

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "musique_240.jsonl"
ADMIN = "load-test-admin-key-0123"
QUESTIONS = [
    "Who founded the record label?",
    "Where was the composer born?",
    "Which river flows through the city?",
    "When was the university established?",
    "Who directed the film?",
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--duration", type=float, default=60.0)
    args = parser.parse_args()
    docs = [json.loads(line) for line in FIXTURE.read_text().splitlines()]
    with tempfile.TemporaryDirectory(prefix="memrag-load-") as scratch:
        port = free_port()
        server = _serve(Path(scratch), port)
        try:
            asyncio.run(_load(f"http://127.0.0.1:{port}", docs, args.clients, args.duration))
        finally:
            server.terminate()
            server.wait(timeout=30)


async def _load(url: str, docs: list[dict[str, str]], clients: int, duration: float) -> None:
    async with httpx.AsyncClient(base_url=url, timeout=60) as http:
        key = await _namespace(http)
        auth = {"Authorization": f"Bearer {key}"}
        await _add_and_wait(http, auth, docs[:60])
        print(f"indexed 60 documents; {clients} clients asking for {duration:.0f} s while documents are added")
        stop = time.monotonic() + duration
        askers = asyncio.gather(*(_asker(http, auth, i, stop) for i in range(clients)))
        asked, (fed, feed_errors) = await asyncio.gather(askers, _feeder(http, auth, docs[60:], stop))
    latencies = [s for r in asked for s in r[0]]
    errors = [e for r in asked for e in r[1]]
    print(f"answers {len(latencies)} ({len(latencies) / duration:.1f}/s), errors {len(errors)}")
    print(f"latency p50 {percentile_ms(latencies, 50):.0f} ms, p99 {percentile_ms(latencies, 99):.0f} ms")
    print(f"documents added during the run: {fed}, ingest errors {len(feed_errors)}")
    for error in (errors + feed_errors)[:5]:
        print("  error:", error)


async def _asker(http: httpx.AsyncClient, auth: dict[str, str], n: int, stop: float) -> tuple[list[float], list[str]]:
    latencies, errors = [], []
    i = n
    while time.monotonic() < stop:
        started = time.perf_counter()
        try:
            r = await http.post("/v1/namespaces/load/ask", headers=auth, json={"question": QUESTIONS[i % 5]})
            if r.status_code != 200:
                errors.append(f"{r.status_code} {r.text[:200]}")
            else:
                latencies.append(time.perf_counter() - started)
        except httpx.HTTPError as exc:
            errors.append(repr(exc))
        i += 1
    return latencies, errors


async def _feeder(
    http: httpx.AsyncClient, auth: dict[str, str], docs: list[dict[str, str]], stop: float
) -> tuple[int, list[str]]:
    fed, errors, jobs = 0, [], []
    while time.monotonic() < stop and fed < len(docs):
        batch = docs[fed : fed + 8]
        r = await http.post("/v1/namespaces/load/documents", headers=auth, json={"documents": batch})
        if r.status_code == 202:
            jobs.append(r.json()["job_id"])
            fed += len(batch)
        else:
            errors.append(f"{r.status_code} {r.text[:200]}")
        await asyncio.sleep(2.0)
    indexed = 0
    for job_id in jobs:
        indexed += (await _wait(http, auth, job_id))["indexed"]
    return indexed, errors


async def _namespace(http: httpx.AsyncClient) -> str:
    admin = {"Authorization": f"Bearer {ADMIN}"}
    (await http.post("/v1/namespaces", headers=admin, json={"name": "load"})).raise_for_status()
    return str((await http.post("/v1/namespaces/load/keys", headers=admin)).json()["key"])


async def _add_and_wait(http: httpx.AsyncClient, auth: dict[str, str], docs: list[dict[str, str]]) -> None:
    r = await http.post("/v1/namespaces/load/documents", headers=auth, json={"documents": docs})
    r.raise_for_status()
    await _wait(http, auth, r.json()["job_id"])


async def _wait(http: httpx.AsyncClient, auth: dict[str, str], job_id: str) -> dict[str, Any]:
    while True:
        job: dict[str, Any] = (await http.get(f"/v1/jobs/{job_id}", headers=auth)).json()
        if job["status"] in ("done", "failed"):
            return job
        await asyncio.sleep(0.2)


def _serve(data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "MEMRAG_DATA_DIR": str(data_dir), "MEMRAG_ADMIN_KEY": ADMIN}
    env.pop("MEMRAG_REDIS_URL", None)
    cmd = [sys.executable, "-m", "memrag.cli.main", "serve", "--host", "127.0.0.1", "--port", str(port)]
    server = subprocess.Popen(cmd, cwd=ROOT, env=env, stderr=subprocess.DEVNULL)
    wait_until_up(f"http://127.0.0.1:{port}/healthz", server)
    return server


if __name__ == "__main__":
    main()
