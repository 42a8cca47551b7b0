"""The four collections of a namespace (documents, passages, entities, facts) behind typed calls.

A stored record that cannot be decoded (written by a bug or an older version, or damaged) is
quarantined where it is read: skipped, counted once, logged by collection and id without its
content. It is never fatal to the call, the namespace or the process.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TypeVar

import numpy as np

from memrag.memory.errors import CorruptRecord
from memrag.memory.ports import Match, Payload, VectorHit, VectorIndex, VectorRecord, VectorStore
from memrag.memory.storage import records
from memrag.memory.storage.edge_layout import ENTITY_LAYOUT
from memrag.memory.storage.points import UNREADABLE
from memrag.memory.storage.qdrant_edge import EdgeStore
from memrag.memory.storage.scan_mirror import MirroredIndex
from memrag.memory.storage.search_mode import search_mode
from memrag.memory.types import Document, Entity, Fact, Passage

# Documents carry no embedding; the store still wants a vector, so they get a constant one.
_DOCUMENT_DIM = 1
_DOCUMENT_VECTOR = np.ones(_DOCUMENT_DIM, dtype=np.float32)
T = TypeVar("T")
log = logging.getLogger("memrag.storage")


class Quarantine:
    """The undecodable records met so far, each counted once (by collection and id or point)."""

    def __init__(self) -> None:
        self._seen: set[tuple[str, str]] = set()
        self._lock = threading.Lock()

    def add(self, collection: str, payload: Payload, error: CorruptRecord) -> None:
        key = (collection, str(payload.get("point") if UNREADABLE in payload else payload.get("id", "?")))
        with self._lock:
            if key in self._seen:
                return
            self._seen.add(key)
        log.warning("quarantined a record of %s that cannot be decoded: %s", collection, error)

    @property
    def count(self) -> int:
        return len(self._seen)


class RecordStore:
    """Typed access to the collections; every record is written whole and never edited.

    On an embedded store the passages and facts (searched by every query) are mirrored for exact
    scans in numpy while small (storage/scan_mirror.py): one process owns such a store
    (process_lock.py), so every write passes through here. A Qdrant server may be written by
    other processes too, so its collections are searched as they are.
    """

    def __init__(self, store: VectorStore, dim: int) -> None:
        self._store = store
        self.quarantine = Quarantine()
        self.documents: VectorIndex = store.open_index("documents", _DOCUMENT_DIM)
        self.passages: VectorIndex = self._queried(store.open_index("passages", dim), dim)
        self.entities: VectorIndex = self._entity_index(store, dim)
        self.facts: VectorIndex = self._queried(store.open_index("facts", dim), dim)

    @staticmethod
    def _entity_index(store: VectorStore, dim: int) -> VectorIndex:
        """The entities' collection: float16 in a new embedded store (edge_layout.ENTITY_LAYOUT), the
        pages every batch's synonym search scans halved; as it is on a server."""
        if isinstance(store, EdgeStore):
            return store.open_index("entities", dim, ENTITY_LAYOUT)
        return store.open_index("entities", dim)

    def _queried(self, index: VectorIndex, dim: int) -> VectorIndex:
        return MirroredIndex(index, dim) if isinstance(self._store, EdgeStore) else index

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
        return list(self._decoded("documents", self.documents.get(ids), records.document_from))

    def get_passages(self, ids: Sequence[str]) -> list[Passage]:
        return list(self._decoded("passages", self.passages.get(ids), records.passage_from))

    def get_entities(self, ids: Sequence[str]) -> list[Entity]:
        return list(self._decoded("entities", self.entities.get(ids), records.entity_from))

    def get_facts(self, ids: Sequence[str]) -> list[Fact]:
        return list(self._decoded("facts", self.facts.get(ids), records.fact_from))

    def fact_hits(self, hits: Sequence[VectorHit]) -> list[tuple[Fact, float]]:
        """Each hit's fact (read from its payload) and score; a hit that does not decode is quarantined."""
        return [
            (fact, hit.score) for hit in hits for fact in self._decoded("facts", [hit.payload or {}], records.fact_from)
        ]

    def existing_entity_ids(self, ids: Sequence[str]) -> set[str]:
        return {str(p["id"]) for p in self.entities.get(ids) if UNREADABLE not in p}

    def existing_fact_ids(self, ids: Sequence[str]) -> set[str]:
        return {str(p["id"]) for p in self.facts.get(ids) if UNREADABLE not in p}

    def search_synonym_candidates(self, vectors: np.ndarray, limit: int, threshold: float) -> list[list[VectorHit]]:
        """Stored entities with cosine ≥ threshold that may take synonyms (short names may not): of the
        `limit` nearest, best first. Exact while the collection is small enough (search_mode.py), so an
        entity's synonyms do not depend on the order the memory was built in. Eligibility is checked on
        the hits, not as a filter: Qdrant's HNSW search with a filter on an unindexed field was 5x slower."""
        found = self.nearest(self.entities, vectors, limit, min_score=threshold, with_payload=["synonym_eligible"])
        return [[h for h in hits if (h.payload or {}).get("synonym_eligible") == 1] for hits in found]

    def nearest(
        self,
        index: VectorIndex,
        vectors: np.ndarray,
        limit: int,
        *,
        min_score: float | None = None,
        with_payload: bool | Sequence[str] = False,
        where: Match | None = None,
    ) -> list[list[VectorHit]]:
        """The nearest records of `index` per vector, searched in its mode (exact or HNSW: search_mode.py)."""
        mode = search_mode(index.count(exact=False), limit)
        return index.search_batch(vectors, limit, where, min_score, with_payload, ef=mode.ef, exact=mode.exact)

    def nearest_points(
        self, index: VectorIndex, vectors: np.ndarray, limit: int | Sequence[int]
    ) -> list[list[tuple[str, float]]]:
        """As `nearest`, point ids and scores only (no payload read); `limit` one for all vectors or one each."""
        mode = search_mode(index.count(exact=False), limit if isinstance(limit, int) else max(limit, default=1))
        return index.search_points(vectors, limit, ef=mode.ef, exact=mode.exact)

    def all_documents(self) -> Iterator[Document]:
        return self._decoded("documents", self.documents.scroll(), records.document_from)

    def all_passages(self) -> Iterator[Passage]:
        return self._decoded("passages", self.passages.scroll(), records.passage_from)

    def all_facts(self) -> Iterator[Fact]:
        return self._decoded("facts", self.facts.scroll(), records.fact_from)

    def all_entities(self) -> Iterator[Entity]:
        return self._decoded("entities", self.entities.scroll(), records.entity_from)

    def _decoded(self, collection: str, payloads: Iterable[Payload], decode: Callable[[Payload], T]) -> Iterator[T]:
        """The records that decode; the others are quarantined."""
        for payload in payloads:
            try:
                yield decode(payload)
            except CorruptRecord as exc:
                self.quarantine.add(collection, payload, exc)

    def hand_back_mapped_pages(self) -> None:
        """The embedded store's mapped file pages that reads left resident go back to the kernel (a
        later read faults them in again); other stores keep nothing mapped here."""
        if isinstance(self._store, EdgeStore):
            self._store.page_out()

    def flush(self) -> None:
        for index in (self.documents, self.passages, self.entities, self.facts):
            index.flush()

    def close(self) -> None:
        self._store.close()
