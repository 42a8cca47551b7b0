"""One namespace's memory, synchronous: add, delete, retrieve over the store and derived graph."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from memrag.memory.blas_threads import one_blas_thread
from memrag.memory.errors import InvalidInput, NotFound
from memrag.memory.graph.explain import ExplainLimits
from memrag.memory.graph.memory_graph import MemoryGraph
from memrag.memory.indexing.batch import PreparedBatch, check
from memrag.memory.indexing.prepare import AddReport, Preparer
from memrag.memory.indexing.reopen import BATCH_SIZE, rebuild_graph, sweep_leftovers
from memrag.memory.indexing.write import Indexer, apply_to_graph
from memrag.memory.llm.usage import UsageMeter
from memrag.memory.params import IndexParams, RetrievalParams
from memrag.memory.ports import Chunker, Closeable, Embedder, Extractor, RecognitionFilter
from memrag.memory.retrieval.abstention import dense_top
from memrag.memory.retrieval.explanations import Explanation, explain_passages
from memrag.memory.retrieval.graph_labels import GraphQuery, GraphView, centre_of, neighbourhood_view, whole_graph
from memrag.memory.retrieval.pipeline import RankedPassages, Retriever
from memrag.memory.retrieval.reader import Answer, ExtractiveReader, Reader, plus_retrieval_cost
from memrag.memory.storage.record_store import RecordStore
from memrag.memory.types import Document, DocumentInput, Hit, Passage, Retrieval
from memrag.memory.validation import check_question, check_top_k


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
        writer: bool = True,
        owned: Sequence[Closeable] = (),
        reopen_batch: int = BATCH_SIZE,
    ) -> None:
        one_blas_thread()  # a query's products are small: no BLAS helper threads spinning beside them
        self._owned = tuple(owned)  # what the opener made for this engine alone: closed with it
        self.writer = writer  # False: a reader (never sweeps, refuses writes)
        self.store = store
        self.embedder = embedder
        self.query_embedder = query_embedder or embedder  # queries skip the cache: no write per query
        self.reader: Reader = reader or ExtractiveReader()
        self.graph = MemoryGraph()
        self._lock = threading.RLock()
        self.preparer = Preparer(embedder, extractor, chunker)
        self._indexer = Indexer(store, self.graph, index_params or IndexParams())
        self._retriever = Retriever(store, self.graph, recognition)
        self._doc_passages: dict[str, tuple[str, ...]] = {}  # what the graph holds of each document
        self._reopen_batch = reopen_batch  # records read at a time while the graph is rebuilt
        self._load_graph(sweep=writer)

    def _load_graph(self, sweep: bool) -> None:
        """Rebuild the derived graph from committed documents; the writer sweeps what a crash left behind.

        A document record is the commit point of its passages: passages no document names, and
        entities and facts no such passage mentions, are leftovers of an interrupted write (or,
        on a shared store, of a write in progress: so only the store's one writer sweeps).
        Records that cannot be decoded are quarantined (left out, counted in `quarantined`); when
        there are any, nothing is swept: what only they name is kept, for them to be re-sent.
        The store is read in batches of `reopen_batch` records (`indexing/reopen.py`).
        """
        reopened = rebuild_graph(self.store, self.graph, self._reopen_batch)
        self._doc_passages = reopened.doc_passages
        if sweep and not self.quarantined:
            sweep_leftovers(self.store, self.graph, reopened, self._reopen_batch)

    @property
    def quarantined(self) -> int:
        """Stored records met so far that cannot be decoded: skipped wherever they are read."""
        return self.store.quarantine.count

    def _add_to_graph(self, passages: Sequence[Passage]) -> None:
        """Read the facts and entities these passages mention, and add all of them to the graph."""
        facts = self.store.get_facts(sorted({f for p in passages for f in p.fact_ids}))
        entities = self.store.get_entities(sorted({e for p in passages for e in p.entity_ids}))
        apply_to_graph(self.graph, passages, {f.id: f for f in facts}, entities)

    def add(self, documents: Sequence[DocumentInput]) -> AddReport:
        """Index new or changed documents (unchanged ones are skipped before any extraction).

        Extraction and embedding run outside the lock, so readers are not held up by them; the
        batch is checked against the store again when it is committed. Every document is checked
        against the input bounds (`validation.py`, in `identify`) first: one that breaks them
        refuses the call (InvalidInput) before anything is stored.
        """
        self._check_writer()
        report = AddReport()
        prepared = self.preparer.prepare(self._indexer.select(documents, report), report)
        batch = self.preparer.embed(prepared, report)
        with self._lock:
            self._commit(batch, report)
        return report

    def apply(self, batch: PreparedBatch) -> AddReport:
        """Write a prepared batch; applying the same batch again changes nothing. A batch holding what
        validation keeps out of the store is refused whole (InvalidInput), before anything is written."""
        self._check_writer()
        check(batch, self.embedder.dim)
        report = AddReport(failed=dict(batch.failed), dropped_triples=batch.dropped_triples)
        report.embed_seconds = batch.embed_seconds
        with self._lock:
            self._commit(batch, report)
        return report

    def _commit(self, batch: PreparedBatch, report: AddReport) -> None:
        """Write new versions whole; each document record swap is atomic, old-only passages go after it.

        A reader sees the old version or the new one: the graph changes under the lock, and in the
        store the document record (upserted in one write) decides which passages count. A new
        version that changes only the metadata rewrites the document record alone.
        """
        stored = {d.id: d for d in self.store.get_documents([i.document.id for i in batch.items])}
        fresh = []
        for item in batch.items:
            old = stored.get(item.document.id)
            if old is None or old.content_hash != item.document.content_hash:
                fresh.append(item)
            elif old.metadata != item.document.metadata:
                self.store.put_document(replace(old, metadata=item.document.metadata))
                report.documents_added.append(old.id)
            else:
                report.documents_unchanged.append(old.id)
        self._indexer.write(replace(batch, items=tuple(fresh)), report)
        for item in fresh:
            old = stored.get(item.document.id)
            if old is not None:
                self._drop_passages(set(old.passage_ids) - set(item.document.passage_ids))
            self._doc_passages[item.document.id] = item.document.passage_ids

    def delete(self, doc_id: str) -> None:
        """Remove a document, its passages, and the entities and facts no passage mentions any more."""
        self._check_writer()
        with self._lock:
            found = self.store.get_documents([doc_id])
            if not found:
                raise NotFound(f"no document {doc_id!r} in this memory")
            self.store.documents.delete([doc_id])
            self._drop_passages(set(found[0].passage_ids))
            self._doc_passages.pop(doc_id, None)

    def _check_writer(self) -> None:
        if not self.writer:
            raise InvalidInput("this memory was opened read-only: send writes to the process that writes its store")

    def _drop_passages(self, passage_ids: set[str]) -> None:
        dead_entities: list[str] = []
        dead_facts: list[str] = []
        for passage_id in sorted(passage_ids):
            entities, facts = self.graph.remove_passage(passage_id)
            dead_entities.extend(entities)
            dead_facts.extend(facts)
        self.store.passages.delete(sorted(passage_ids))
        self.store.facts.delete(dead_facts)
        self.store.entities.delete(dead_entities)

    def refresh(self, doc_ids: Sequence[str]) -> None:
        """Bring the graph up to date with the store for documents another process wrote or deleted
        (a reader of a shared store following the change feed). Records are immutable, so the new
        passages' records carry every edge they add; what a document no longer has is removed."""
        stored = {d.id: d.passage_ids for d in self.store.get_documents(list(doc_ids))}
        with self._lock:
            held = {d: set(self._doc_passages.get(d, ())) for d in doc_ids}
            added = sorted({p for d in doc_ids for p in set(stored.get(d, ())) - held[d]})
            self._add_to_graph(self.store.get_passages(added))
            for doc_id in doc_ids:
                for passage_id in sorted(held[doc_id] - set(stored.get(doc_id, ()))):
                    self.graph.remove_passage(passage_id)
                if doc_id in stored:
                    self._doc_passages[doc_id] = stored[doc_id]
                else:
                    self._doc_passages.pop(doc_id, None)

    def get(self, doc_id: str) -> Document:
        found = self.store.get_documents([doc_id])
        if not found:
            raise NotFound(f"no document {doc_id!r} in this memory")
        return found[0]

    def list_documents(self) -> list[Document]:
        return sorted(self.store.all_documents(), key=lambda d: d.id)

    def rank(self, query: str, params: RetrievalParams, vector: np.ndarray | None = None) -> RankedPassages:
        """Passage ids and scores best first, with provenance; no texts read (evaluation, benchmarks)."""
        _check_query(query, params)
        vector = self.query_embedder.embed([query])[0] if vector is None else vector
        with self._lock:
            return self._retriever.rank(query, vector, params)

    def retrieve(
        self,
        query: str,
        params: RetrievalParams,
        vector: np.ndarray | None = None,
        meter: UsageMeter | None = None,
    ) -> Retrieval:
        """Ranked hits with their texts and provenance, read under one lock: one version of every document.
        `meter` collects what retrieval's own LLM call (recognition, when an LLM does it) cost."""
        return self._retrieve(query, params, vector, None, meter)[0]

    def retrieve_explained(
        self, query: str, params: RetrievalParams, limits: ExplainLimits | None = None, meter: UsageMeter | None = None
    ) -> tuple[Retrieval, tuple[Explanation, ...]]:
        """`retrieve`, and for each hit (in order) the walks that carried its PPR mass, from the same
        graph version (`retrieval/explanations.py`); no explanations when no walk ran (dense modes)."""
        return self._retrieve(query, params, None, limits or ExplainLimits(), meter)

    def _retrieve(
        self,
        query: str,
        params: RetrievalParams,
        vector: np.ndarray | None,
        explain: ExplainLimits | None,
        meter: UsageMeter | None,
    ) -> tuple[Retrieval, tuple[Explanation, ...]]:
        _check_query(query, params)
        vector = self.query_embedder.embed([query])[0] if vector is None else vector
        explained: tuple[Explanation, ...] = ()
        with self._lock:
            ranking = self._retriever.rank(query, vector, params, meter)
            stored = {p.id: p for p in self.store.get_passages([pid for pid, _ in ranking.passages])}
            if explain is not None and ranking.mode == "graph":
                found = [pid for pid, _ in ranking.passages if pid in stored]
                seeds = ranking.walk_seeds
                explained = explain_passages(self.graph, self.store, seeds, params.damping, found, explain)
        hits = []
        for index, (pid, score) in enumerate(ranking.passages):
            if pid in stored:
                facts, seeds_of = ranking.why(index)
                hits.append(Hit(pid, stored[pid].doc_id, stored[pid].text, score, facts, seeds_of))
        closest = dense_top(ranking.signals, ranking.passages)
        return Retrieval(query, tuple(hits), ranking.mode, ranking.facts, ranking.seeds, closest), explained

    def ask(self, question: str, params: RetrievalParams) -> tuple[Answer, Retrieval]:
        """Retrieve, then read: an answer citing the passages (and documents) it used."""
        meter = UsageMeter()
        retrieval = self.retrieve(question, params, meter=meter)
        answer = self.reader.answer(question, retrieval.hits, retrieval.dense_top)
        return plus_retrieval_cost(answer, meter.total), retrieval

    def ask_explained(
        self, question: str, params: RetrievalParams, limits: ExplainLimits | None = None
    ) -> tuple[Answer, Retrieval, tuple[Explanation, ...]]:
        """`ask`, with the retrieved passages' explanations (as `retrieve_explained`)."""
        meter = UsageMeter()
        retrieval, explained = self.retrieve_explained(question, params, limits, meter)
        answer = plus_retrieval_cost(self.reader.answer(question, retrieval.hits, retrieval.dense_top), meter.total)
        return answer, retrieval, explained

    def neighbourhood(self, around: GraphQuery) -> GraphView:
        """The labelled graph around a passage, an entity or a question's seeds and top passages (bounded)."""
        around.check()
        vector = None if around.question is None else self.query_embedder.embed([around.question])[0]
        with self._lock:
            if around.question is None or vector is None:
                return neighbourhood_view(self.graph, self.store, [centre_of(self.graph, around)], around)
            ranking = self._retriever.rank(around.question, vector, RetrievalParams())
            ids = [s.node_id for s in ranking.seeds] + [pid for pid, _ in ranking.passages]
            centres = [i for i in map(self.graph.node_index, ids) if i is not None]
            return neighbourhood_view(self.graph, self.store, centres, around)

    def graph_view(self) -> GraphView:
        """Every node and edge of the graph, labelled (for exports)."""
        with self._lock:
            return whole_graph(self.graph, self.store)

    def close(self) -> None:
        with self._lock:
            self.store.flush()
            self.store.close()
            for resource in reversed(self._owned):
                resource.close()


def _check_query(query: str, params: RetrievalParams) -> None:
    check_question(query, "query")
    check_top_k(params.top_k)
