"""The four collections of a namespace (documents, passages, entities, facts) behind typed calls."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

from memrag.memory.ports import VectorHit, VectorIndex, VectorRecord, VectorStore
from memrag.memory.storage import records
from memrag.memory.types import Document, Entity, Fact, Passage

# Documents carry no embedding; the store still wants a vector, so they get a constant one.
_DOCUMENT_DIM = 1
_DOCUMENT_VECTOR = np.ones(_DOCUMENT_DIM, dtype=np.float32)
SYNONYM_FIRST_LIMIT = 16


class RecordStore:
    """Typed access to the collections; every record is written whole and never edited."""

    def __init__(self, store: VectorStore, dim: int) -> None:
        self._store = store
        self.documents: VectorIndex = store.open_index("documents", _DOCUMENT_DIM)
        self.passages: VectorIndex = store.open_index("passages", dim)
        self.entities: VectorIndex = store.open_index("entities", dim)
        self.facts: VectorIndex = store.open_index("facts", dim)

    def put_entities(self, entities: Sequence[Entity], vectors: np.ndarray, eligible: Sequence[bool]) -> None:
        self.entities.upsert(
            [
                VectorRecord(e.id, v, records.entity_payload(e, ok))
                for e, v, ok in zip(entities, vectors, eligible, strict=True)
            ]
        )

    def put_facts(self, facts: Sequence[Fact], vectors: np.ndarray) -> None:
        self.facts.upsert([VectorRecord(f.id, v, records.fact_payload(f)) for f, v in zip(facts, vectors, strict=True)])

    def put_passages(self, passages: Sequence[Passage], vectors: np.ndarray) -> None:
        self.passages.upsert(
            [VectorRecord(p.id, v, records.passage_payload(p)) for p, v in zip(passages, vectors, strict=True)]
        )

    def put_document(self, document: Document) -> None:
        self.documents.upsert([VectorRecord(document.id, _DOCUMENT_VECTOR, records.document_payload(document))])

    def get_documents(self, ids: Sequence[str]) -> list[Document]:
        return [records.document_from(p) for p in self.documents.get(ids)]

    def get_passages(self, ids: Sequence[str]) -> list[Passage]:
        return [records.passage_from(p) for p in self.passages.get(ids)]

    def get_entities(self, ids: Sequence[str]) -> list[Entity]:
        return [records.entity_from(p) for p in self.entities.get(ids)]

    def get_facts(self, ids: Sequence[str]) -> list[Fact]:
        return [records.fact_from(p) for p in self.facts.get(ids)]

    def existing_entity_ids(self, ids: Sequence[str]) -> set[str]:
        return {str(p["id"]) for p in self.entities.get(ids)}

    def existing_fact_ids(self, ids: Sequence[str]) -> set[str]:
        return {str(p["id"]) for p in self.facts.get(ids)}

    def search_synonym_candidates(self, vectors: np.ndarray, limit: int, threshold: float) -> list[list[VectorHit]]:
        """Stored entities with cosine ≥ threshold that may take synonyms (short names may not), ≤ limit each.

        Most entities have few such neighbours: a narrow first search (cheap: HNSW's breadth
        follows the limit) answers them, and only rows that came back full are searched again.
        """
        first = min(limit, SYNONYM_FIRST_LIMIT)
        found = self._synonym_search(vectors, first, threshold, ef=first)
        full = [row for row, hits in enumerate(found) if len(hits) >= first]
        if full and limit > first:
            for row, hits in zip(full, self._synonym_search(vectors[full], limit, threshold, ef=None), strict=True):
                found[row] = hits
        return [[h for h in hits if (h.payload or {}).get("synonym_eligible") == 1] for hits in found]

    def _synonym_search(
        self, vectors: np.ndarray, limit: int, threshold: float, ef: int | None
    ) -> list[list[VectorHit]]:
        return self.entities.search_batch(vectors, limit, min_score=threshold, with_payload=["synonym_eligible"], ef=ef)

    def all_documents(self) -> Iterator[Document]:
        return (records.document_from(p) for p in self.documents.scroll())

    def all_passages(self) -> Iterator[Passage]:
        return (records.passage_from(p) for p in self.passages.scroll())

    def all_facts(self) -> Iterator[Fact]:
        return (records.fact_from(p) for p in self.facts.scroll())

    def all_entities(self) -> Iterator[Entity]:
        return (records.entity_from(p) for p in self.entities.scroll())

    def flush(self) -> None:
        for index in (self.documents, self.passages, self.entities, self.facts):
            index.flush()

    def close(self) -> None:
        self._store.close()
