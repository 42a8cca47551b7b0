"""Frozen records of the core: documents, passages, entities, facts, hits."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal


@dataclass(frozen=True)
class Triple:
    """A raw (subject, predicate, object) as an extractor produced it."""

    subject: str
    predicate: str
    object: str


@dataclass(frozen=True)
class Extraction:
    """OpenIE output for one passage: named entities and triples."""

    entities: tuple[str, ...]
    triples: tuple[Triple, ...]


@dataclass(frozen=True)
class Fact:
    """A normalised triple; its subject and object are entity nodes."""

    id: str
    subject: str
    predicate: str
    object: str
    subject_id: str
    object_id: str

    @property
    def text(self) -> str:
        """What is embedded for fact retrieval: the triple written as HippoRAG 2 embeds it."""
        return str((self.subject, self.predicate, self.object))


@dataclass(frozen=True)
class Entity:
    """A phrase node; `synonyms` are the (entity id, cosine) neighbours found when it was created."""

    id: str
    name: str
    synonyms: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True)
class Passage:
    """A chunk of a document; who it mentions lives here, never on the entity or fact."""

    id: str
    doc_id: str
    position: int
    text: str
    entity_ids: tuple[str, ...]
    fact_ids: tuple[str, ...]


@dataclass(frozen=True)
class Document:
    """A client document; `passage_ids` in reading order."""

    id: str
    title: str
    content_hash: str
    passage_ids: tuple[str, ...]
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DocumentInput:
    """What a caller adds: text plus optional id, title and metadata."""

    text: str
    id: str | None = None
    title: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ScoredFact:
    fact: Fact
    score: float


@dataclass(frozen=True)
class Seed:
    """A PPR reset weight on a node, and why it was given."""

    node_id: str
    name: str
    weight: float


@dataclass(frozen=True)
class Hit:
    """One retrieved passage with its provenance."""

    passage_id: str
    doc_id: str
    text: str
    score: float
    facts: tuple[ScoredFact, ...] = ()
    seeds: tuple[Seed, ...] = ()


RetrievalMode = Literal["graph", "dense_fallback", "dense"]


@dataclass(frozen=True)
class Retrieval:
    """Ranked hits; `mode` says whether the graph ran or the dense fallback was taken."""

    query: str
    hits: tuple[Hit, ...]
    mode: RetrievalMode
    facts: tuple[ScoredFact, ...] = ()
    seeds: tuple[Seed, ...] = ()
    dense_top: float | None = None  # cosine of the passage closest to the query (None: none); abstention reads it
