"""Adding documents: passages → OpenIE → embeddings → records → graph (DESIGN §4).

Records are written in dependency order — entities and facts, then passages, then the
document record last — so a crash leaves nothing that the document list points to half-done.
Only new entities are embedded and searched for synonyms: the cost of a document does not
grow with the size of the memory.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from memory.batch import Prepared, PreparedBatch, Vectors
from memory.errors import InvalidInput, ModelError
from memory.facts import normalise_extraction
from memory.graph import GraphIndex
from memory.ids import alnum_length, content_id, document_id, passage_id
from memory.params import IndexParams
from memory.ports import Chunker, Embedder, Extractor
from memory.store import RecordStore
from memory.synonyms import batch_neighbours, merge_neighbours
from memory.types import Document, DocumentInput, Entity, Extraction, Fact, Passage


@dataclass
class AddReport:
    """What one add call did; `embed_seconds` is time spent inside the embedder."""

    documents_added: list[str] = field(default_factory=list)
    documents_unchanged: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # document id → why nothing of it was stored
    passages: int = 0
    new_entities: int = 0
    new_facts: int = 0
    dropped_triples: int = 0
    embed_seconds: float = 0.0


class Indexer:
    """Turns documents into records in the store and nodes/edges in the graph."""

    def __init__(
        self,
        store: RecordStore,
        graph: GraphIndex,
        embedder: Embedder,
        extractor: Extractor,
        chunker: Chunker,
        params: IndexParams,
    ) -> None:
        self._store, self._graph, self._embedder = store, graph, embedder
        self._extractor, self._chunker, self._params = extractor, chunker, params

    def select(
        self, inputs: Sequence[DocumentInput], report: AddReport
    ) -> tuple[list[tuple[str, DocumentInput]], list[str]]:
        """Documents to index (id, input), and which of them replace a stored, different version."""
        by_id = dict(identify(inputs))
        stored = {d.id: d for d in self._store.get_documents(list(by_id))}
        fresh, replaced = [], []
        for doc_id, doc in by_id.items():
            old = stored.get(doc_id)
            if old is not None and old.content_hash == _content_hash(doc):
                report.documents_unchanged.append(doc_id)
                continue
            if old is not None:
                replaced.append(doc_id)  # the engine removes the old version once this one is written
            fresh.append((doc_id, doc))
        return fresh, replaced

    def prepare(self, docs: Sequence[tuple[str, DocumentInput]], report: AddReport) -> list[Prepared]:
        """Passages and OpenIE for each document; failing documents are recorded and left out."""
        texts_by_doc = [self._passage_texts(doc) for _, doc in docs]
        extractions = self._extract(docs, texts_by_doc, report)
        prepared = []
        for (doc_id, doc), texts in zip(docs, texts_by_doc, strict=True):
            if doc_id in report.failed:
                continue
            passages, facts = [], []
            for position, text in enumerate(dict.fromkeys(texts)):
                found = normalise_extraction(extractions[text])
                report.dropped_triples += found.dropped
                facts.append(found)
                passages.append(
                    Passage(
                        id=passage_id(doc_id, text),
                        doc_id=doc_id,
                        position=position,
                        text=text,
                        entity_ids=tuple(found.entities),
                        fact_ids=tuple(f.id for f in found.facts),
                    )
                )
            document = Document(doc_id, doc.title, _content_hash(doc), tuple(p.id for p in passages), doc.metadata)
            prepared.append(Prepared(document, tuple(passages), tuple(facts)))
        return prepared

    def _extract(
        self, docs: Sequence[tuple[str, DocumentInput]], texts_by_doc: list[list[str]], report: AddReport
    ) -> dict[str, Extraction]:
        """OpenIE for every passage; if the batch fails, document by document, failures recorded."""
        flat = list(dict.fromkeys(t for texts in texts_by_doc for t in texts))
        try:
            return dict(zip(flat, self._extractor.extract(flat), strict=True))
        except ModelError:
            found: dict[str, Extraction] = {}  # isolate the failing documents; the rest go on
        for (doc_id, _), texts in zip(docs, texts_by_doc, strict=True):
            try:
                found.update(zip(texts, self._extractor.extract(texts), strict=True))
            except ModelError as exc:
                report.failed[doc_id] = f"extraction failed: {exc}"
        return found

    def _passage_texts(self, doc: DocumentInput) -> list[str]:
        chunks = [c for c in self._chunker.split(doc.text) if c.strip()]
        return [f"{doc.title}\n{c}" if doc.title else c for c in chunks]

    def embed(self, prepared: Sequence[Prepared], report: AddReport, only_new: bool) -> PreparedBatch:
        """Vectors for the batch's records; with `only_new`, entities and facts already stored are skipped
        (a worker without the store embeds them all: the embedding cache makes repeats cheap)."""
        names = {eid: name for p in prepared for f in p.facts for eid, name in f.entities.items()}
        facts = {fact.id: fact for p in prepared for f in p.facts for fact in f.facts}
        entity_ids, fact_ids = sorted(names), sorted(facts)
        if only_new:
            entity_ids = sorted(set(names) - self._store.existing_entity_ids(entity_ids))
            fact_ids = sorted(set(facts) - self._store.existing_fact_ids(fact_ids))
        passages = [p for item in prepared for p in item.passages]
        started = time.perf_counter()
        entity_vectors = self._embedder.embed([names[e] for e in entity_ids])
        fact_vectors = self._embedder.embed([facts[f].text for f in fact_ids])
        passage_vectors = self._embedder.embed([p.text for p in passages])
        seconds = time.perf_counter() - started
        report.embed_seconds += seconds
        return PreparedBatch(
            tuple(prepared),
            Vectors(tuple(entity_ids), entity_vectors),
            Vectors(tuple(fact_ids), fact_vectors),
            Vectors(tuple(p.id for p in passages), passage_vectors),
            dict(report.failed),
            report.dropped_triples,
            seconds,
        )

    def write(self, batch: PreparedBatch, report: AddReport) -> None:
        """Write entities and facts not yet stored, then passages, then the document records last."""
        if not batch.items:
            return
        names = {eid: name for p in batch.items for f in p.facts for eid, name in f.entities.items()}
        facts = {fact.id: fact for p in batch.items for f in p.facts for fact in f.facts}
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

    def _entities_with_synonyms(
        self, ids: list[str], names: dict[str, str], vectors: np.ndarray
    ) -> tuple[list[Entity], list[bool]]:
        p = self._params
        eligible = [alnum_length(names[e]) >= p.synonym_min_alnum for e in ids]
        rows = np.flatnonzero(eligible)
        synonyms: dict[str, tuple[tuple[str, float], ...]] = {}
        if len(rows):
            eligible_ids = [ids[r] for r in rows]
            in_batch = batch_neighbours(vectors[rows], p.synonym_threshold, p.synonym_max_neighbours)
            stored = self._store.search_synonym_candidates(vectors[rows], p.synonym_max_neighbours, p.synonym_threshold)
            merged = merge_neighbours(eligible_ids, in_batch, stored, p.synonym_threshold, p.synonym_max_neighbours)
            synonyms = dict(zip(eligible_ids, merged, strict=True))
        entities = [Entity(e, names[e], synonyms.get(e, ())) for e in ids]
        return entities, eligible


def apply_to_graph(
    graph: GraphIndex, passages: Sequence[Passage], facts: dict[str, Fact], entities: Sequence[Entity]
) -> None:
    """Add passages (with their facts' entity pairs) and declared synonyms to the graph."""
    for passage in passages:
        triples = [(f, facts[f].subject_id, facts[f].object_id) for f in passage.fact_ids]
        graph.add_passage(passage.id, passage.entity_ids, triples)
    for entity in entities:
        graph.declare_synonyms(entity.id, entity.synonyms)


def identify(inputs: Sequence[DocumentInput]) -> list[tuple[str, DocumentInput]]:
    """(id, input) per document, the last one winning for a repeated id; empty text is refused."""
    by_id: dict[str, DocumentInput] = {}
    for doc in inputs:
        if not doc.text.strip():
            raise InvalidInput(f"document {doc.id or doc.title!r} has no text; send non-empty text")
        by_id[doc.id or document_id(doc.title, doc.text)] = doc
    return list(by_id.items())


def _content_hash(doc: DocumentInput) -> str:
    return content_id("content", doc.title, doc.text)
