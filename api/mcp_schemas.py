"""What the MCP tools answer beyond the HTTP API's own models: a remembered note, a retrieval's reasons."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from memrag.api.schemas import ExplanationOut, FactOut, SeedOut


class Remembered(BaseModel):
    job_id: str = Field(description="poll it with `job_status` until it is `done`")
    document_id: str = Field(description="the note's id: pass it to `forget` or `get_document`")
    status: Literal["queued", "running", "done", "failed"]


class PassageReason(BaseModel):
    passage_id: str
    document_id: str
    score: float = Field(description="the passage's rank score (PPR mass in graph mode, cosine in dense modes)")
    text: str
    facts: list[FactOut] = Field(description="the query's facts that name an entity of this passage")
    seeds: list[SeedOut] = Field(description="the walk's entity seeds this passage mentions, with their weights")
    walks: ExplanationOut | None = Field(
        default=None,
        description="graph mode: the walks from the seeds that carried its PPR mass, with shares",
    )
    why: str = Field(description="the heaviest walk and the facts, in one sentence")


class Explanation(BaseModel):
    query: str
    mode: Literal["graph", "dense_fallback", "dense"] = Field(
        description="graph: a Personalized PageRank walk from the seeds; dense_fallback: no fact matched the "
        "query, so passages are ranked by embedding similarity; dense: graph retrieval switched off"
    )
    passages: list[PassageReason]
