"""What one query asks of the store (two searches), and the min-max low end the facts are scaled from."""

from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest

from memrag.memory.embedding.hashed import HashEmbedder
from memrag.memory.engine import Engine
from memrag.memory.extraction.recorded import RecordedExtractor
from memrag.memory.indexing.chunking import WholeDocumentChunker
from memrag.memory.params import RetrievalParams
from memrag.memory.ports import VectorIndex
from memrag.memory.retrieval.recognition import KeepTopFacts
from memrag.memory.storage.qdrant_edge import EdgeStore
from memrag.memory.storage.record_store import RecordStore
from memrag.memory.types import DocumentInput
from tests.helpers import extractions

TABLE = {
    "Paris is the capital of France.": [("Paris", "capital of", "France")],
    "France is a country in Europe.": [("France", "country in", "Europe")],
    "Germany borders France.": [("Germany", "borders", "France")],
    "Bananas are yellow.": [],
}


class CountingIndex:
    """A VectorIndex that records each search: (kind, number of query vectors, limit)."""

    def __init__(self, inner: VectorIndex, calls: list[tuple[str, int, Any]]) -> None:
        self._inner, self._calls = inner, calls

    def search_batch(self, vectors: np.ndarray, limit: int, *args: Any, **kwargs: Any) -> Any:
        self._calls.append(("search_batch", len(vectors), limit))
        return self._inner.search_batch(vectors, limit, *args, **kwargs)

    def search_points(self, vectors: np.ndarray, limit: int | Sequence[int], *args: Any, **kwargs: Any) -> Any:
        self._calls.append(("search_points", len(vectors), limit))
        return self._inner.search_points(vectors, limit, *args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class CountingStore:
    """EdgeStore whose collections count their searches, by collection name."""

    def __init__(self, inner: EdgeStore) -> None:
        self._inner = inner
        self.calls: dict[str, list[tuple[str, int, Any]]] = {}

    def open_index(self, name: str, dim: int) -> VectorIndex:
        return CountingIndex(self._inner.open_index(name, dim), self.calls.setdefault(name, []))

    def close(self) -> None:
        self._inner.close()


def counted_engine(path, table: dict[str, list[tuple[str, str, str]]]) -> tuple[Engine, CountingStore]:
    """An engine over the table's passages whose store counts searches from here on."""
    store = CountingStore(EdgeStore(path))
    embedder = HashEmbedder(32)
    engine = Engine(
        RecordStore(store, embedder.dim),
        embedder,
        RecordedExtractor(extractions(table)),
        WholeDocumentChunker(),
        KeepTopFacts(),
    )
    engine.add([DocumentInput(text=t, id=f"d{i}") for i, t in enumerate(table)])
    for calls in store.calls.values():
        calls.clear()
    return engine, store


@pytest.fixture
def counted(tmp_path):
    engine, store = counted_engine(tmp_path, TABLE)
    yield engine, store
    engine.close()


def test_a_graph_query_makes_two_searches(counted):
    engine, store = counted
    result = engine.retrieve("capital of France", RetrievalParams(top_k=2, dense_seed_top_n=3))
    assert result.mode == "graph"
    # the dense top-n and the least similar passage in one call; the top facts in another
    assert store.calls["passages"] == [("search_points", 2, [3, 1])]
    assert store.calls["facts"] == [("search_batch", 1, 5)]
    assert store.calls.get("entities", []) == []


def test_the_dense_fallback_is_the_head_of_the_same_search(tmp_path):
    engine, store = counted_engine(tmp_path, {"Bananas are yellow.": [], "Apples are red.": [], "Sky is blue.": []})
    fallback = engine.retrieve("yellow bananas", RetrievalParams(top_k=2))
    assert fallback.mode == "dense_fallback"
    assert store.calls["passages"] == [("search_points", 2, [200, 1])]  # no second search for the fallback
    dense = engine.retrieve("yellow bananas", RetrievalParams(top_k=2, strategy="dense"))
    assert len(fallback.hits) == 2
    assert [(h.passage_id, round(h.score, 5)) for h in fallback.hits] == [
        (h.passage_id, round(h.score, 5)) for h in dense.hits
    ]
    engine.close()


def test_facts_are_scaled_from_the_least_similar_passage(counted):
    engine, _ = counted
    query = "capital of France"
    result = engine.retrieve(query, RetrievalParams(top_k=2))
    q = _unit(engine.query_embedder.embed([query])[0])
    passages = [p.id for p in engine.store.all_passages()]
    low = min(float(q @ _unit(v)) for v in engine.store.passages.vectors(passages).values())
    vectors = engine.store.facts.vectors([f.fact.id for f in result.facts])
    cosines = np.array([float(q @ _unit(vectors[f.fact.id])) for f in result.facts])
    expected = (cosines - low) / (cosines.max() - low)
    assert [f.score for f in result.facts] == pytest.approx(expected.tolist(), abs=1e-5)


def _unit(vector: np.ndarray) -> np.ndarray:
    v = np.asarray(vector, dtype=np.float64)
    return v / np.linalg.norm(v)
