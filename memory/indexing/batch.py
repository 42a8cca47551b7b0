"""A prepared batch: documents chunked, extracted and embedded, ready for the store's one writer.

Preparing needs no store, so workers in other processes can do it; applying it is
idempotent (content-hash ids). `encode`/`decode` carry a batch between processes as bytes:
a JSON header (the records in the payloads the store keeps, and what preparing each document
cost) and float32 matrices, validated on the way back (never unpickled). Batches of format 2
(written before they carried their cost) still decode, with zero usage.
"""

from __future__ import annotations

import json
import math
import struct
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from memrag.memory.errors import InvalidInput, StorageError
from memrag.memory.extraction.normalise import PassageFacts
from memrag.memory.llm.usage import Usage
from memrag.memory.storage import records
from memrag.memory.types import Document, Fact, Passage
from memrag.memory.validation import InvalidValue, check_id, check_metadata, check_text, check_title

_FORMAT = "memrag-batch-3"  # 2: records as their store payloads (storage/records.py); 3: + usage
_READABLE = ("memrag-batch-2", _FORMAT)  # a 2 has no usage: it decodes with none
_HEADER = struct.Struct("<I")


@dataclass(frozen=True)
class PreparedDocument:
    """A document ready to be written: its record, passages and their facts."""

    document: Document
    passages: tuple[Passage, ...]
    facts: tuple[PassageFacts, ...]


def records_of(items: Sequence[PreparedDocument]) -> tuple[dict[str, str], dict[str, Fact]]:
    """The distinct entities (id → name) and facts (id → fact) that the documents mention."""
    names = {eid: name for p in items for f in p.facts for eid, name in f.entities.items()}
    facts = {fact.id: fact for p in items for f in p.facts for fact in f.facts}
    return names, facts


@dataclass(frozen=True)
class Vectors:
    """Embeddings by record id (rows of `matrix` in the order of `ids`)."""

    ids: tuple[str, ...]
    matrix: np.ndarray

    def rows(self, wanted: list[str]) -> np.ndarray:
        at = {record: row for row, record in enumerate(self.ids)}
        return self.matrix[[at[w] for w in wanted]].reshape(len(wanted), self.matrix.shape[1])


@dataclass(frozen=True)
class PreparedBatch:
    """Documents to write, the vectors of their records, and what went wrong preparing them.

    `usage` is what preparing cost, by document id (its extraction's LLM calls and tokens): it
    travels with the batch so that the writer records it with the slice, once, whoever prepared it."""

    items: tuple[PreparedDocument, ...]
    entities: Vectors
    facts: Vectors
    passages: Vectors
    failed: dict[str, str] = field(default_factory=dict)
    dropped_triples: int = 0
    embed_seconds: float = 0.0
    usage: dict[str, Usage] = field(default_factory=dict)


def check(batch: PreparedBatch, dim: int) -> None:
    """Refuse (InvalidInput) a batch holding what validation keeps out of the store — one a damaged
    or foreign writer logged — before anything of it is written: the same bounds as at submission
    (memory/validation.py) on each document, passage text and fact, and finite vectors of the
    store's dimension `dim`. (The store would refuse these too, but as if it were unavailable.)"""
    for item in batch.items:
        doc = item.document
        where = f"document {doc.id[:100]!r}"
        check_id(doc.id, f"{where}: its id")
        check_title(doc.title, f"{where}: its title")
        check_metadata(doc.metadata, f"{where}: its metadata")
        for passage in item.passages:
            check_text(passage.text, f"{where}: a passage", required=False)
        for found in item.facts:
            for text in [
                *found.entities.values(),
                *(t for f in found.facts for t in (f.subject, f.predicate, f.object)),
            ]:
                check_text(text, f"{where}: an entity or fact", required=False)
    for vectors in (batch.entities, batch.facts, batch.passages):
        if vectors.ids and vectors.matrix.shape[1] != dim:
            raise InvalidValue(
                f"a prepared batch holds {vectors.matrix.shape[1]}-d vectors for a {dim}-d store; prepare it "
                "again with the store's embedding model"
            )
        if not np.isfinite(vectors.matrix).all():
            raise InvalidValue("a prepared batch holds vectors that are not finite; prepare it again")


