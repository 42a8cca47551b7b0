"""Topology 2 of deploy/README.md on loopback, for a load run: Redis, a preparing worker, N API replicas.

deploy/compose.replicas.yaml without containers (topology 2 of deploy/README.md): Redis carries the
jobs, the keys and each namespace's log; a worker (`memrag worker --apply`) prepares each job, appends
it to the log and applies the log to a store of its own; each replica (`memrag serve`) applies the log
into its own embedded store and answers from it. Every replica holds all of the memory, so memory is
paid once per replica, and each process has its own interpreter and GIL: the replicas' answers run
on separate cores, which one process's cannot (README, "Measured figures").

Each process gets one embedding thread (the replicas share the cores). With `balancer`, HAProxy
stands in front as in deploy/haproxy.cfg (least connections, health checks on /readyz, a log line
per request) and is where clients ask; its CPU counts as the service's. Every process started here
is stopped when the context ends, also after an error.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import redis

from tests.helpers import free_port, wait_until_up


@dataclass
class ReplicaSet:
    """The started processes by name, the replicas' urls, and `entry`: where clients ask (HAProxy's url
    with a balancer, else None: each client asks one replica)."""

    replica_urls: list[str] = field(default_factory=list)
    entry: str | None = None
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def service(self) -> list[psutil.Process]:
        """The processes whose CPU is the service's: every one started here (Redis, the worker, the
        replicas, HAProxy)."""
        return [psutil.Process(p.pid) for p in self.processes.values()]


@contextmanager
def replica_set(
    root: Path,
    scratch: Path,
    cache: Path,
    replicas: int,
    admin_key: str,
    extra_env: dict[str, str] | None = None,
    balancer: bool = False,
) -> Iterator[ReplicaSet]:
    """Redis, a worker and `replicas` API replicas of the code in `root` (HAProxy before them with
    `balancer`), data under `scratch`, the embedding cache (and the model's ONNX export beside it)
    at `cache`; `extra_env` is added to every memrag process's environment."""
    started = ReplicaSet()
    with ExitStack() as stack:
        stack.callback(_stop_all, started)
        redis_port = free_port()
        _redis(started, redis_port)
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("MEMRAG_")},
            "MEMRAG_REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
            "MEMRAG_ADMIN_KEY": admin_key,
            "MEMRAG_EMBEDDING_CACHE": str(cache),
            "MEMRAG_EMBEDDING_THREADS": "1",
            **(extra_env or {}),
        }
        started.processes["worker"] = _memrag(root, env, scratch / "worker", ["worker", "--apply", "--consumer", "w"])
        for n in range(1, replicas + 1):
            port = free_port()
            command = ["serve", "--host", "127.0.0.1", "--port", str(port)]
            started.processes[f"api{n}"] = server = _memrag(root, env, scratch / f"api{n}", command)
            wait_until_up(f"http://127.0.0.1:{port}/healthz", server)
            started.replica_urls.append(f"http://127.0.0.1:{port}")
        if balancer:
            started.entry = _haproxy(started, scratch)
        yield started


def _redis(started: ReplicaSet, port: int) -> None:
    """redis-server on `port`, kept in `started` before it is waited for (stopped with the rest)."""
    if shutil.which("redis-server") is None:
        raise RuntimeError("--replicas needs redis-server on PATH (apt-get install -y redis-server)")
    command = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    started.processes["redis"] = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with redis.Redis(port=port) as client:
        for _ in range(100):
            try:
                if client.ping():
                    return
            except redis.RedisError:
                time.sleep(0.1)
    raise RuntimeError(f"redis-server did not answer on port {port} within 10 s")


HAPROXY = """\
global
    maxconn 1024
    log stdout format raw local0 info
defaults
    mode http
    log global
    option httplog
    option forwardfor
    timeout connect 3s
    timeout client 120s
    timeout server 120s
frontend memrag
    bind 127.0.0.1:{port}
    default_backend api
backend api
    balance leastconn
    option httpchk GET /readyz
    http-check expect status 200
    default-server inter 2s fall 3 rise 2
{servers}
"""


def _haproxy(started: ReplicaSet, scratch: Path) -> str:
    """HAProxy before the replicas (their urls in `started`); returns its url once it serves."""
    if shutil.which("haproxy") is None:
        raise RuntimeError("--balancer needs haproxy on PATH (apt-get install -y haproxy)")
    port = free_port()
    urls = started.replica_urls
    servers = "\n".join(f"    server api{n} {url.removeprefix('http://')} check" for n, url in enumerate(urls))
    config = scratch / "haproxy.cfg"
    config.write_text(HAPROXY.format(port=port, servers=servers))
    command = ["haproxy", "-f", str(config), "-db"]
    started.processes["haproxy"] = balancer = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    wait_until_up(f"{url}/healthz", balancer)
    return url


def _memrag(root: Path, env: dict[str, str], data_dir: Path, args: list[str]) -> subprocess.Popen[bytes]:
    """`memrag ARGS` of the code in `root` (run from there: its `memrag` package is the one imported)."""
    command = [sys.executable, "-m", "memrag.cli.main", *args]
    own = {**env, "MEMRAG_DATA_DIR": str(data_dir)}
    return subprocess.Popen(command, cwd=root, env=own, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _stop_all(started: ReplicaSet) -> None:
    """Every process asked to end, then waited for (killed after 30 s); one that fails to stop does not
    keep the others running."""
    for process in started.processes.values():
        if process.poll() is None:
            process.terminate()
    for process in started.processes.values():
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
        finally:
            if process.poll() is None:
                process.kill()
