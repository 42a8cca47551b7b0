"""What both vector-index adapters share: the payload selection and turning a point into a hit."""

from __future__ import annotations

from collections.abc import Sequence

from memrag.memory.ports import Payload, VectorHit


def payload_selector(with_payload: bool | Sequence[str]) -> bool | list[str]:
    """All of the payload, or the record id plus the named fields."""
    if with_payload is True:
        return True
    return ["id", *with_payload] if with_payload else ["id"]


def make_hit(payload: Payload | None, score: float, with_payload: bool | Sequence[str]) -> VectorHit:
    data = dict(payload or {})
    return VectorHit(id=str(data["id"]), score=float(score), payload=data if with_payload else None)
