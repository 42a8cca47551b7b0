"""Shared test helpers: engines over real Qdrant Edge shards with the deterministic hash embedder."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis

from memrag.memory.embedding.hashed import HashEmbedder
from memrag.memory.engine import Engine
from memrag.memory.extraction.recorded import RecordedExtractor
from memrag.memory.indexing.chunking import WholeDocumentChunker
from memrag.memory.retrieval.recognition import KeepTopFacts
from memrag.memory.storage.qdrant_edge import EdgeStore
from memrag.memory.storage.record_store import RecordStore
from memrag.memory.types import Extraction, Triple

FIXTURES = Path(__file__).parent / "fixtures"
SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def make_engine(path: Path, recorded: dict[str, Extraction], embedder=None) -> Engine:
    embedder = embedder or HashEmbedder(32)
    store = RecordStore(EdgeStore(path), embedder.dim)
    return Engine(store, embedder, RecordedExtractor(recorded), WholeDocumentChunker(), KeepTopFacts())


def extractions(table: dict[str, list[tuple[str, str, str]]]) -> dict[str, Extraction]:
    return {text: Extraction((), tuple(Triple(*t) for t in triples)) for text, triples in table.items()}


def graph_signature(engine: Engine) -> dict[tuple[str, str], float]:
    """Every edge once with its weight rounded: equal signatures mean equal graphs."""
    return {tuple(sorted((a, b))): round(w, 5) for a, b, w in engine.graph.edges()}  # type: ignore[misc]


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory) -> Path:
    """One embedding cache (and ONNX export beside it) for every test that loads the real model."""
    return tmp_path_factory.mktemp("model-cache") / "embeddings.sqlite"


@pytest.fixture(scope="session")
def musique_small() -> dict:
    return json.loads((FIXTURES / "musique_small.json").read_text())


def ranking_signature(ranking) -> tuple:
    """Passage ids in order with scores to 9 places (node numbering may differ across rebuilds)."""
    return ranking.mode, tuple((p, round(s, 9)) for p, s in ranking.passages)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_up(url: str, proc: subprocess.Popen, tries: int = 300) -> None:
    """Poll `url` until it answers 200; kill `proc` and fail if it never does."""
    for _ in range(tries):
        try:
            if httpx.get(url).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"{url} did not come up")


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory) -> Iterator[str]:
    """A real Redis: MEMRAG_TEST_REDIS_URL (CI starts one), else a redis-server of our own on loopback."""
    given = os.environ.get("MEMRAG_TEST_REDIS_URL")
    if given:
        yield given
        return
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("no Redis: install redis-server or set MEMRAG_TEST_REDIS_URL")
    port = _free_port()
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
def redis_client(redis_url) -> Iterator[redis.Redis]:
    """The test Redis, emptied before each test."""
    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    yield client
    client.close()
