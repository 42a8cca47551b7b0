"""Fixtures shared by every kind of test: the real embedding model's cache, the MuSiQue fixture, a real Redis.

Helpers (engines, signatures, ports) live in `tests/helpers.py`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

from tests.helpers import FIXTURES, free_port


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One embedding cache (and ONNX export beside it) for every test that loads the real model."""
    return tmp_path_factory.mktemp("model-cache") / "embeddings.sqlite"


@pytest.fixture(scope="session")
def musique_small() -> dict[str, Any]:
    return json.loads((FIXTURES / "musique_small.json").read_text())


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Redis: MEMRAG_TEST_REDIS_URL (CI starts one), else a redis-server of our own on loopback."""
    given = os.environ.get("MEMRAG_TEST_REDIS_URL")
    if given:
        yield given
        return
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("no Redis: install redis-server or set MEMRAG_TEST_REDIS_URL")
    port = free_port()
    workdir = tmp_path_factory.mktemp("redis")
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(workdir)],
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    yield url
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture
def redis_client(redis_url: str) -> Iterator[redis.Redis]:
    """The test Redis, emptied before each test."""
    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    yield client
    client.close()
