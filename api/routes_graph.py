"""The memory graph around a passage, an entity or a question: nodes, edges, weights (bounded)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from memrag.api.convert_graph import graph_out
from memrag.api.deps import EngineDep, NamespaceDep
from memrag.api.errors import COMMON, responses
from memrag.api.schemas import GraphOut
from memrag.memory.retrieval.graph_labels import MAX_HOPS, MAX_NODES, GraphQuery

router = APIRouter(prefix="/v1", tags=["graph"], responses=responses(*COMMON, 404, 503))


@router.get("/namespaces/{ns}/graph", response_model=GraphOut)
def neighbourhood(
    ns: NamespaceDep,
    engine: EngineDep,
    passage: Annotated[str | None, Query(description="a passage id")] = None,
    entity: Annotated[str | None, Query(description="an entity id or name")] = None,
    question: Annotated[str | None, Query(description="centre on the walk's entity seeds and top passages")] = None,
    hops: Annotated[int, Query(description=f"edges out from the centres, 1 to {MAX_HOPS}")] = 1,
    limit: Annotated[int, Query(description=f"most nodes returned, 1 to {MAX_NODES}")] = 100,
) -> GraphOut:
    """Nodes (kind, label) within `hops` edges of exactly one of `passage`, `entity` or `question`, and the
    edges among them (kind, weight); at most `limit` nodes and 4 × `limit` edges, `truncated` if cut.
    Out-of-range or missing parameters are a 400 naming the bound; an unknown passage or entity a 404."""
    around = GraphQuery(passage=passage, entity=entity, question=question, hops=hops, limit=limit)
    return graph_out(engine.neighbourhood(around))
