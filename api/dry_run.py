"""`POST /v1/namespaces/{ns}/documents?dry_run=true`: what an add would cost, answered before anything is spent."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import Query
from fastapi.responses import JSONResponse

from memrag.api.convert import estimate_out
from memrag.api.schemas import EstimateOut
from memrag.memory.engine import Engine
from memrag.memory.errors import QueueFull
from memrag.memory.indexing.estimate import estimate_add
from memrag.memory.types import DocumentInput

DryRun = Annotated[
    bool,
    Query(description="answer 200 with the expected passages, LLM calls and tokens; nothing is queued or spent"),
]
DRY_RUN_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"model": EstimateOut, "description": "with `dry_run=true`: the expected cost of the add"}
}


# One estimate at a time per process: an estimate cuts every passage as indexing would (a 5M-character
# document takes about a minute here) and nothing queues it, so without a bound a few requests could
# hold every worker thread; another one meanwhile is answered 429 with Retry-After.
_ESTIMATING = threading.BoundedSemaphore(1)
BUSY_RETRY_AFTER_S = 10


def dry_run_answer(engine: Engine, documents: Sequence[DocumentInput]) -> JSONResponse:
    """The estimate as a 200 response (the add itself would answer 202 with a job)."""
    if not _ESTIMATING.acquire(blocking=False):
        raise QueueFull(
            "another cost estimate is running in this process; send this one again shortly", BUSY_RETRY_AFTER_S
        )
    try:
        estimate = estimate_add(engine.preparer, engine.store, documents)
    finally:
        _ESTIMATING.release()
    return JSONResponse(estimate_out(estimate).model_dump())
