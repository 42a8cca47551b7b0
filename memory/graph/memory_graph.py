"""The entity + passage graph as a derived, incrementally maintained index (DESIGN §3).

Nodes are entities and passages. Edges (undirected; weights as the HippoRAG 2 reference
code ends up using them, where every relation and synonym pair is inserted twice):
- relation entity–entity: 2 × number of (passage, fact) occurrences of the pair;
- context passage–entity: 1 for each entity of the passage's facts;
- synonym entity–entity: 2 × cosine, when either entity listed the other at creation and
  both are mentioned by some passage.
The graph is a pure function of the set of passages (with their facts) and the declared
synonym pairs, whatever the order they arrived in. Edge weights live in per-node dicts
(O(1) updates); `rows` serves them to PPR from a CSR snapshot plus the dirty rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from memrag.memory.graph.adjacency import AdjacencySnapshot
from memrag.memory.ids import point_uuid

_ZERO = 1e-9


@dataclass(frozen=True)
class GraphStats:
    entities: int
    passages: int
    context_edges: int
    relation_pairs: int
    synonym_pairs: int


class MemoryGraph:
    """Mutable derived index; callers hold a lock around writes."""

    def __init__(self, compact_ratio: float = 0.1, compact_min_rows: int = 2048) -> None:
        self._node: dict[str, int] = {}
        self._ids: list[str] = []
        self._adj: list[dict[int, float]] = []
        self._degree = np.zeros(1024, dtype=np.float64)
        self._live_passage = np.zeros(1024, dtype=bool)
        self._passage_entities: dict[str, tuple[str, ...]] = {}
        self._passage_of_point: dict[str, str] = {}
        self._passage_pairs: dict[str, tuple[tuple[str, str], ...]] = {}
        self._passage_facts: dict[str, tuple[str, ...]] = {}
        self._mentions: dict[str, int] = {}
        self._fact_mentions: dict[str, int] = {}
        self._relation: dict[tuple[str, str], int] = {}
        self._synonyms: dict[str, dict[str, float]] = {}
        self._rows = AdjacencySnapshot(compact_ratio, compact_min_rows)
        self.version = 0

    # ---- queries -------------------------------------------------------------
    def node_index(self, record_id: str) -> int | None:
        return self._node.get(record_id)

    def node_id(self, index: int) -> str:
        return self._ids[index]

    def passage_of_point(self, point: str) -> str | None:
        """The passage stored under a vector-store point id, if it is in the graph."""
        return self._passage_of_point.get(point)

    def passage_entities(self, passage_id: str) -> tuple[str, ...]:
        """The entity ids a passage's facts mention (empty for a passage not in the graph)."""
        return self._passage_entities.get(passage_id, ())

    def has_passage(self, passage_id: str) -> bool:
        return passage_id in self._passage_entities

    def mentions(self, entity_id: str) -> int:
        """Number of passages whose facts mention the entity (0 = not in the graph)."""
        return self._mentions.get(entity_id, 0)

    @property
    def size(self) -> int:
        return len(self._ids)

    @property
    def degree(self) -> np.ndarray:
        return self._degree[: len(self._ids)]

    @property
    def live_passages(self) -> np.ndarray:
        """Boolean mask over node indices: passages currently in the graph."""
        return self._live_passage[: len(self._ids)]

    def neighbours(self, index: int) -> dict[int, float]:
        return self._adj[index]

    def rows(self) -> AdjacencySnapshot:
        """Row source for PPR, compacted when enough rows changed."""
        self._rows.refresh(self._adj, len(self._ids))
        return self._rows

    def edges(self) -> Iterable[tuple[str, str, float]]:
        """Every undirected edge once, as (id, id, weight)."""
        for u, row in enumerate(self._adj):
            for v, weight in row.items():
                if u < v:
                    yield self._ids[u], self._ids[v], weight

    def stats(self) -> GraphStats:
        entities = sum(1 for n in self._mentions.values() if n > 0)
        context = sum(len(e) for e in self._passage_entities.values())
        synonym = sum(
            1 for a, row in self._synonyms.items() for b in row if a < b and self.mentions(a) and self.mentions(b)
        )
        return GraphStats(entities, len(self._passage_entities), context, len(self._relation), synonym)

    # ---- writes --------------------------------------------------------------
    def add_passage(self, passage_id: str, entity_ids: Sequence[str], facts: Sequence[tuple[str, str, str]]) -> None:
        """Add a passage with its facts as (fact id, subject id, object id); no-op if present."""
        if passage_id in self._passage_entities:
            return
        self.version += 1
        p = self._ensure_node(passage_id)
        self._live_passage[p] = True
        self._passage_of_point[point_uuid(passage_id)] = passage_id
        entities = tuple(dict.fromkeys(entity_ids))
        self._passage_entities[passage_id] = entities
        for entity in entities:
            self._mention(entity, +1)
            self._add_weight(p, self._node[entity], 1.0)
        unique = tuple(dict.fromkeys(facts))
        self._passage_facts[passage_id] = tuple(f for f, _, _ in unique)
        pairs = tuple(_pair(s, o) for _, s, o in unique if s != o)
        self._passage_pairs[passage_id] = pairs
        for fact, _, _ in unique:
            self._fact_mentions[fact] = self._fact_mentions.get(fact, 0) + 1
        for a, b in pairs:
            self._relation[(a, b)] = self._relation.get((a, b), 0) + 1
            self._add_weight(self._node[a], self._node[b], 2.0)

    def remove_passage(self, passage_id: str) -> tuple[list[str], list[str]]:
        """Remove a passage; returns (entity ids, fact ids) that no passage mentions any more."""
        entities = self._passage_entities.pop(passage_id, None)
        if entities is None:
            return [], []
        self.version += 1
        p = self._node[passage_id]
        self._live_passage[p] = False
        self._passage_of_point.pop(point_uuid(passage_id), None)
        for a, b in self._passage_pairs.pop(passage_id):
            self._relation[(a, b)] -= 1
            if self._relation[(a, b)] == 0:
                del self._relation[(a, b)]
            self._add_weight(self._node[a], self._node[b], -2.0)
        dead_facts = []
        for fact in self._passage_facts.pop(passage_id):
            self._fact_mentions[fact] -= 1
            if self._fact_mentions[fact] == 0:
                del self._fact_mentions[fact]
                dead_facts.append(fact)
        dead_entities = []
        for entity in entities:
            self._add_weight(p, self._node[entity], -1.0)
            if self._mention(entity, -1) == 0:
                dead_entities.append(entity)
        return dead_entities, dead_facts

    def declare_synonyms(self, entity_id: str, neighbours: Iterable[tuple[str, float]]) -> None:
        """Record synonym pairs found for an entity; an edge exists while both ends are mentioned."""
        for other, score in neighbours:
            if other == entity_id or other in self._synonyms.get(entity_id, {}):
                continue
            self.version += 1
            self._synonyms.setdefault(entity_id, {})[other] = score
            self._synonyms.setdefault(other, {})[entity_id] = score
            if self.mentions(entity_id) and self.mentions(other):
                self._add_weight(self._node[entity_id], self._node[other], 2.0 * score)

    # ---- internals -----------------------------------------------------------
    def _ensure_node(self, record_id: str) -> int:
        index = self._node.get(record_id)
        if index is None:
            index = len(self._ids)
            self._node[record_id] = index
            self._ids.append(record_id)
            self._adj.append({})
            if index >= len(self._degree):
                self._degree = np.concatenate([self._degree, np.zeros(len(self._degree))])
                self._live_passage = np.concatenate([self._live_passage, np.zeros(len(self._live_passage), bool)])
        return index

    def _mention(self, entity_id: str, delta: int) -> int:
        count = self._mentions.get(entity_id, 0) + delta
        node = self._ensure_node(entity_id)
        if count == 0:
            del self._mentions[entity_id]
            for other, score in self._synonyms.get(entity_id, {}).items():
                if self.mentions(other):
                    self._add_weight(node, self._node[other], -2.0 * score)
        else:
            self._mentions[entity_id] = count
            if count == 1 and delta > 0:
                for other, score in self._synonyms.get(entity_id, {}).items():
                    if self.mentions(other):
                        self._add_weight(node, self._node[other], 2.0 * score)
        return count

    def _add_weight(self, u: int, v: int, weight: float) -> None:
        for a, b in ((u, v), (v, u)):
            row = self._adj[a]
            new = row.get(b, 0.0) + weight
            if abs(new) < _ZERO:
                row.pop(b, None)
            else:
                row[b] = new
            self._degree[a] += weight
            if abs(self._degree[a]) < _ZERO:
                self._degree[a] = 0.0
        self._rows.mark_dirty(u, v)


def _pair(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a < b else (b, a)
