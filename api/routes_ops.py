"""Operations: liveness, readiness and Prometheus metrics (no key needed).

These routes are `async` and take no sync dependency: they run on the event loop and never wait
behind the routes that fill the thread pool (40 asks on a slow LLM). Readiness checks do block
(Redis, SQLite), so they run on a small pool of their own (`app.state.probes`) and count as not
ready when they do not answer within READY_TIMEOUT_S.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from fastapi import APIRouter, Request
from fastapi.responses import Response

from memrag.api.errors import NotReady, responses
from memrag.api.services import Services
from memrag.ingest.applier import Applier
from memrag.memory.errors import MemragError, StorageError

router = APIRouter(tags=["operations"])
READY_TIMEOUT_S = 2.0
METRICS_TIMEOUT_S = 5.0


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is up (answered on the event loop: no I/O, no waiting on work)."""
    return {"status": "ok"}


@router.get("/readyz", responses=responses(503))
async def readyz(request: Request) -> dict[str, str]:
    """Ready to serve: the key registry answers and the job queue is reachable, within 2 s, and this
    process's store is not behind what the Redis log retains."""
    svc: Services = request.app.state.services
    probes: ThreadPoolExecutor = request.app.state.probes
    checking = asyncio.get_running_loop().run_in_executor(probes, _check, svc)
    try:
        await asyncio.wait_for(checking, READY_TIMEOUT_S)
    except TimeoutError as exc:
        raise NotReady(f"the key registry or the job queue did not answer within {READY_TIMEOUT_S:g} s") from exc
    except MemragError as exc:  # written for callers by the adapter that raised it
        raise NotReady(f"not ready: {exc}") from exc
    except Exception as exc:  # readiness reports any failure as not ready; the cause goes to the log
        raise NotReady("not ready: the key registry or the job queue failed; see the server log") from exc
    return {"status": "ready"}


def _check(svc: Services) -> None:
    svc.registry.namespaces()
    svc.jobs.board.document_state("-", "-")
    if isinstance(svc.sync, Applier) and svc.sync.behind_retained:  # its store misses trimmed log entries
        raise StorageError(svc.sync.behind_reason)


@router.get("/metrics", response_class=Response, responses={200: {"content": {"text/plain": {}}}})
async def metrics(request: Request) -> Response:
    """Prometheus exposition. `memrag_ready` is the readiness check run now (0 when it fails or does
    not answer within READY_TIMEOUT_S); the rest is rendered on the probes pool, off the event loop
    (the collectors read Redis), within METRICS_TIMEOUT_S."""
    svc: Services = request.app.state.services
    try:
        await readyz(request)
        svc.metrics.ready.set(1)
    except NotReady:
        svc.metrics.ready.set(0)
    rendering = asyncio.get_running_loop().run_in_executor(request.app.state.probes, svc.metrics.exposition)
    try:
        body = await asyncio.wait_for(rendering, METRICS_TIMEOUT_S)
    except TimeoutError as exc:
        raise NotReady(f"the metrics were not computed within {METRICS_TIMEOUT_S:g} s") from exc
    return Response(body, media_type="text/plain; version=0.0.4")
