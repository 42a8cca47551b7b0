"""Operations: liveness, readiness and Prometheus metrics (no key needed)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from memrag.api.deps import ServicesDep
from memrag.api.errors import NotReady, responses
from memrag.ingest.applier import Applier

router = APIRouter(tags=["operations"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz", responses=responses(503))
def readyz(svc: ServicesDep) -> dict[str, str]:
    """Ready to serve: the key registry answers and the job queue is reachable, and this process's
    store is not behind what the Redis log retains."""
    try:
        svc.registry.namespaces()
        svc.jobs.board.document_state("-", "-")
        if isinstance(svc.sync, Applier) and svc.sync.behind_retained:  # its store misses trimmed log entries
            raise NotReady(svc.sync.behind_reason)
    except Exception as exc:  # readiness reports any failure as not ready
        raise NotReady(f"{type(exc).__name__}: {exc}") from exc
    return {"status": "ready"}


@router.get("/metrics", response_class=Response, responses={200: {"content": {"text/plain": {}}}})
def metrics(svc: ServicesDep) -> Response:
    return Response(svc.metrics.exposition(), media_type="text/plain; version=0.0.4")
