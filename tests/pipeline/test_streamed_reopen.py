"""Reopening a memory streams the store in bounded batches (`indexing/reopen.py`) and rebuilds the
same graph as the memory had before it was closed, whatever the batch size."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from memrag.memory.embedding.hashed import HashEmbedder
from memrag.memory.engine import Engine
from memrag.memory.extraction.recorded import RecordedExtractor
from memrag.memory.graph.memory_graph import GraphStats, MemoryGraph
from memrag.memory.ids import entity_id, fact_id
from memrag.memory.indexing.chunking import WholeDocumentChunker
from memrag.memory.indexing.reopen import batched, rebuild_graph, sweep_leftovers
from memrag.memory.params import RetrievalParams
from memrag.memory.ports import Payload, VectorIndex
from memrag.memory.retrieval.recognition import KeepTopFacts
from memrag.memory.storage.qdrant_edge import EdgeStore
from memrag.memory.storage.record_store import RecordStore
from memrag.memory.types import DocumentInput, Fact
from tests.helpers import extractions, graph_signature, ranking_signature

# Overlapping names ("new york" / "new york city") give synonym edges; hubs span many batches.
NAMES = ["new york", "new york city", "paris", "paris france", "hudson river", "the hudson river", "france", "usa"]
PREDICATES = ["located in", "flows through", "capital of", "twinned with"]
TABLE = {
    f"Passage {i} on {NAMES[i % 8]}.": [
        (NAMES[(i * 3 + j) % 8], PREDICATES[(i + j) % 4], NAMES[(i * 5 + 2 * j + 1) % 8]) for j in range(1 + i % 3)
    ]
    for i in range(14)
}
QUERIES = ["new york located in usa", "hudson river flows through new york city", "capital of france"]
EMBEDDER = HashEmbedder(64)


def _engine(path: Path, reopen_batch: int = 2048) -> Engine:
    store = RecordStore(EdgeStore(path), EMBEDDER.dim)
    extractor = RecordedExtractor(extractions(TABLE))
    return Engine(store, EMBEDDER, extractor, WholeDocumentChunker(), KeepTopFacts(), reopen_batch=reopen_batch)


def _state(engine: Engine) -> tuple[object, ...]:
    rankings = [ranking_signature(engine.rank(q, RetrievalParams(top_k=10))) for q in QUERIES]
    return graph_signature(engine), engine.graph.stats(), rankings


@pytest.mark.parametrize("batch", [1, 3, 10_000])
def test_a_reopened_memory_equals_the_memory_before_it_was_closed(tmp_path: Path, batch: int) -> None:
    first = _engine(tmp_path)
    for start in range(0, len(TABLE), 5):  # several writes: an incremental graph, not one bulk build
        first.add([DocumentInput(text=t) for t in list(TABLE)[start : start + 5]])
    first.delete(first.list_documents()[0].id)
    before = _state(first)
    first.close()
    reopened = _engine(tmp_path, reopen_batch=batch)
    after = _state(reopened)
    reopened.close()
    stats = before[1]
    assert isinstance(stats, GraphStats) and stats.synonym_pairs and stats.relation_pairs and stats.passages == 13
    assert after == before


class _WatchedPassages:
    """The passages collection, noting at each record read how many read ones the graph does not hold yet."""

    def __init__(self, inner: VectorIndex, graph: MemoryGraph) -> None:
        self._inner, self._graph = inner, graph
        self.lags: list[int] = []

    def scroll(self, batch_size: int = 1000) -> Iterator[Payload]:
        for read, payload in enumerate(self._inner.scroll(batch_size), start=1):
            self.lags.append(read - int(self._graph.live_passages.sum()))
            yield payload


class _CountedFacts:
    """The facts collection, noting how many ids each `get` asks for."""

    def __init__(self, inner: VectorIndex) -> None:
        self._inner = inner
        self.asked: list[int] = []

    def get(self, ids: Sequence[str]) -> list[Payload]:
        self.asked.append(len(ids))
        return self._inner.get(ids)


def test_the_rebuild_holds_one_batch_of_records_at_a_time(tmp_path: Path) -> None:
    first = _engine(tmp_path)
    first.add([DocumentInput(text=t) for t in TABLE])
    first.close()
    store = RecordStore(EdgeStore(tmp_path), EMBEDDER.dim)
    graph = MemoryGraph()
    passages, facts = _WatchedPassages(store.passages, graph), _CountedFacts(store.facts)
    store.passages, store.facts = passages, facts  # type: ignore[assignment]
    rebuild_graph(store, graph, batch_size=3)
    store.close()
    assert len(passages.lags) == len(TABLE) and graph.stats().passages == len(TABLE)
    assert max(passages.lags) == 3  # a fourth record is read only once the first three are in the graph
    assert len(facts.asked) == 5 and max(facts.asked) <= 3 * 3  # each batch's facts only (≤ 3 a passage)


def test_reopening_deletes_a_stored_fact_that_no_passage_mentions(tmp_path: Path) -> None:
    first = _engine(tmp_path)
    first.add([DocumentInput(text=t) for t in TABLE])
    clean = sorted(f.id for f in first.store.all_facts())
    stray = Fact(fact_id("paris", "left by", "a crash"), "paris", "left by", "a crash", entity_id("paris"), "x")
    first.store.put_facts([stray], EMBEDDER.embed([stray.text]))  # written, then the write was interrupted
    first.close()
    reopened = _engine(tmp_path, reopen_batch=4)
    assert sorted(f.id for f in reopened.store.all_facts()) == clean
    reopened.close()


class _ScrollCounted:
    """A collection noting how many times it was scrolled."""

    def __init__(self, inner: VectorIndex) -> None:
        self._inner = inner
        self.scrolls = 0

    def scroll(self, batch_size: int = 1000) -> Iterator[Payload]:
        self.scrolls += 1
        return self._inner.scroll(batch_size)

    def count(self, exact: bool = True) -> int:
        return self._inner.count(exact)

    def get(self, ids: Sequence[str]) -> list[Payload]:
        return self._inner.get(ids)

    def delete(self, ids: Sequence[str]) -> None:
        self._inner.delete(ids)


def test_a_clean_reopen_does_not_read_the_facts_collection_again(tmp_path: Path) -> None:
    first = _engine(tmp_path)
    first.add([DocumentInput(text=t) for t in TABLE])
    first.close()
    store = RecordStore(EdgeStore(tmp_path), EMBEDDER.dim)
    facts = _ScrollCounted(store.facts)
    store.facts = facts  # type: ignore[assignment]
    graph = MemoryGraph()
    sweep_leftovers(store, graph, rebuild_graph(store, graph, batch_size=4))
    store.close()
    assert facts.scrolls == 0  # every stored fact was read once, with its passages


def test_batches_are_consecutive_and_bounded() -> None:
    assert list(batched(range(7), 3)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(batched([], 3)) == []
    with pytest.raises(ValueError, match="batch_size must be at least 1"):
        rebuild_graph(None, MemoryGraph(), batch_size=0)  # type: ignore[arg-type]
