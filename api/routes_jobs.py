"""A namespace's jobs, newest first and paged, each with its state, progress and per-document errors."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from memrag.api.convert import job_out
from memrag.api.deps import NamespaceDep, ServicesDep
from memrag.api.errors import COMMON, responses
from memrag.api.schemas import JobPage

router = APIRouter(prefix="/v1", tags=["jobs"], responses=responses(*COMMON, 404))


@router.get("/namespaces/{ns}/jobs", response_model=JobPage)
def list_jobs(
    ns: NamespaceDep,
    svc: ServicesDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=100, description="next_cursor of the previous page")] = None,
) -> JobPage:
    """The jobs this namespace's writes made (in-process: since the server started; with Redis: for a
    week), newest first; a cursor naming a job no longer kept gives an empty page."""
    jobs = svc.jobs.board.jobs_of(ns, limit + 1, after=cursor)
    page = jobs[:limit]
    return JobPage(jobs=[job_out(job) for job in page], next_cursor=page[-1].id if len(jobs) > limit else None)
