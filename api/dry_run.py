"""`POST /v1/namespaces/{ns}/documents?dry_run=true`: what an add would cost, answered before anything is spent."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import Query
from fastapi.responses import JSONResponse

from memrag.api.convert import estimate_out
from memrag.api.schemas import EstimateOut
from memrag.memory.engine import Engine
from memrag.memory.indexing.estimate import estimate_add
from memrag.memory.types import DocumentInput

DryRun = Annotated[
    bool,
    Query(description="answer 200 with the expected passages, LLM calls and tokens; nothing is queued or spent"),
]
DRY_RUN_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"model": EstimateOut, "description": "with `dry_run=true`: the expected cost of the add"}
}


def dry_run_answer(engine: Engine, documents: Sequence[DocumentInput]) -> JSONResponse:
    """The estimate as a 200 response (the add itself would answer 202 with a job)."""
    estimate = estimate_add(engine.preparer, engine.store, documents)
    return JSONResponse(estimate_out(estimate).model_dump())
