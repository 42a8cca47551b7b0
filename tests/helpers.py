"""Shared test helpers: engines over real Qdrant Edge shards with the deterministic hash embedder,
signatures that compare graphs and rankings, and what tests that start servers need."""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

import httpx

from memrag.memory.embedding.hashed import HashEmbedder
from memrag.memory.engine import Engine
from memrag.memory.extraction.recorded import RecordedExtractor
from memrag.memory.indexing.chunking import WholeDocumentChunker
from memrag.memory.ports import Embedder, Extractor, VectorIndex
from memrag.memory.retrieval.pipeline import RankedPassages
from memrag.memory.retrieval.recognition import KeepTopFacts
from memrag.memory.storage.qdrant_edge import EdgeStore
from memrag.memory.storage.record_store import RecordStore
from memrag.memory.types import Extraction, Triple

FIXTURES = Path(__file__).parent / "fixtures"


def make_engine(
    path: Path,
    recorded: dict[str, Extraction] | None = None,
    embedder: Embedder | None = None,
    extractor: Extractor | None = None,
) -> Engine:
    """An engine over an embedded store at `path`: the hash embedder, whole documents as passages,
    and the recorded extractions (or the `extractor` given in their place)."""
    embedder = embedder or HashEmbedder(32)
    extractor = extractor or RecordedExtractor(recorded or {})
    store = RecordStore(EdgeStore(path), embedder.dim)
    return Engine(store, embedder, extractor, WholeDocumentChunker(), KeepTopFacts())


def record_count(index: VectorIndex) -> int:
    """How many records a collection holds (read through the port, which has no count of its own)."""
    return sum(1 for _ in index.scroll())


def extractions(table: dict[str, list[tuple[str, str, str]]]) -> dict[str, Extraction]:
    """Recorded OpenIE from a table of passage text → triples (no separately named entities)."""
    return {text: Extraction((), tuple(Triple(*t) for t in triples)) for text, triples in table.items()}


def graph_signature(engine: Engine) -> dict[tuple[str, str], float]:
    """Every edge once with its weight rounded: equal signatures mean equal graphs."""
    return {(min(a, b), max(a, b)): round(w, 5) for a, b, w in engine.graph.edges()}


def ranking_signature(ranking: RankedPassages) -> tuple[str, tuple[tuple[str, float], ...]]:
    """Passage ids in order with scores to 9 places (node numbering may differ across rebuilds)."""
    return ranking.mode, tuple((p, round(s, 9)) for p, s in ranking.passages)


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_up(url: str, proc: subprocess.Popen[bytes], tries: int = 300) -> None:
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
