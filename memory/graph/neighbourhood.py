"""Labelled nodes and edges of the memory graph, and the bounded neighbourhood of some nodes (pure).

What a client sees of the graph (the `/graph` route, explanations, exports): nodes with a kind
and a label, edges with a kind and the weight the walk uses. An entity–entity edge's weight is
2 × (relation occurrences) + 2 × (synonym cosine) (`memory_graph.py`), so knowing the synonym
cosine tells which of the two it carries.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

NodeKind = Literal["entity", "passage"]
EdgeKind = Literal["context", "relation", "synonym", "relation+synonym"]
_SLACK = 1e-6  # weights are sums of floats: below this, a part is absent


class Adjacent(Protocol):
    def neighbours(self, index: int) -> Mapping[int, float]: ...


@dataclass(frozen=True)
class GraphNode:
    id: str
    kind: NodeKind
    label: str  # an entity's name; a passage's first line, shortened


@dataclass(frozen=True)
class GraphEdge:
    source: str
    target: str
    kind: EdgeKind
    weight: float  # as the walk uses it (see the module docstring)


@dataclass(frozen=True)
class Subgraph:
    """Node indices (centres first, then hop by hop) and edges among them as (u, v, weight), heaviest
    first; `truncated` when the node or edge limit left some out."""

    nodes: tuple[int, ...]
    edges: tuple[tuple[int, int, float], ...]
    truncated: bool


def edge_kind(source: NodeKind, target: NodeKind, weight: float, synonym_cosine: float) -> EdgeKind:
    """What an edge carries: passage–entity is context; entity–entity is relation, synonym or both."""
    if source != target:
        return "context"
    synonym = synonym_cosine > 0
    relation = weight - 2.0 * synonym_cosine > _SLACK
    if synonym and relation:
        return "relation+synonym"
    return "synonym" if synonym else "relation"


def neighbourhood(graph: Adjacent, centres: Sequence[int], hops: int, limit: int, edge_limit: int) -> Subgraph:
    """Nodes within `hops` edges of the centres, at most `limit` of them (each hop adds the nodes
    joined by the heaviest edges first), and at most `edge_limit` of the edges among them."""
    chosen = list(dict.fromkeys(centres))[:limit]
    truncated = len(chosen) < len(set(centres))
    seen = set(chosen)
    layer = chosen
    for _ in range(hops):
        reach: dict[int, float] = {}
        for node in layer:
            for other, weight in graph.neighbours(node).items():
                if other not in seen and weight > reach.get(other, 0.0):
                    reach[other] = weight
        ranked = sorted(reach, key=lambda n: (-reach[n], n))
        room = limit - len(chosen)
        layer = ranked[:room]
        truncated = truncated or len(ranked) > room
        chosen.extend(layer)
        seen.update(layer)
    edges = sorted(
        ((u, v, w) for u in chosen for v, w in graph.neighbours(u).items() if v in seen and u < v),
        key=lambda e: (-e[2], e[0], e[1]),
    )
    return Subgraph(tuple(chosen), tuple(edges[:edge_limit]), truncated or len(edges) > edge_limit)
