"""From the engine's explanations and graph views to response models."""

from __future__ import annotations

from collections.abc import Sequence

from memrag.api.schemas import ExplanationOut, GraphEdgeOut, GraphNodeOut, GraphOut, PathOut, RetrieveOut
from memrag.memory.graph.neighbourhood import GraphEdge, GraphNode
from memrag.memory.retrieval.explanations import Explanation
from memrag.memory.retrieval.graph_labels import GraphView


def node_out(node: GraphNode) -> GraphNodeOut:
    return GraphNodeOut(id=node.id, kind=node.kind, label=node.label)


def edge_out(edge: GraphEdge) -> GraphEdgeOut:
    return GraphEdgeOut(source=edge.source, target=edge.target, kind=edge.kind, weight=edge.weight)


def explanation_out(why: Explanation) -> ExplanationOut:
    paths = [
        PathOut(nodes=[node_out(n) for n in p.nodes], edges=[edge_out(e) for e in p.edges], share=p.share)
        for p in why.paths
    ]
    return ExplanationOut(passage_id=why.passage_id, mass=why.mass, paths=paths, unattributed=why.unattributed)


def explanations_out(explained: Sequence[Explanation]) -> list[ExplanationOut]:
    return [explanation_out(why) for why in explained]


def with_explanations(out: RetrieveOut, explained: Sequence[Explanation]) -> RetrieveOut:
    """The hits, each with its explanation (none when no walk ran)."""
    by_passage = {why.passage_id: why for why in explained}
    for hit in out.hits:
        why = by_passage.get(hit.passage_id)
        hit.explanation = explanation_out(why) if why else None
    return out


def graph_out(view: GraphView) -> GraphOut:
    return GraphOut(
        nodes=[node_out(n) for n in view.nodes], edges=[edge_out(e) for e in view.edges], truncated=view.truncated
    )
