"""One namespace's memory, synchronous: add, delete, retrieve over the store and derived graph."""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np

from memory.errors import NotFound
from memory.graph import GraphIndex
from memory.indexer import AddReport, Indexer, apply_to_graph
from memory.params import IndexParams, RetrievalParams
from memory.ports import Chunker, Embedder, Extractor, RecognitionFilter
from memory.reader import Answer, ExtractiveReader, Reader
from memory.retriever import Ranking, Retriever
from memory.store import RecordStore
from memory.types import Document, DocumentInput, Hit, Retrieval


class Engine:
    """Writes are serialised by a lock; the graph is rebuilt from the store when opened."""

    def __init__(
        self,
        store: RecordStore,
        embedder: Embedder,
        extractor: Extractor,
        chunker: Chunker,
        recognition: RecognitionFilter,
        index_params: IndexParams | None = None,
        query_embedder: Embedder | None = None,
        reader: Reader | None = None,
    ) -> None:
        self.store = store
        self.embedder = embedder
        self.query_embedder = query_embedder or embedder  # queries skip the cache: no write per query
        self.reader: Reader = reader or ExtractiveReader()
        self.graph = GraphIndex()
        self._lock = threading.RLock()
        self._indexer = Indexer(store, self.graph, embedder, extractor, chunker, index_params or IndexParams())
        self._retriever = Retriever(store, self.graph, recognition)
        self._load_graph()

    def _load_graph(self) -> None:
        """Rebuild the derived graph from the records of committed documents."""
        committed = {p for d in self.store.all_documents() for p in d.passage_ids}
        passages = [p for p in self.store.all_passages() if p.id in committed]
        facts = {f.id: f for f in self.store.all_facts()}
        entities = list(self.store.all_entities())
        apply_to_graph(self.graph, passages, facts, entities)

    def add(self, documents: Sequence[DocumentInput]) -> AddReport:
        """Index new documents; a changed document replaces its old version only once the new one
        is extracted (if extraction fails, the old version stays and the failure is reported)."""
        with self._lock:
            report = AddReport()
            fresh, replaced = self._indexer.select(documents, report)
            prepared = self._indexer.prepare(fresh, report)
            ready = {p.document.id for p in prepared}
            for doc_id in replaced:
                if doc_id in ready:
                    self.delete(doc_id)
            self._indexer.write(prepared, report)
            return report

    def delete(self, doc_id: str) -> None:
        """Remove a document, its passages, and the entities and facts no passage mentions any more."""
        with self._lock:
            found = self.store.get_documents([doc_id])
            if not found:
                raise NotFound(f"no document {doc_id!r} in this memory")
            dead_entities: list[str] = []
            dead_facts: list[str] = []
            for passage_id in found[0].passage_ids:
                entities, facts = self.graph.remove_passage(passage_id)
                dead_entities.extend(entities)
                dead_facts.extend(facts)
            self.store.documents.delete([doc_id])
            self.store.passages.delete(list(found[0].passage_ids))
            self.store.facts.delete(dead_facts)
            self.store.entities.delete(dead_entities)

    def get(self, doc_id: str) -> Document:
        found = self.store.get_documents([doc_id])
        if not found:
            raise NotFound(f"no document {doc_id!r} in this memory")
        return found[0]

    def list_documents(self) -> list[Document]:
        return sorted(self.store.all_documents(), key=lambda d: d.id)

    def rank(self, query: str, params: RetrievalParams) -> Ranking:
        return self.rank_vector(query, self.query_embedder.embed([query])[0], params)

    def rank_vector(self, query: str, vector: np.ndarray, params: RetrievalParams) -> Ranking:
        """Rank with an already embedded query (benchmarks time the two parts apart)."""
        with self._lock:
            return self._retriever.rank(query, vector, params)

    def dense(self, query: str, k: int) -> Ranking:
        return self._retriever.dense(self.query_embedder.embed([query])[0], k)

    def retrieve(self, query: str, params: RetrievalParams) -> Retrieval:
        ranking = self.rank(query, params)
        stored = {p.id: p for p in self.store.get_passages([pid for pid, _ in ranking.passages])}
        hits = tuple(
            Hit(pid, stored[pid].doc_id, stored[pid].text, score, ranking.facts, ranking.seeds)
            for pid, score in ranking.passages
            if pid in stored
        )
        return Retrieval(query, hits, ranking.mode, ranking.facts, ranking.seeds)

    def ask(self, question: str, params: RetrievalParams) -> tuple[Answer, Retrieval]:
        """Retrieve, then read: an answer citing the passages (and documents) it used."""
        retrieval = self.retrieve(question, params)
        return self.reader.answer(question, retrieval.hits), retrieval

    def close(self) -> None:
        with self._lock:
            self.store.flush()
            self.store.close()
