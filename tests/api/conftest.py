"""A live `memrag serve` process on loopback (embedded default, real MiniLM, offline extractor)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api.live import ADMIN_KEY, Live
from tests.helpers import free_port, wait_until_up

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def live(tmp_path_factory: pytest.TempPathFactory, model_cache: Path) -> Iterator[Live]:
    port = free_port()
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
