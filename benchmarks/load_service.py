"""The service a load run measures (benchmarks/load_api.py): one `memrag serve`, or N replicas over Redis."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

from benchmarks.replica_set import replica_set
from tests.helpers import free_port, wait_until_up

ADMIN = "load-test-admin-key-0123"


@dataclass(frozen=True)
class Service:
    """Where the askers ask (asker i: `ask[i % len(ask)]`), the APIs that must hold the documents before
    they start, and the processes whose CPU is the service's."""

    ask: list[str]
    hold: list[str]
    processes: list[Any]


@contextmanager
def service(
    root: Path, scratch: Path, cache: Path, extra_env: dict[str, str], replicas: int | None, balancer: bool
) -> Iterator[Service]:
    """One embedded `memrag serve` of the code in `root`, or with `replicas` the Redis topology
    (benchmarks/replica_set.py; HAProxy before it with `balancer`); data under `scratch`, the embedding
    cache at `cache`, `extra_env` added to the servers' environment; stopped on exit."""
    if replicas:
        with replica_set(root, scratch, cache, replicas, ADMIN, extra_env, balancer) as started:
            before = " behind HAProxy" if started.entry else " (each client asks one)"
            print(f"{replicas} API replicas{before}, a preparing worker and Redis (one embedding thread each)")
            urls = started.replica_urls
            yield Service([started.entry] if started.entry else urls, urls, started.service())
        return
    port = free_port()
    server = _serve(scratch, port, root, cache, extra_env)
    try:
        url = f"http://127.0.0.1:{port}"
        yield Service([url], [url], [psutil.Process(server.pid)])
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)


def _serve(data_dir: Path, port: int, root: Path, cache: Path, extra_env: dict[str, str]) -> subprocess.Popen[bytes]:
    """`memrag serve` of the code in `root` (run from there, its `memrag` package is the one imported)."""
    env = {
        **os.environ,
        **extra_env,
        "MEMRAG_DATA_DIR": str(data_dir),
        "MEMRAG_ADMIN_KEY": ADMIN,
        "MEMRAG_EMBEDDING_CACHE": str(cache),
    }
    env.pop("MEMRAG_REDIS_URL", None)
    cmd = [sys.executable, "-m", "memrag.cli.main", "serve", "--host", "127.0.0.1", "--port", str(port)]
    server = subprocess.Popen(cmd, cwd=root, env=env, stderr=subprocess.DEVNULL)
    wait_until_up(f"http://127.0.0.1:{port}/healthz", server)
    return server