def encode(batch: PreparedBatch) -> bytes:
    header = {
        "format": _FORMAT,
        "dim": int(batch.passages.matrix.shape[1]),
        "items": [_item_json(item) for item in batch.items],
        "entities": list(batch.entities.ids),
        "facts": list(batch.facts.ids),
        "passages": list(batch.passages.ids),
        "failed": batch.failed,
        "dropped_triples": batch.dropped_triples,
        "embed_seconds": batch.embed_seconds,
        "usage": {doc_id: usage.as_dict() for doc_id, usage in batch.usage.items()},
    }
    raw = json.dumps(header, ensure_ascii=False).encode()
    arrays = [np.ascontiguousarray(v.matrix, dtype=np.float32) for v in (batch.entities, batch.facts, batch.passages)]
    return _HEADER.pack(len(raw)) + raw + b"".join(a.tobytes() for a in arrays)


def decode(blob: bytes) -> PreparedBatch:
    """The batch `encode` wrote; anything else raises InvalidInput naming what is wrong."""
    try:
        (length,) = _HEADER.unpack_from(blob)
        header = json.loads(blob[_HEADER.size : _HEADER.size + length])
        if header.get("format") not in _READABLE:
            raise ValueError(f"format {header.get('format')!r}, expected one of {_READABLE}")
        dim = int(header["dim"])
        offset = _HEADER.size + length
        vectors: list[Vectors] = []
        for key in ("entities", "facts", "passages"):
            ids = tuple(str(i) for i in header[key])
            size = len(ids) * dim * 4
            matrix = np.frombuffer(blob[offset : offset + size], dtype=np.float32).reshape(len(ids), dim)
            vectors.append(Vectors(ids, matrix))
            offset += size
        if offset != len(blob):
            raise ValueError(f"{len(blob) - offset} bytes left over")
        items = tuple(_item_from(i) for i in header["items"])
        failed = {str(k): str(v) for k, v in header["failed"].items()}
        return PreparedBatch(
            items,
            vectors[0],
            vectors[1],
            vectors[2],
            failed,
            int(header["dropped_triples"]),
            float(header["embed_seconds"]),
            _usage_from(header.get("usage", {})),
        )
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError, struct.error, StorageError) as exc:
        raise InvalidInput(f"not a prepared batch ({exc}); it was not written by this version of memrag") from exc


def _usage_from(raw: dict[str, Any]) -> dict[str, Usage]:
    """Each document's usage; a negative or non-finite figure is refused (the totals it adds to only grow)."""
    usage = {str(doc_id): Usage.of_dict(figures) for doc_id, figures in raw.items()}
    if not all(0 <= value < math.inf for u in usage.values() for value in u.as_dict().values()):
        raise ValueError("a usage figure that is negative or not finite")
    return usage


def _item_json(item: PreparedDocument) -> dict[str, object]:
    """The records in their store payloads (storage/records.py), each with its id."""
    return {
        "document": records.with_id(item.document.id, records.document_payload(item.document)),
        "passages": [records.with_id(p.id, records.passage_payload(p)) for p in item.passages],
        "facts": [
            {
                "facts": [records.with_id(f.id, records.fact_payload(f)) for f in pf.facts],
                "entities": pf.entities,
                "dropped": pf.dropped,
            }
            for pf in item.facts
        ],
    }


def _item_from(raw: dict[str, Any]) -> PreparedDocument:
    facts = tuple(
        PassageFacts(
            tuple(records.fact_from(f) for f in pf["facts"]),
            {str(k): str(v) for k, v in pf["entities"].items()},
            int(pf["dropped"]),
        )
        for pf in raw["facts"]
    )
    passages = tuple(records.passage_from(p) for p in raw["passages"])
    return PreparedDocument(records.document_from(raw["document"]), passages, facts)
