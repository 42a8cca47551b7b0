"""Why each retrieved passage ranked: the walks that carried PPR mass to it, labelled (DESIGN §5, provenance).

The math is `graph/explain.py`: a passage's mass is the sum over walks from the seeds, each
share r[seed] · Π d·w/deg; the heaviest walks are listed and the rest is `unattributed`. The
walk is recomputed to convergence from the ranking's own seeds, so `mass` can differ from the
ranking's PPR mass by the ranking's stopping tolerance (or, for a local walk on a large graph,
by the residual push leaves behind).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from memrag.memory.graph.explain import ExplainLimits, WalkPath, converged_walk, explain_node
from memrag.memory.graph.memory_graph import MemoryGraph
from memrag.memory.graph.neighbourhood import GraphEdge, GraphNode
from memrag.memory.retrieval.graph_labels import GraphLabels
from memrag.memory.storage.record_store import RecordStore


@dataclass(frozen=True)
class ExplainedPath:
    """Walks from a seed (`nodes[0]`) along these edges to the passage, and the PPR mass they carry.

    A single node is the passage's own restart: it was itself a seed (dense similarity)."""

    nodes: tuple[GraphNode, ...]
    edges: tuple[GraphEdge, ...]
    share: float


@dataclass(frozen=True)
class Explanation:
    """`mass` (the passage's PPR mass) = Σ paths' shares + `unattributed` (walks not listed), to 1e-9."""

    passage_id: str
    mass: float
    paths: tuple[ExplainedPath, ...]
    unattributed: float


def explain_passages(
    graph: MemoryGraph,
    store: RecordStore,
    seeds: Sequence[tuple[str, float]],
    damping: float,
    passage_ids: Sequence[str],
    limits: ExplainLimits | None = None,
) -> tuple[Explanation, ...]:
    """One explanation per passage id, in order, for the walk restarting at `seeds` (id, weight)."""
    reset = np.zeros(graph.size)
    for node_id, weight in seeds:
        index = graph.node_index(node_id)
        if index is not None:
            reset[index] += weight
    walk = converged_walk(graph.rows().walk(graph.size), graph.degree, reset, damping)
    labels = GraphLabels(graph, store)
    out = []
    for passage_id in passage_ids:
        index = graph.node_index(passage_id)
        if index is None:
            out.append(Explanation(passage_id, 0.0, (), 0.0))
            continue
        found = explain_node(graph, walk, index, limits)
        paths = tuple(_labelled(labels, path) for path in found.paths)
        out.append(Explanation(passage_id, found.mass, paths, found.unattributed))
    return tuple(out)


def _labelled(labels: GraphLabels, path: WalkPath) -> ExplainedPath:
    steps = zip(path.nodes, path.nodes[1:], strict=False)
    return ExplainedPath(tuple(labels.nodes(path.nodes)), tuple(labels.edge(u, v) for u, v in steps), path.share)
