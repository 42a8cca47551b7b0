"""Request and response models of the HTTP API (pydantic at the edge; the core keeps its dataclasses).

Every bound is the engine's own (`memory/validation.py`): the limits below are its constants,
and the validators call its checks, so a refusal here (422, naming the field and the fix) is
the one the Python library and the CLI give.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from memrag.memory import validation
from memrag.memory.validation import (
    MAX_ASK_TOP_K,
    MAX_DOCUMENTS_PER_JOB,
    MAX_ID_CHARS,
    MAX_QUESTION_CHARS,
    MAX_RETRIEVE_TOP_K,
    MAX_TEXT_CHARS,
    MAX_TITLE_CHARS,
    NAMESPACE_PATTERN,
)


def _metadata(value: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if value is None else validation.check_metadata(value)


def _title(value: str | None) -> str | None:
    return None if value is None else validation.check_title(value)


DocumentId = Annotated[str, AfterValidator(validation.check_id)]
Title = Annotated[str | None, AfterValidator(_title)]
Text = Annotated[str, AfterValidator(lambda text: validation.check_text(text, "text"))]
Metadata = Annotated[dict[str, Any] | None, AfterValidator(_metadata)]
Question = Annotated[str, AfterValidator(validation.check_question)]
Query = Annotated[str, AfterValidator(lambda text: validation.check_question(text, "query"))]


class Problem(BaseModel):
    """An error as RFC 9457 problem details (`application/problem+json`)."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str


class NamespaceIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"name": "team-docs"}]})
    name: str = Field(pattern=NAMESPACE_PATTERN, description="letters, digits, '-' and '_', at most 64")


class NamespaceOut(BaseModel):
    name: str
    created: bool


class KeyOut(BaseModel):
    key: str = Field(description="shown once; only its SHA-256 digest is stored")
    id: str = Field(description="the key's public id, for listing and revoking it")
    namespace: str


class KeyInfoOut(BaseModel):
    id: str
    created: float


class DocumentIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"id": "handbook/ch1", "title": "Onboarding", "text": "Ada runs the platform team."}]
        },
    )
    id: DocumentId | None = Field(
        default=None, min_length=1, max_length=MAX_ID_CHARS, description="default: a hash of the content"
    )
    title: Title = Field(default="", max_length=MAX_TITLE_CHARS)
    text: Text = Field(min_length=1, max_length=MAX_TEXT_CHARS)
    metadata: Metadata = Field(
        default_factory=dict,
        description="a JSON object: at most 8 levels deep and 64 KiB, keys of at most 256 characters",
    )


class DocumentsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    documents: list[DocumentIn] = Field(min_length=1, max_length=MAX_DOCUMENTS_PER_JOB)


class DocumentUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: Title = Field(default="", max_length=MAX_TITLE_CHARS)
    text: Text = Field(min_length=1, max_length=MAX_TEXT_CHARS)
    metadata: Metadata = Field(default_factory=dict)


class JobAccepted(BaseModel):
    job_id: str
    status: Literal["queued", "running", "done", "failed"]
    documents: int


class UploadAccepted(JobAccepted):
    """An uploaded file's documents, queued as one job; `errors`: what could not be read (per line of JSON Lines)."""

    errors: list[str] = Field(default_factory=list, description="e.g. 'line 3: not JSON (…)'; empty when all was read")


class UsageOut(BaseModel):
    """LLM calls and tokens (the endpoint's figures; `counted_tokens` of them counted by memrag where the
    endpoint reported none, an approximation) and seconds spent embedding."""

    llm_calls: int
    prompt_tokens: int
    completion_tokens: int
    counted_tokens: int
    embed_seconds: float


class JobOut(BaseModel):
    job_id: str
    namespace: str
    kind: Literal["add", "delete"]
    status: Literal["queued", "running", "done", "failed"]
    documents: int
    slices: int
    applied_slices: int
    indexed: int
    unchanged: int
    deleted: int
    superseded: int = Field(0, description="documents skipped: a newer write of each was applied first")
    attempts: int = Field(description="deliveries: the first, then one per retry after a failure")
    takeovers: int = Field(0, description="times another worker took the job from one that died or hung")
    error: str
    errors: dict[str, str] = Field(description="document id → why it was not indexed")
    created_at: float
    updated_at: float
    usage: UsageOut | None = Field(
        default=None, description="what the job's applied slices cost (in-process jobs: Redis workers report none yet)"
    )
    document_usage: dict[str, UsageOut] = Field(default_factory=dict, description="document id → its OpenIE cost")


class JobPage(BaseModel):
    jobs: list[JobOut] = Field(description="newest first")
    next_cursor: str | None = Field(description="pass as `cursor` for the next (older) page; null on the last page")


