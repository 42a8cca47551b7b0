"""The memory graph as a networkx graph, written as GraphML, GEXF or node-link JSON (off the hot path).

Node attributes: `kind` (entity | passage), `label`. Edge attributes: `kind` (context | relation |
synonym | relation+synonym), `weight` (as the walk uses it). Gephi, networkx and notebooks read
all three formats back.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

import networkx as nx

from memrag.memory.graph.neighbourhood import GraphEdge, GraphNode

ExportFormat = Literal["graphml", "gexf", "json"]
FORMATS: tuple[ExportFormat, ...] = ("graphml", "gexf", "json")


def to_networkx(nodes: Iterable[GraphNode], edges: Iterable[GraphEdge]) -> nx.Graph:
    """An undirected networkx graph holding exactly these nodes and edges with their attributes."""
    graph = nx.Graph()
    graph.add_nodes_from((n.id, {"kind": n.kind, "label": n.label}) for n in nodes)
    for edge in edges:
        graph.add_edge(edge.source, edge.target, kind=edge.kind, weight=edge.weight)
    return graph


def write_graph(graph: nx.Graph, fmt: ExportFormat, out: Path) -> None:
    """Write `graph` to `out` in `fmt`; JSON is networkx's node-link layout."""
    if fmt == "graphml":
        nx.write_graphml(graph, out)
    elif fmt == "gexf":
        nx.write_gexf(graph, out)
    else:
        out.write_text(json.dumps(nx.node_link_data(graph, edges="edges"), ensure_ascii=False))


def read_graph(fmt: ExportFormat, path: Path) -> nx.Graph:
    """Read back what `write_graph` wrote (for checks and notebooks)."""
    if fmt == "graphml":
        return nx.read_graphml(path)
    if fmt == "gexf":
        return nx.read_gexf(path)
    return nx.node_link_graph(json.loads(path.read_text()), edges="edges")
