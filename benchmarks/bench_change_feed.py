"""How soon a second process sees updates and deletes: the change feed, measured across processes.

Starts (or uses, with MEMRAG_REDIS_URL) a Redis on loopback, a writer `memrag worker --apply`
over one data directory, and a replica `memrag worker --apply --no-prepare` over another: the
replica follows the same log and keeps its own store and graph. For each update and delete it
prints when the writer finished the job and when the replica had applied it (both announce it
on the change stream after their engine holds the change).

    .venv/bin/python -m benchmarks.bench_change_feed [--rounds 10]
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import redis

from memrag.ingest.jobs import Job
from memrag.ingest.loaders import load_paths
from memrag.ingest.redis_queue import RedisJobs, changes_key
from memrag.memory.eval.metrics import percentile_ms
from memrag.memory.types import DocumentInput

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "musique_240.jsonl"
NAMESPACE = "feed"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=10, help="updates, then as many deletes")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="memrag-feed-") as scratch:
        work = Path(scratch)
        server, url = _redis(work)
        procs = []
        try:
            client = redis.Redis.from_url(url)
            client.flushdb()
            env = {**os.environ, "MEMRAG_REDIS_URL": url, "MEMRAG_EMBEDDING_CACHE": str(_cache())}
            procs.append(_worker(env, work / "writer", "writer", "--apply"))
            procs.append(_worker(env, work / "replica", "replica", "--apply", "--no-prepare"))
            _run(client, RedisJobs(client), args.rounds)
        finally:
            for proc in procs:
                proc.send_signal(signal.SIGTERM)
                proc.wait(timeout=60)
            if server is not None:
                server.terminate()
                server.wait()


def _run(client: redis.Redis, jobs: RedisJobs, rounds: int) -> None:
    docs = load_paths([FIXTURE]).documents[: 2 * rounds + 20]
    _timed(client, jobs, partial(jobs.submit_add, NAMESPACE, docs), timeout_s=600)
    print(f"indexed {len(docs)} documents on the writer and the replica", flush=True)
    rows: dict[str, list[tuple[float, float]]] = {"update": [], "delete": []}
    for i in range(rounds):
        changed = DocumentInput(docs[i].text + f" Revised {i}.", docs[i].id, docs[i].title)
        rows["update"].append(_timed(client, jobs, partial(jobs.submit_add, NAMESPACE, [changed])))
    for i in range(rounds):
        doc_id = docs[rounds + i].id or ""
        rows["delete"].append(_timed(client, jobs, partial(jobs.submit_delete, NAMESPACE, [doc_id])))
    print(f"{'change':<8} {'n':>3} {'replica after writer p50/max (ms)':>36} {'submit to replica p50/max (ms)':>32}")
    for kind, found in rows.items():
        lag = [r - w for w, r in found]
        total = [r for _, r in found]
        print(
            f"{kind:<8} {len(found):>3} {percentile_ms(lag, 50):>17.1f} / {max(lag) * 1000:>16.1f}"
            f" {percentile_ms(total, 50):>14.1f} / {max(total) * 1000:>15.1f}"
        )


def _timed(
    client: redis.Redis, jobs: RedisJobs, submit: Callable[[], Job], timeout_s: float = 60
) -> tuple[float, float]:
    """(writer applied, replica applied), in seconds after submission."""
    start = time.time()
    job_id = submit().id
    seen: dict[str, float] = {}
    last = "0-0"
    deadline = time.monotonic() + timeout_s
    while len(seen) < 2 and time.monotonic() < deadline:
        reply = client.xread({changes_key(NAMESPACE): last}, block=200) or []
        if not isinstance(reply, list):  # RESP2, the client's default protocol, replies with lists
            raise TypeError(f"unexpected XREAD reply {type(reply).__name__}")
        for _, entries in reply:
            for entry_id, fields in entries:
                last = entry_id
                if fields[b"job"].decode() == job_id:
                    seen.setdefault(fields[b"by"].decode(), float(fields[b"at"]))
    if len(seen) < 2:
        raise SystemExit(f"job {job_id} not applied by both processes in {timeout_s} s: {jobs.get(job_id)}")
    return seen["writer"] - start, seen["replica"] - start


def _worker(env: dict[str, str], data_dir: Path, name: str, *flags: str) -> subprocess.Popen[bytes]:
    env = {**env, "MEMRAG_DATA_DIR": str(data_dir)}
    cmd = [sys.executable, "-m", "memrag.cli.main", "worker", "--consumer", name, *flags]
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stderr=subprocess.DEVNULL)


def _redis(work: Path) -> tuple[subprocess.Popen[bytes] | None, str]:
    if os.environ.get("MEMRAG_REDIS_URL"):
        return None, os.environ["MEMRAG_REDIS_URL"]
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("needs Redis: install redis-server or set MEMRAG_REDIS_URL")
    port = 6400 + os.getpid() % 500
    server = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", str(work)],
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    for _ in range(100):
        try:
            redis.Redis.from_url(url).ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    return server, url


def _cache() -> Path:
    return Path.home() / ".cache" / "memrag" / "embeddings.sqlite"


if __name__ == "__main__":
    main()