class EstimateOut(BaseModel):
    """What an add would cost, computed without calling the LLM, embedding or storing anything."""

    dry_run: Literal[True] = True
    documents: int
    unchanged_documents: int = Field(description="stored already with the same content: skipped, free")
    passages: int = Field(description="passages to index, cut as indexing will cut them")
    extractor: str
    llm_calls: int = Field(description="expected: two per passage whose OpenIE is not cached (LLM extractor)")
    prompt_tokens: int = Field(description="expected, in approximate tokens (characters ÷ 4)")
    completion_tokens: int = Field(description="expected, from GPT-3.5's reply lengths per passage token")


class DocumentOut(BaseModel):
    id: str
    status: Literal["queued", "indexing", "indexed", "deleted", "failed"]
    title: str = ""
    metadata: dict[str, Any] = Field(default_factory=dict)
    content_hash: str | None = None
    passage_ids: list[str] = Field(default_factory=list)
    job_id: str | None = None
    reason: str = ""


class DocumentPage(BaseModel):
    documents: list[DocumentOut]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null at the end")
    quarantined: int = Field(
        default=0,
        description="stored records of this namespace that cannot be decoded: left out of every answer and "
        "logged (re-send the documents concerned to replace them)",
    )


class RetrieveIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"query": "Who runs the platform team?"}]}
    )
    query: Query = Field(min_length=1, max_length=MAX_QUESTION_CHARS)
    top_k: int = Field(default=5, ge=1, le=MAX_RETRIEVE_TOP_K)
    explain: bool = Field(default=False, description="give each hit the walks that carried its PPR mass to it")


class FactOut(BaseModel):
    subject: str
    predicate: str
    object: str
    score: float


class SeedOut(BaseModel):
    entity_id: str
    name: str
    weight: float


class GraphNodeOut(BaseModel):
    id: str
    kind: Literal["entity", "passage"]
    label: str = Field(description="an entity's name; a passage's first line, shortened")


class GraphEdgeOut(BaseModel):
    source: str
    target: str
    kind: Literal["context", "relation", "synonym", "relation+synonym"]
    weight: float = Field(description="as the walk uses it: 2 × relation occurrences + 2 × synonym cosine; context 1")


class PathOut(BaseModel):
    nodes: list[GraphNodeOut] = Field(description="from the seed the walks restart at to the passage")
    edges: list[GraphEdgeOut]
    share: float = Field(description="PPR mass these walks carry to the passage")


class ExplanationOut(BaseModel):
    passage_id: str
    mass: float = Field(description="the passage's PPR mass = Σ paths' share + unattributed")
    paths: list[PathOut] = Field(description="heaviest first; a one-node path: the passage was itself a dense seed")
    unattributed: float = Field(description="mass of the walks not listed (longer, thinner, or beyond the first few)")


class GraphOut(BaseModel):
    nodes: list[GraphNodeOut] = Field(description="the centres first, then hop by hop")
    edges: list[GraphEdgeOut] = Field(description="among these nodes, heaviest first")
    truncated: bool = Field(description="true when the limit left nodes or edges out")


class HitOut(BaseModel):
    passage_id: str
    document_id: str
    text: str
    score: float
    facts: list[FactOut] = Field(default=[], description="the query's facts that name an entity of this passage")
    seeds: list[SeedOut] = Field(default=[], description="the walk's entity seeds this passage mentions")
    explanation: ExplanationOut | None = Field(default=None, description="with `explain`: why this passage ranked")


class RetrieveOut(BaseModel):
    query: str
    mode: Literal["graph", "dense_fallback", "dense"]
    hits: list[HitOut]
    facts: list[FactOut] = Field(description="facts that seeded the walk (each hit lists those that reach it)")
    seeds: list[SeedOut] = Field(description="entity seeds of the walk with their weights")


class AskIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"question": "Who runs the team?"}]})
    question: Question = Field(min_length=1, max_length=MAX_QUESTION_CHARS)
    top_k: int = Field(default=5, ge=1, le=MAX_ASK_TOP_K)
    stream: bool = Field(default=False, description="answer as server-sent events")
    explain: bool = Field(default=False, description="add the retrieved passages' explanations")


class CitationOut(BaseModel):
    number: int
    document_id: str
    passage_id: str
    text: str


class AskOut(BaseModel):
    answer: str
    citations: list[CitationOut]
    reader: str
    mode: Literal["graph", "dense_fallback", "dense"]
    usage: UsageOut | None = Field(default=None, description="what reading cost (a stream's tokens counted by memrag)")
    abstained: bool = Field(
        default=False, description="the memory holds nothing that answers: `answer` says so and cites nothing"
    )
    support: str | None = Field(
        default=None, description="the offline reader's short answer: the passage sentence it was taken from"
    )
    explanations: list[ExplanationOut] | None = Field(
        default=None, description="with `explain`: for each retrieved passage, the walks that carried its mass"
    )
