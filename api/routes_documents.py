"""Documents (add a batch, get, list, update, delete: writes are jobs) and job status."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse

from memrag.api.convert import accepted, document_out, job_out
from memrag.api.deps import CallerDep, EngineDep, NamespaceDep, ServicesDep
from memrag.api.dry_run import DRY_RUN_RESPONSE, DryRun, dry_run_answer
from memrag.api.errors import COMMON, responses
from memrag.api.schemas import DocumentIn, DocumentOut, DocumentPage, DocumentsIn, DocumentUpdate, JobAccepted, JobOut
from memrag.api.services import Services
from memrag.memory.errors import NotFound
from memrag.memory.types import DocumentInput

router = APIRouter(prefix="/v1", tags=["documents"], responses=responses(*COMMON, 404))
DocId = Annotated[str, Path(min_length=1, max_length=512, description="the document id (may contain '/')")]


def _input(doc: DocumentIn | DocumentUpdate, doc_id: str | None) -> DocumentInput:
    return DocumentInput(text=doc.text, id=doc_id, title=doc.title or "", metadata=doc.metadata or {})


@router.post(
    "/namespaces/{ns}/documents",
    status_code=202,
    response_model=JobAccepted,
    responses={**responses(429), **DRY_RUN_RESPONSE},
)
def post_documents(
    body: DocumentsIn, ns: NamespaceDep, svc: ServicesDep, dry_run: DryRun = False
) -> JobAccepted | JSONResponse:
    """Queue documents for indexing; poll `GET /v1/jobs/{job_id}` for progress. 429 when too many
    documents wait already (in all, or of this namespace): send again after `Retry-After` seconds.
    With `dry_run=true`: 200 with what the add would cost (passages, LLM calls, tokens), nothing queued."""
    if dry_run:
        return dry_run_answer(svc.engines(ns), [_input(d, d.id) for d in body.documents])
    return add_documents(body, ns, svc)


def add_documents(body: DocumentsIn, ns: str, svc: Services) -> JobAccepted:
    """Queue the documents as an add job (the route above, and MCP's `remember`)."""
    job = svc.jobs.submit_add(ns, [_input(d, d.id) for d in body.documents])
    svc.metrics.jobs.labels("add").inc()
    return accepted(job)


@router.get("/namespaces/{ns}/documents", response_model=DocumentPage)
def list_documents(
    ns: NamespaceDep,
    engine: EngineDep,
    svc: ServicesDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    cursor: Annotated[str | None, Query(max_length=512, description="next_cursor of the previous page")] = None,
) -> DocumentPage:
    """Indexed documents in id order, a page at a time; `quarantined` counts stored records that
    cannot be decoded (left out here and everywhere else, never failing the namespace)."""
    docs = [d for d in engine.list_documents() if cursor is None or d.id > cursor]
    page = docs[:limit]
    board = svc.jobs.board
    out = [document_out(d, board.document_state(ns, d.id), d.id) for d in page]
    next_cursor = page[-1].id if len(docs) > limit else None
    return DocumentPage(documents=out, next_cursor=next_cursor, quarantined=engine.quarantined)


@router.get("/namespaces/{ns}/documents/{doc_id:path}", response_model=DocumentOut)
def get_document(doc_id: DocId, ns: NamespaceDep, engine: EngineDep, svc: ServicesDep) -> DocumentOut:
    """A document's record and state (`queued`, `indexing`, `indexed`, `failed` with the reason)."""
    state = svc.jobs.board.document_state(ns, doc_id)
    try:
        doc = engine.get(doc_id)
    except NotFound:
        if state is None or state.status in ("deleted", "indexed"):
            raise
        doc = None
    return document_out(doc, state, doc_id)


@router.put(
    "/namespaces/{ns}/documents/{doc_id:path}",
    status_code=202,
    response_model=JobAccepted,
    responses=responses(429),
)
def update_document(doc_id: DocId, body: DocumentUpdate, ns: NamespaceDep, svc: ServicesDep) -> JobAccepted:
    """Replace (or create) a document; readers see the old version until the new one is written whole."""
    job = svc.jobs.submit_add(ns, [_input(body, doc_id)])
    svc.metrics.jobs.labels("add").inc()
    return accepted(job)


@router.delete("/namespaces/{ns}/documents/{doc_id:path}", status_code=202, response_model=JobAccepted)
def delete_document(doc_id: DocId, ns: NamespaceDep, engine: EngineDep, svc: ServicesDep) -> JobAccepted:
    """Delete a document, its passages, and the entities and facts nothing else mentions."""
    engine.get(doc_id)  # 404 for a document that is not there
    job = svc.jobs.submit_delete(ns, [doc_id])
    svc.metrics.jobs.labels("delete").inc()
    return accepted(job)


@router.get("/jobs/{job_id}", response_model=JobOut, tags=["jobs"])
def get_job(job_id: Annotated[str, Path(max_length=100)], svc: ServicesDep, who: CallerDep) -> JobOut:
    """A job's status, progress and per-document errors."""
    job = svc.jobs.get(job_id)
    if not who.may_use(job.namespace):
        raise NotFound(f"no job {job_id!r}; job ids are returned when documents are sent")
    return job_out(job)
