"""From core records and jobs to response models."""

from __future__ import annotations

from collections.abc import Sequence

from memrag.api.schemas import (
    AskOut,
    CitationOut,
    DocumentOut,
    EstimateOut,
    FactOut,
    HitOut,
    JobAccepted,
    JobOut,
    RetrieveOut,
    SeedOut,
    UsageOut,
)
from memrag.ingest.jobs import DocumentState, Job
from memrag.memory.indexing.estimate import Estimate
from memrag.memory.llm.usage import Usage
from memrag.memory.retrieval.reader import Answer, Citation
from memrag.memory.types import Document, Retrieval, ScoredFact, Seed


def job_out(job: Job) -> JobOut:
    return JobOut(
        job_id=job.id,
        namespace=job.namespace,
        kind=job.kind,
        status=job.status,
        documents=job.documents,
        slices=job.slices,
        applied_slices=job.applied_slices,
        indexed=job.indexed,
        unchanged=job.unchanged,
        deleted=job.deleted,
        superseded=job.superseded,
        attempts=job.attempts,
        takeovers=job.takeovers,
        error=job.error,
        errors=job.errors,
        created_at=job.created_at,
        updated_at=job.updated_at,
        usage=usage_out(job.usage),
        document_usage={d: usage_out(u) for d, u in job.document_usage.items()},
    )


def usage_out(usage: Usage) -> UsageOut:
    return UsageOut.model_validate(usage.as_dict())


def estimate_out(estimate: Estimate) -> EstimateOut:
    return EstimateOut(
        documents=estimate.documents,
        unchanged_documents=estimate.unchanged_documents,
        passages=estimate.passages,
        extractor=estimate.extractor,
        llm_calls=estimate.usage.llm_calls,
        prompt_tokens=estimate.usage.prompt_tokens,
        completion_tokens=estimate.usage.completion_tokens,
    )


def accepted(job: Job) -> JobAccepted:
    return JobAccepted(job_id=job.id, status=job.status, documents=job.documents)


def document_out(doc: Document | None, state: DocumentState | None, doc_id: str) -> DocumentOut:
    status = "indexed" if state is None or (doc is not None and state.status == "deleted") else state.status
    found = DocumentOut(
        id=doc_id, status=status, job_id=state.job_id if state else None, reason=state.reason if state else ""
    )
    if doc is not None:
        found.title, found.metadata = doc.title, doc.metadata
        found.content_hash, found.passage_ids = doc.content_hash, list(doc.passage_ids)
    return found


def retrieval_out(result: Retrieval) -> RetrieveOut:
    return RetrieveOut(
        query=result.query,
        mode=result.mode,
        hits=[
            HitOut(
                passage_id=h.passage_id,
                document_id=h.doc_id,
                text=h.text,
                score=h.score,
                facts=facts_out(h.facts),
                seeds=seeds_out(h.seeds),
            )
            for h in result.hits
        ],
        facts=facts_out(result.facts),
        seeds=seeds_out(result.seeds),
    )


def facts_out(facts: Sequence[ScoredFact]) -> list[FactOut]:
    return [
        FactOut(subject=f.fact.subject, predicate=f.fact.predicate, object=f.fact.object, score=f.score) for f in facts
    ]


def seeds_out(seeds: Sequence[Seed]) -> list[SeedOut]:
    return [SeedOut(entity_id=s.node_id, name=s.name, weight=s.weight) for s in seeds]


def citations_out(citations: Sequence[Citation]) -> list[CitationOut]:
    return [
        CitationOut(number=c.number, document_id=c.document_id, passage_id=c.passage_id, text=c.text) for c in citations
    ]


def answer_out(answer: Answer, result: Retrieval) -> AskOut:
    usage = usage_out(answer.usage) if answer.usage is not None else None
    return AskOut(
        answer=answer.text,
        citations=citations_out(answer.citations),
        reader=answer.reader,
        mode=result.mode,
        usage=usage,
        abstained=answer.abstained,
        support=answer.support or None,
    )
