"""Records to and from their JSON payloads (in the vector store and in prepared batches), validated on the way back."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from memrag.memory.errors import CorruptRecord
from memrag.memory.ports import Payload
from memrag.memory.storage.points import UNREADABLE
from memrag.memory.types import Document, Entity, Fact, Passage


def with_id(record_id: str, payload: Payload) -> Payload:
    """A payload as the store gives it back: the record id beside the fields (the `*_from` read it there)."""
    return {**payload, "id": record_id}


def passage_payload(p: Passage) -> Payload:
    return {
        "doc_id": p.doc_id,
        "position": p.position,
        "text": p.text,
        "entity_ids": list(p.entity_ids),
        "fact_ids": list(p.fact_ids),
    }


def passage_from(payload: Payload) -> Passage:
    return _build(
        payload,
        lambda d: Passage(
            id=str(d["id"]),
            doc_id=str(d["doc_id"]),
            position=int(d["position"]),
            text=str(d["text"]),
            entity_ids=tuple(str(e) for e in d["entity_ids"]),
            fact_ids=tuple(str(f) for f in d["fact_ids"]),
        ),
    )


def entity_payload(e: Entity, synonym_eligible: bool) -> Payload:
    return {
        "name": e.name,
        "synonyms": [[other, score] for other, score in e.synonyms],
        "synonym_eligible": int(synonym_eligible),
    }


def entity_from(payload: Payload) -> Entity:
    return _build(
        payload,
        lambda d: Entity(
            id=str(d["id"]),
            name=str(d["name"]),
            synonyms=tuple((str(o), float(s)) for o, s in d["synonyms"]),
        ),
    )


def fact_payload(f: Fact) -> Payload:
    return {
        "subject": f.subject,
        "predicate": f.predicate,
        "object": f.object,
        "subject_id": f.subject_id,
        "object_id": f.object_id,
    }


def fact_from(payload: Payload) -> Fact:
    return _build(
        payload,
        lambda d: Fact(
            id=str(d["id"]),
            subject=str(d["subject"]),
            predicate=str(d["predicate"]),
            object=str(d["object"]),
            subject_id=str(d["subject_id"]),
            object_id=str(d["object_id"]),
        ),
    )


def document_payload(d: Document) -> Payload:
    return {
        "title": d.title,
        "content_hash": d.content_hash,
        "passage_ids": list(d.passage_ids),
        "metadata": d.metadata,
    }


def document_from(payload: Payload) -> Document:
    return _build(
        payload,
        lambda d: Document(
            id=str(d["id"]),
            title=str(d["title"]),
            content_hash=str(d["content_hash"]),
            passage_ids=tuple(str(p) for p in d["passage_ids"]),
            metadata=dict(d.get("metadata") or {}),
        ),
    )


T = TypeVar("T")


def _build(payload: Payload, make: Callable[[Payload], T]) -> T:
    """The record, or CorruptRecord saying which field is wrong (never the field's content)."""
    if UNREADABLE in payload:
        raise CorruptRecord(f"point {payload.get('point', '?')} cannot be decoded by the store ({payload[UNREADABLE]})")
    try:
        return make(payload)
    except KeyError as exc:
        raise CorruptRecord(f"record {str(payload.get('id', '?'))[:512]!r} has no field {exc}") from exc
    except (TypeError, ValueError, AttributeError) as exc:
        raise CorruptRecord(
            f"record {str(payload.get('id', '?'))[:512]!r} has a field of the wrong type ({type(exc).__name__})"
        ) from exc
