"""Writing prepared documents: records → store, nodes and edges → graph (DESIGN §4).

Records are written in dependency order — entities and facts, then passages, then the
document record last — so a crash leaves nothing that the document list points to half-done.
Only new entities are embedded and searched for synonyms: the cost of a document does not
grow with the size of the memory.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from memrag.memory.graph.memory_graph import MemoryGraph
from memrag.memory.heap import TrimSchedule, limit_arenas
from memrag.memory.ids import alnum_length
from memrag.memory.indexing.batch import PreparedBatch, records_of
from memrag.memory.indexing.prepare import AddReport, content_hash, identify
from memrag.memory.indexing.synonyms import SEARCH_MARGIN, batch_neighbours, merge_neighbours, rescore
from memrag.memory.params import IndexParams
from memrag.memory.ports import VectorHit
from memrag.memory.storage.record_store import RecordStore
from memrag.memory.types import DocumentInput, Entity, Fact, Passage

# Queries per synonym search: Edge holds a whole batch's working memory at once. 2,300 new entities of
# a 2Wiki batch against its 59k stored ones, exact: peak RSS +365 MB in one search, +136 MB in
# chunks of 256, +106 MB in chunks of 64 (the same 23,522 hits, 7.0-7.7 CPU-s each way).
SYNONYM_SEARCH_CHUNK = 256


class Indexer:
    """Turns documents into records in the store and nodes/edges in the graph."""

    def __init__(
        self,
        store: RecordStore,
        graph: MemoryGraph,
        params: IndexParams,
    ) -> None:
        self._store, self._graph, self._params = store, graph, params
        limit_arenas()  # before the batches' threads allocate: freed memory stays reusable (heap.py)
        self._trim = TrimSchedule()

    def select(self, inputs: Sequence[DocumentInput], report: AddReport) -> list[tuple[str, DocumentInput]]:
        """Documents to index as (id, input): new ones, and changed versions of stored ones (a change
        of metadata alone included: its passages are prepared again from the caches, and the
        writer rewrites only the document record)."""
        by_id = dict(identify(inputs))
        stored = {d.id: (d.content_hash, d.metadata) for d in self._store.get_documents(list(by_id))}
        fresh = []
        for doc_id, doc in by_id.items():
            if stored.get(doc_id) == (content_hash(doc), doc.metadata):
                report.documents_unchanged.append(doc_id)
            else:
                fresh.append((doc_id, doc))
        return fresh

    def write(self, batch: PreparedBatch, report: AddReport) -> None:
        """Write entities and facts not yet stored, then passages, then the document records last."""
        if not batch.items:
            return
        names, facts = records_of(batch.items)
        new_entity_ids = sorted(set(names) - self._store.existing_entity_ids(sorted(names)))
        new_fact_ids = sorted(set(facts) - self._store.existing_fact_ids(sorted(facts)))
        passages = [p for item in batch.items for p in item.passages]
        entity_vectors = batch.entities.rows(new_entity_ids)
        entities, eligible = self._entities_with_synonyms(new_entity_ids, names, entity_vectors)
        self._store.put_entities(entities, entity_vectors, eligible)
        self._store.put_facts([facts[f] for f in new_fact_ids], batch.facts.rows(new_fact_ids))
        self._store.put_passages(passages, batch.passages.rows([p.id for p in passages]))
        for item in batch.items:
            self._store.put_document(item.document)
        apply_to_graph(self._graph, passages, facts, entities)
        report.documents_added.extend(item.document.id for item in batch.items)
        report.passages += len(passages)
        report.new_entities += len(entities)
        report.new_facts += len(new_fact_ids)
        if self._trim.written(len(passages)):  # what preparing and writing freed goes back to the system,
            self._store.hand_back_mapped_pages()  # and the store pages searches and reads left resident

    def _entities_with_synonyms(
        self, ids: list[str], names: dict[str, str], vectors: np.ndarray
    ) -> tuple[list[Entity], list[bool]]:
        p = self._params
        eligible = [alnum_length(names[e]) >= p.synonym_min_alnum for e in ids]
        rows = np.flatnonzero(eligible)
        synonyms: dict[str, tuple[tuple[str, float], ...]] = {}
        if len(rows):
            eligible_ids = [ids[r] for r in rows]
            kept = self._store.entities.as_stored(vectors[rows])  # scored as stored, wherever a pair is found
            in_batch = batch_neighbours(kept, p.synonym_threshold, p.synonym_max_neighbours)
            threshold = p.synonym_threshold - SEARCH_MARGIN
            hits = in_chunks(
                lambda chunk: self._store.search_synonym_candidates(chunk, p.synonym_max_neighbours, threshold),
                kept,
            )
            stored = rescore(kept, hits, self._store.entities.vectors(sorted({h.id for r in hits for h in r})))
            merged = merge_neighbours(eligible_ids, in_batch, stored, p.synonym_threshold, p.synonym_max_neighbours)
            synonyms = dict(zip(eligible_ids, merged, strict=True))
        entities = [Entity(e, names[e], synonyms.get(e, ())) for e in ids]
        return entities, eligible


def in_chunks(
    search: Callable[[np.ndarray], list[list[VectorHit]]], vectors: np.ndarray, size: int = SYNONYM_SEARCH_CHUNK
) -> list[list[VectorHit]]:
    """`search`'s hits for every vector, in the vectors' order, asked for at most `size` vectors at a time."""
    hits: list[list[VectorHit]] = []
    for start in range(0, len(vectors), size):
        hits += search(vectors[start : start + size])
    return hits


def apply_to_graph(
    graph: MemoryGraph, passages: Sequence[Passage], facts: dict[str, Fact], entities: Sequence[Entity]
) -> None:
    """Add passages (with their facts' entity pairs) and declared synonyms to the graph. A fact missing
    from `facts` (the store quarantined it: it cannot decode it) leaves its passage in the graph without
    that fact's pair, never a failed open or refresh."""
    for passage in passages:
        triples = [(f, facts[f].subject_id, facts[f].object_id) for f in passage.fact_ids if f in facts]
        graph.add_passage(passage.id, passage.entity_ids, triples)
    for entity in entities:
        graph.declare_synonyms(entity.id, entity.synonyms)
