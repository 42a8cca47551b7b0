"""From raw OpenIE triples to normalised facts and entity nodes (pure)."""

from __future__ import annotations

from dataclasses import dataclass

from memrag.memory.ids import entity_id, fact_id, normalize_entity
from memrag.memory.types import Extraction, Fact


@dataclass(frozen=True)
class PassageFacts:
    """The distinct facts of one passage and the entities they mention (id → name)."""

    facts: tuple[Fact, ...]
    entities: dict[str, str]
    dropped: int  # triples with an empty part after normalisation


def normalise_extraction(extraction: Extraction) -> PassageFacts:
    """Normalise every part of each triple; drop triples with an empty part; de-duplicate."""
    facts: dict[str, Fact] = {}
    entities: dict[str, str] = {}
    dropped = 0
    for triple in extraction.triples:
        subject, predicate, obj = (normalize_entity(x) for x in (triple.subject, triple.predicate, triple.object))
        if not (subject and predicate and obj):
            dropped += 1
            continue
        subject_id, object_id = entity_id(subject), entity_id(obj)
        fid = fact_id(subject, predicate, obj)
        facts[fid] = Fact(fid, subject, predicate, obj, subject_id, object_id)
        entities[subject_id] = subject
        entities[object_id] = obj
    return PassageFacts(tuple(facts.values()), entities, dropped)
