"""Graph nodes and edges as a client sees them: entity names, passage first lines, edge kinds.

The graph holds ids and weights only; the labels and the synonym cosines that tell a relation
edge from a synonym edge are read from the store's records (callers hold the engine's lock).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from memrag.memory.errors import InvalidInput, NotFound
from memrag.memory.graph.memory_graph import MemoryGraph
from memrag.memory.graph.neighbourhood import GraphEdge, GraphNode, Subgraph, edge_kind, neighbourhood
from memrag.memory.ids import entity_id, normalize_entity
from memrag.memory.storage.record_store import RecordStore
from memrag.memory.validation import check_id, check_question

LABEL_CHARS = 80
MAX_HOPS = 3
MAX_NODES = 500
EDGES_PER_NODE = 4  # a view holds at most this many edges per node


@dataclass(frozen=True)
class GraphQuery:
    """Around what to show the graph: exactly one of a passage id, an entity (id or name) or a
    question (its walk's entity seeds and top passages); `hops` 1–3 edges out, at most `limit` nodes."""

    passage: str | None = None
    entity: str | None = None
    question: str | None = None
    hops: int = 1
    limit: int = 100

    def check(self) -> None:
        given = [name for name in ("passage", "entity", "question") if getattr(self, name) is not None]
        if len(given) != 1:
            raise InvalidInput("give exactly one of passage, entity or question to centre the graph on")
        if not 1 <= self.hops <= MAX_HOPS:
            raise InvalidInput(f"hops must be between 1 and {MAX_HOPS}")
        if not 1 <= self.limit <= MAX_NODES:
            raise InvalidInput(f"limit must be between 1 and {MAX_NODES} nodes")
        if self.question is not None:
            check_question(self.question)
        else:
            check_id(self.passage or self.entity, given[0])


@dataclass(frozen=True)
class GraphView:
    """A labelled part of the graph; `truncated` when a bound left nodes or edges out."""

    nodes: tuple[GraphNode, ...]
    edges: tuple[GraphEdge, ...]
    truncated: bool = False


class GraphLabels:
    """Labels nodes and edges of one graph, reading each node's record once."""

    def __init__(self, graph: MemoryGraph, store: RecordStore) -> None:
        self._graph, self._store = graph, store
        self._nodes: dict[int, GraphNode] = {}
        self._synonyms: dict[str, dict[str, float]] = {}

    def nodes(self, indices: Iterable[int]) -> list[GraphNode]:
        """The labelled nodes, in the order given (repeats kept: a walk may pass a node twice)."""
        wanted = list(indices)
        self._read(list(dict.fromkeys(i for i in wanted if i not in self._nodes)))
        return [self._nodes[i] for i in wanted]

    def edge(self, u: int, v: int) -> GraphEdge:
        """The edge u–v as the graph holds it now (both ends labelled first)."""
        a, b = self.nodes((u, v))
        weight = self._graph.neighbours(u).get(v, 0.0)
        cosine = self._synonyms.get(a.id, {}).get(b.id) or self._synonyms.get(b.id, {}).get(a.id) or 0.0
        return GraphEdge(a.id, b.id, edge_kind(a.kind, b.kind, weight, cosine), weight)

    def view(self, sub: Subgraph) -> GraphView:
        nodes = self.nodes(sub.nodes)
        return GraphView(tuple(nodes), tuple(self.edge(u, v) for u, v, _ in sub.edges), sub.truncated)

    def _read(self, indices: Sequence[int]) -> None:
        graph = self._graph
        ids = {i: graph.node_id(i) for i in indices}
        passages = {p.id: p for p in self._store.get_passages([r for r in ids.values() if graph.has_passage(r)])}
        entities = {e.id: e for e in self._store.get_entities([r for r in ids.values() if not graph.has_passage(r)])}
        for index, record_id in ids.items():
            if graph.has_passage(record_id):
                text = passages[record_id].text if record_id in passages else record_id
                self._nodes[index] = GraphNode(record_id, "passage", _first_line(text))
            else:
                entity = entities.get(record_id)
                self._nodes[index] = GraphNode(record_id, "entity", entity.name if entity else record_id)
                self._synonyms[record_id] = dict(entity.synonyms) if entity else {}


def centre_of(graph: MemoryGraph, around: GraphQuery) -> int:
    """The node of the query's passage or entity (an entity may be named); NotFound when the graph lacks it."""
    if around.passage is not None:
        index = graph.node_index(around.passage) if graph.has_passage(around.passage) else None
        if index is None:
            raise NotFound(f"no passage {around.passage!r} in this memory's graph")
        return index
    name = around.entity or ""
    for candidate in (name, entity_id(normalize_entity(name))):
        index = graph.node_index(candidate)
        if index is not None and graph.mentions(candidate):
            return index
    raise NotFound(f"no entity {name!r} in this memory's graph (give its id or its name)")


def neighbourhood_view(graph: MemoryGraph, store: RecordStore, centres: Sequence[int], around: GraphQuery) -> GraphView:
    """The labelled neighbourhood of `centres` within the query's bounds."""
    sub = neighbourhood(graph, centres, around.hops, around.limit, EDGES_PER_NODE * around.limit)
    return GraphLabels(graph, store).view(sub)


def live_nodes(graph: MemoryGraph) -> list[int]:
    """Every node the graph holds now: passages in it and entities some passage mentions."""
    return [i for i in range(graph.size) if graph.has_passage(graph.node_id(i)) or graph.mentions(graph.node_id(i))]


def whole_graph(graph: MemoryGraph, store: RecordStore) -> GraphView:
    """Every live node and every edge, labelled (for exports)."""
    labels = GraphLabels(graph, store)
    nodes = labels.nodes(live_nodes(graph))
    edges = [labels.edge(u, v) for u in range(graph.size) for v in graph.neighbours(u) if u < v]
    return GraphView(tuple(nodes), tuple(edges))


def _first_line(text: str) -> str:
    line = text.strip().split("\n", 1)[0].strip()
    return line if len(line) <= LABEL_CHARS else line[: LABEL_CHARS - 1] + "…"
