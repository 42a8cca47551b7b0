"""Upload a file as documents: its bytes are the body, its name a parameter; read by the same loaders,
within the same limits, as `memrag ingest` (text, Markdown, HTML, PDF, JSON Lines), then queued as one job."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from memrag.api.deps import NamespaceDep, ServicesDep
from memrag.api.errors import COMMON, ApiError, TooLarge, responses
from memrag.api.schemas import Problem, UploadAccepted
from memrag.ingest.loaders import Limits, LoadError
from memrag.ingest.uploads import READABLE, load_upload
from memrag.memory.errors import InvalidInput
from memrag.memory.validation import MAX_DOCUMENTS_PER_JOB

router = APIRouter(prefix="/v1", tags=["documents"], responses=responses(*COMMON, 404))
MAX_UPLOAD_BYTES = Limits().file_bytes  # the loaders' own bound on one file
MAX_LISTED_ERRORS = 50  # problems named in a 202; the rest are counted in one last line
FORM_BODIES = ("multipart/", "application/x-www-form-urlencoded")  # a browser form's envelope, not the file
BINARY_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
    }
}

FileName = Annotated[
    str,
    Query(
        min_length=1,
        max_length=1000,
        description=f"the file's name; its extension chooses the reader ({READABLE}) and it is the document's id",
    ),
]


@router.post(
    "/namespaces/{ns}/documents:upload",
    status_code=202,
    response_model=UploadAccepted,
    responses={**responses(429), 415: {"model": Problem, "description": "A form's body, not the file's bytes"}},
    openapi_extra=BINARY_BODY,
)
async def upload_document(request: Request, ns: NamespaceDep, svc: ServicesDep, name: FileName) -> UploadAccepted:
    """Index one file sent as the raw body (`Content-Type: application/octet-stream`). A file that gives
    no document is a 400 saying why; JSON Lines with some unreadable lines queues the rest and lists them."""
    _refuse_form_body(request.headers.get("content-type", ""))
    data = await _file_bytes(request)
    loaded = await run_in_threadpool(load_upload, name, data)
    problems = [_problem(error) for error in loaded.errors]
    if not loaded.documents:
        raise InvalidInput(f"nothing to index in the file: {'; '.join(problems[:5]) or 'no text'}")
    if len(loaded.documents) > MAX_DOCUMENTS_PER_JOB:
        raise InvalidInput(
            f"the file holds {len(loaded.documents):,} documents; one upload may hold at most "
            f"{MAX_DOCUMENTS_PER_JOB} (one job's bound): split the file, or use `memrag ingest`"
        )
    job = await run_in_threadpool(svc.jobs.submit_add, ns, loaded.documents)
    svc.metrics.jobs.labels("add").inc()
    return UploadAccepted(job_id=job.id, status=job.status, documents=job.documents, errors=_listed(problems))


class UnsupportedMediaType(ApiError):
    status = 415
    title = "Unsupported media type"


def _refuse_form_body(content_type: str) -> None:
    """A form's body wraps the file in boundaries or escapes, which would be indexed as its text."""
    if content_type.strip().lower().startswith(FORM_BODIES):
        raise UnsupportedMediaType(
            "send the file's bytes as the body with `Content-Type: application/octet-stream`, not a form"
        )


def _listed(problems: list[str]) -> list[str]:
    """The first problems, and how many more there were (a file of bad lines must not make a huge reply)."""
    if len(problems) <= MAX_LISTED_ERRORS:
        return problems
    return [*problems[:MAX_LISTED_ERRORS], f"and {len(problems) - MAX_LISTED_ERRORS:,} more lines not read"]


async def _file_bytes(request: Request) -> bytes:
    """The body, refused past the loaders' size bound before it is all read."""
    parts, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_UPLOAD_BYTES:
            raise TooLarge(f"the file is over {MAX_UPLOAD_BYTES / 1e6:g} MB, the most one upload may be; split it")
        parts.append(chunk)
    if size == 0:
        raise InvalidInput("the body is empty; send the file's bytes as the request body")
    return b"".join(parts)


def _problem(error: LoadError) -> str:
    """'line N: reason' for a line of JSON Lines, else the reason (the file's name is the caller's own)."""
    _, _, line = error.source.rpartition(":")
    return f"line {line}: {error.reason}" if line.isdigit() and ":" in error.source else error.reason
