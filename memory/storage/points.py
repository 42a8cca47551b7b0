"""What both vector-index adapters share: the payload selection, turning a point into a hit, and
the marker for a stored payload that cannot be decoded."""

from __future__ import annotations

from collections.abc import Sequence

from memrag.memory.ports import Payload, VectorHit

# The key of the payload an adapter yields, in `get` and `scroll`, for a stored record it cannot
# decode (its own decoder refused it), in place of failing the whole call: the typed layer
# (storage/record_store.py) quarantines it. Its value says why, without the record's content.
UNREADABLE = "memrag_unreadable"


def payload_selector(with_payload: bool | Sequence[str]) -> bool | list[str]:
    """All of the payload, or the record id plus the named fields."""
    if with_payload is True:
        return True
    return ["id", *with_payload] if with_payload else ["id"]


def per_vector(limit: int | Sequence[int], vectors: int) -> list[int]:
    """One limit per query vector: the same for all, or each its own (as many limits as vectors)."""
    limits = [limit] * vectors if isinstance(limit, int) else list(limit)
    if len(limits) != vectors:
        raise ValueError(f"{len(limits)} limits for {vectors} query vectors: give one limit, or one per vector")
    return limits


def make_hit(payload: Payload | None, score: float, with_payload: bool | Sequence[str]) -> VectorHit:
    data = dict(payload or {})
    return VectorHit(id=str(data["id"]), score=float(score), payload=data if with_payload else None)


def unreadable(point_id: str, why: str) -> Payload:
    """What `get` and `scroll` give for a point whose payload the store cannot decode (its "id"
    names no record, so that a search hit on it is simply not found)."""
    return {UNREADABLE: why, "point": point_id, "id": f"unreadable:{point_id}"}
