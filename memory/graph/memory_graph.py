"""The entity + passage graph as a derived, incrementally maintained index (DESIGN §3).

Nodes are entities and passages. Edges (undirected; weights as the HippoRAG 2 reference
code ends up using them, where every relation and synonym pair is inserted twice):
- relation entity–entity: 2 × number of (passage, fact) occurrences of the pair;
- context passage–entity: 1 for each entity of the passage's facts;
- synonym entity–entity: 2 × cosine, when either entity listed the other at creation and
  both are mentioned by some passage.
The graph is a pure function of the set of passages (with their facts) and the declared
synonym pairs, whatever the order they arrived in.

Compact by construction (about 1.2 kB a synthetic passage with its entities and facts, against
12 kB when every node had its dicts): ids are interned once (`interning.py`), per-node
figures are numpy columns, weights a CSR base plus recent changes (`adjacency.py`), and what
each passage contributed is packed in one int32 array (`passage_lists.py`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from memrag.memory.graph.adjacency import ZERO, WeightedAdjacency
from memrag.memory.graph.growable import Growable
from memrag.memory.graph.interning import IdTable, PointIndex
from memrag.memory.graph.passage_lists import PassageLists
from memrag.memory.ids import point_uuid


@dataclass(frozen=True)
class GraphStats:
    entities: int
    passages: int
    context_edges: int
    relation_pairs: int
    synonym_pairs: int


class MemoryGraph:
    """Mutable derived index; callers hold a lock around writes.

    A node is numbered when its passage is added or its entity first mentioned (or named as a
    synonym, unnumbered until mentioned: `node_index` is None for it) and keeps its number.
    """

    def __init__(self, compact_ratio: float = 0.1, compact_min_rows: int = 2048) -> None:
        self._ids = IdTable()
        self._facts = IdTable()
        self._fact_mentions = Growable(np.int32)
        self._degree = Growable(np.float64)
        self._mentions = Growable(np.int32)
        self._live_passage = Growable(np.bool_, fill=False)
        self._placed = Growable(np.bool_, fill=False)  # a passage or a mentioned entity, once
        self._passages = PassageLists()
        self._points = PointIndex()
        self._synonyms: dict[int, dict[int, float]] = {}
        self._rows = WeightedAdjacency(compact_ratio, compact_min_rows)
        self._context_edges = 0
        self._relation_cache: tuple[int, int] = (-1, 0)
        self.version = 0
        self._read_debt = (0, 0)  # (merges then, stale rows met by reads since): `rows()` merges when it is large

    # ---- queries -------------------------------------------------------------
    def node_index(self, record_id: str) -> int | None:
        index = self._ids.find(record_id)
        return index if index is not None and self._placed.view()[index] else None

    def node_id(self, index: int) -> str:
        return self._ids.name(index)

    def node_ids(self, indices: np.ndarray) -> list[str]:
        """The ids of many nodes at once (vectorised)."""
        return self._ids.names(indices)

    def passage_of_point(self, point: str) -> str | None:
        """The passage stored under a vector-store point id, if it is in the graph."""
        node = int(self.passage_nodes([point])[0])
        return None if node < 0 else self._ids.name(node)

    def passage_nodes(self, points: Sequence[str]) -> np.ndarray:
        """The node of the live passage stored under each point id (int64, -1 where none), vectorised."""
        nodes = self._points.find_many(points)
        live = self._live_passage.view()
        found = nodes >= 0
        found[found] = live[nodes[found]]
        return np.where(found, nodes, -1)

    def passage_entities(self, passage_id: str) -> tuple[str, ...]:
        """The entity ids a passage's facts mention (empty for a passage not in the graph)."""
        index = self._ids.find(passage_id)
        return () if index is None else tuple(self._ids.names(self.passage_entity_nodes(index)))

    def passage_entity_nodes(self, node: int) -> np.ndarray:
        """The entity nodes the passage at `node` mentions (empty if no live passage is there)."""
        record = self._passages.get(node)
        return np.zeros(0, dtype=np.int32) if record is None else record.entities

    def has_passage(self, passage_id: str) -> bool:
        index = self._ids.find(passage_id)
        return index is not None and bool(self._live_passage.view()[index])

    def mentions(self, entity_id: str) -> int:
        """Number of passages whose facts mention the entity (0 = not in the graph)."""
        index = self._ids.find(entity_id)
        return 0 if index is None else int(self._mentions.view()[index])

    def fact_mentions(self, fact_id: str) -> int:
        """Number of passages in the graph whose facts include the fact (0 = none)."""
        index = self._facts.find(fact_id)
        return 0 if index is None else int(self._fact_mentions.view()[index])

    @property
    def mentioned_facts(self) -> int:
        """Number of distinct facts that some passage in the graph mentions."""
        return int(np.count_nonzero(self._fact_mentions.view()))

    @property
    def size(self) -> int:
        return len(self._ids)

    @property
    def degree(self) -> np.ndarray:
        return self._degree.view()

    @property
    def live_passages(self) -> np.ndarray:
        """Boolean mask over node indices: passages currently in the graph."""
        return self._live_passage.view()

    def neighbours(self, index: int) -> dict[int, float]:
        return self._rows.row(index)

    def rows(self) -> WeightedAdjacency:
        """Row source for PPR, its recent changes merged in when enough rows changed, or once the earlier
        reads since the last merge have met as many stale rows in all as the graph has rows: a memory being
        queried, not written, then walks the CSR base alone (a stale row is gathered from dicts at each
        read that reaches it; a merge costs about one pass over all rows)."""
        rows, merges = self._rows, self._rows.merges
        debt = self._read_debt[1] if self._read_debt[0] == merges else 0
        if debt >= self.size:
            rows.merge(self.size)
        else:
            rows.refresh(self.size)
        self._read_debt = (rows.merges, debt + rows.stale_rows(self.size) if rows.merges == merges else 0)
        return rows

    def edges(self) -> Iterable[tuple[str, str, float]]:
        """Every undirected edge once, as (id, id, weight)."""
        for u, v, weight in self._rows.edges(self.size):
            yield self._ids.name(u), self._ids.name(v), weight

    def stats(self) -> GraphStats:
        mentions = self._mentions.view()
        synonym = sum(1 for a, row in self._synonyms.items() for b in row if a < b and mentions[a] and mentions[b])
        return GraphStats(
            int(np.count_nonzero(mentions)),
            int(np.count_nonzero(self._live_passage.view())),
            self._context_edges,
            self._relation_pairs(),
            synonym,
        )

    # ---- writes --------------------------------------------------------------
    def add_passage(self, passage_id: str, entity_ids: Sequence[str], facts: Sequence[tuple[str, str, str]]) -> None:
        """Add a passage with its facts as (fact id, subject id, object id); no-op if present."""
        if self.has_passage(passage_id):
            return
        self.version += 1
        p = self._place(passage_id)
        self._live_passage.view()[p] = True
        self._points.add(point_uuid(passage_id), p)
        nodes = {e: self._place(e) for e in dict.fromkeys(entity_ids)}
        for node in nodes.values():
            self._mention(node, +1)
            self._add_weight(p, node, 1.0)
        unique = tuple(dict.fromkeys(facts))
        fact_indices = [self._count_fact(f) for f, _, _ in unique]
        pairs = [_pair(self._node_of(s, nodes), self._node_of(o, nodes)) for _, s, o in unique if s != o]
        for a, b in pairs:
            self._add_weight(a, b, 2.0)
        self._passages.add(p, list(nodes.values()), pairs, fact_indices)
        self._context_edges += len(nodes)
        self._rows.refresh(self.size)

    def remove_passage(self, passage_id: str) -> tuple[list[str], list[str]]:
        """Remove a passage; returns (entity ids, fact ids) that no passage mentions any more."""
        index = self._ids.find(passage_id)
        record = None if index is None else self._passages.get(index)
        if index is None or record is None:
            return [], []
        self.version += 1
        self._live_passage.view()[index] = False
        for a, b in record.pairs.tolist():
            self._add_weight(a, b, -2.0)
        dead_facts = []
        fact_mentions = self._fact_mentions.view()
        for fact in record.facts.tolist():
            fact_mentions[fact] -= 1
            if fact_mentions[fact] == 0:
                dead_facts.append(self._facts.name(fact))
        dead_entities = []
        for entity in record.entities.tolist():
            self._add_weight(index, entity, -1.0)
            if self._mention(entity, -1) == 0:
                dead_entities.append(self._ids.name(entity))
        self._context_edges -= len(record.entities)
        self._passages.remove(index)
        self._rows.refresh(self.size)
        return dead_entities, dead_facts

    def declare_synonyms(self, entity_id: str, neighbours: Iterable[tuple[str, float]]) -> None:
        """Record synonym pairs found for an entity; an edge exists while both ends are mentioned."""
        entity = self._number(entity_id)
        for other_id, score in neighbours:
            other = self._number(other_id)
            if other == entity or other in self._synonyms.get(entity, {}):
                continue
            self.version += 1
            self._synonyms.setdefault(entity, {})[other] = score
            self._synonyms.setdefault(other, {})[entity] = score
            mentions = self._mentions.view()
            if mentions[entity] and mentions[other]:
                self._add_weight(entity, other, 2.0 * score)

    # ---- internals -----------------------------------------------------------
    def _number(self, record_id: str) -> int:
        """The id's node index, numbering it (and growing the per-node columns) if new."""
        index = self._ids.add(record_id)
        if index >= len(self._degree):
            for column in (self._degree, self._mentions, self._live_passage, self._placed):
                column.grow_to(index + 1)
        return index

    def _place(self, record_id: str) -> int:
        index = self._number(record_id)
        self._placed.view()[index] = True
        return index

    def _node_of(self, entity_id: str, known: dict[str, int]) -> int:
        node = known.get(entity_id)
        return self._place(entity_id) if node is None else node

    def _count_fact(self, fact_id: str) -> int:
        index = self._facts.add(fact_id)
        if index >= len(self._fact_mentions):
            self._fact_mentions.grow_to(index + 1)
        self._fact_mentions.view()[index] += 1
        return index

    def _mention(self, node: int, delta: int) -> int:
        mentions = self._mentions.view()
        mentions[node] += delta
        count = int(mentions[node])
        if count == 0 or (count == 1 and delta > 0):
            sign = 1.0 if count else -1.0
            for other, score in self._synonyms.get(node, {}).items():
                if mentions[other]:
                    self._add_weight(node, other, sign * 2.0 * score)
        return count

    def _add_weight(self, u: int, v: int, weight: float) -> None:
        degree = self._degree.view()
        for a in (u, v):
            degree[a] += weight
            if abs(degree[a]) < ZERO:
                degree[a] = 0.0
        self._rows.add(u, v, weight)

    def _relation_pairs(self) -> int:
        """Distinct entity pairs joined by a fact of a live passage (counted once per version)."""
        if self._relation_cache[0] != self.version:
            pairs = self._passages.all_pairs().astype(np.int64)
            distinct = len(np.unique((pairs[:, 0] << 32) | pairs[:, 1]))
            self._relation_cache = (self.version, distinct)
        return self._relation_cache[1]


def _pair(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)
