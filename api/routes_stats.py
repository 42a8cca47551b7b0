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

JOBS_COUNTED = 1_000  # the newest jobs counted by status: a bounded read, even for a week of Redis jobs
JOB_STATES = ("queued", "running", "done", "failed")
router = APIRouter(prefix="/v1", tags=["namespaces"], responses=responses(*COMMON, 404, 503))


class StatsOut(BaseModel):
    documents: int = Field(description="indexed documents")
    passages: int = Field(description="passage nodes of the graph")
    entities: int = Field(description="entity nodes some passage still mentions")
    facts: int = Field(description="entity pairs joined by at least one fact (relation edges)")
    synonym_edges: int
    context_edges: int = Field(description="passage–entity edges")
    quarantined: int = Field(description="stored records that cannot be decoded (left out)")
    jobs: dict[str, int] = Field(
        description=f"the namespace's newest jobs (at most {JOBS_COUNTED:,}; in-process: since the server "
        "started, with Redis: a week) by status: queued, running, done, failed"
    )
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
        jobs=_job_counts(svc, ns),
        usage={work: usage_out(spent) for work, spent in _spent(svc, ns).items()},
    )


def _job_counts(svc: Services, ns: str) -> dict[str, int]:
    counts = dict.fromkeys(JOB_STATES, 0)
    for job in svc.jobs.board.jobs_of(ns, JOBS_COUNTED):
        counts[job.status] = counts.get(job.status, 0) + 1
    return counts


def _spent(svc: Services, ns: str) -> dict[str, Usage]:
    by_work = {"answer": svc.metrics.answers_spent.read().get(ns)}
    board = svc.jobs.board
    if isinstance(board, MemoryJobBoard):
        by_work["ingest"] = board.spent().get(ns)
    return {work: spent for work, spent in by_work.items() if spent is not None}
