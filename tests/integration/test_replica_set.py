"""The load benchmark's replica topology (benchmarks/replica_set.py), started for real: every process it
starts is counted as the service's, clients reach each replica and HAProxy, and nothing outlives it."""

import shutil
from pathlib import Path

import httpx
import psutil
import pytest

from benchmarks.replica_set import replica_set

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(
    shutil.which("redis-server") is None or shutil.which("haproxy") is None, reason="needs redis-server and haproxy"
)


def test_every_started_process_is_the_services_and_none_outlives_it(tmp_path):
    me = psutil.Process()
    before = {p.pid for p in me.children(recursive=True)}
    with replica_set(ROOT, tmp_path, tmp_path / "cache.sqlite", 2, "replica-set-admin-key-0123", balancer=True) as s:
        started = {p.pid for p in me.children(recursive=True)} - before  # with the worker's model export child
        counted = {p.pid for p in s.service()}
        # a process left out would make the CPU bound's share look better (a child's CPU counts in its parent's)
        assert counted == {p.pid for p in me.children()} - before
        assert len(counted) == 5  # Redis, the worker, two replicas, HAProxy
        assert s.entry is not None and s.entry not in s.replica_urls
        for url in [*s.replica_urls, s.entry]:
            assert httpx.get(f"{url}/healthz", timeout=10).status_code == 200
    assert not [pid for pid in started if psutil.pid_exists(pid) and psutil.Process(pid).status() != "zombie"]
