"""A namespace at a glance: documents, graph sizes and LLM usage, for the console and dashboards."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from memrag.api.convert import usage_out
from memrag.api.deps import EngineDep, NamespaceDep, ServicesDep
from memrag.api.errors import COMMON, responses
from memrag.api.schemas import UsageOut
from memrag.api.services import Services
from memrag.ingest.jobs import MemoryJobBoard
from memrag.memory.llm.usage import Usage

router = APIRouter(prefix="/v1", tags=["namespaces"], responses=responses(*COMMON, 404, 503))


class StatsOut(BaseModel):
    documents: int = Field(description="indexed documents")
    passages: int = Field(description="passage nodes of the graph")
    entities: int = Field(description="entity nodes some passage still mentions")
    facts: int = Field(description="entity pairs joined by at least one fact (relation edges)")
    synonym_edges: int
    context_edges: int = Field(description="passage–entity edges")
    quarantined: int = Field(description="stored records that cannot be decoded (left out)")
    usage: dict[str, UsageOut] = Field(
        description="work ('ingest': jobs this process ran, 'answer': answers it gave) → LLM calls, tokens, "
        "embedding seconds; empty where nothing was spent"
    )


@router.get("/namespaces/{ns}/stats", response_model=StatsOut)
def stats(ns: NamespaceDep, engine: EngineDep, svc: ServicesDep) -> StatsOut:
    """Counts of the namespace's memory as this process holds it, and what its LLM work cost so far."""
    graph = engine.graph.stats()
    return StatsOut(
        documents=len(engine.list_documents()),
        passages=graph.passages,
        entities=graph.entities,
        facts=graph.relation_pairs,
        synonym_edges=graph.synonym_pairs,
        context_edges=graph.context_edges,
        quarantined=engine.quarantined,
        usage={work: usage_out(spent) for work, spent in _spent(svc, ns).items()},
    )


def _spent(svc: Services, ns: str) -> dict[str, Usage]:
    by_work = {"answer": svc.metrics.answers_spent.read().get(ns)}
    board = svc.jobs.board
    if isinstance(board, MemoryJobBoard):
        by_work["ingest"] = board.spent().get(ns)
    return {work: spent for work, spent in by_work.items() if spent is not None}
