"""Retrieval (passages with provenance) and answers (with citations, optionally streamed as SSE)."""

from __future__ import annotations

import json
from collections.abc import Generator
from contextlib import closing
from typing import Any

from fastapi import APIRouter

from memrag.api.convert import answer_out, retrieval_out
from memrag.api.convert_graph import explanations_out, with_explanations
from memrag.api.deps import KeyDep, NamespacePath, Scope, ServicesDep, in_scope
from memrag.api.errors import COMMON, responses
from memrag.api.json_out import ModelJSON
from memrag.api.schemas import AskIn, AskOut, RetrieveIn, RetrieveOut
from memrag.api.services import Services
from memrag.api.streaming import EventStream, counted_answers, primed
from memrag.memory.engine import Engine
from memrag.memory.llm.usage import UsageMeter
from memrag.memory.params import RetrievalParams
from memrag.memory.retrieval.explanations import Explanation
from memrag.memory.retrieval.reader import Answer, plus_retrieval_cost, stream_answer
from memrag.memory.types import Retrieval

router = APIRouter(prefix="/v1", tags=["query"], responses=responses(*COMMON, 404, 502, 503))
SSE: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {"text/event-stream": {}},
        "description": "with `stream`: events `answer` (a delta), then `done` (the whole answer with citations), "
        "or `error` (a problem body: status, title, detail) if the model or storage fails mid-stream",
    }
}


@router.post("/namespaces/{ns}/retrieve", response_model=RetrieveOut, response_model_exclude_none=True)
async def retrieve(body: RetrieveIn, svc: ServicesDep, ns: NamespacePath, key: KeyDep) -> ModelJSON:
    """Passages ranked by HippoRAG 2, each with its document and score, plus the facts and seeds used
    (with `explain`, each hit's walks from the seeds and their shares of its PPR mass)."""
    return await in_scope(svc, key, ns, lambda scope: ModelJSON(retrieval_for(body, scope.engine)))


def retrieval_for(body: RetrieveIn, engine: Engine) -> RetrieveOut:
    """The retrieve route's model (the MCP tools call it in-process)."""
    params = RetrievalParams(top_k=body.top_k)
    if not body.explain:
        return retrieval_out(engine.retrieve(body.query, params))
    result, explained = engine.retrieve_explained(body.query, params)
    return with_explanations(retrieval_out(result), explained)


@router.post("/namespaces/{ns}/ask", response_model=AskOut, response_model_exclude_none=True, responses=SSE)
async def ask(body: AskIn, svc: ServicesDep, ns: NamespacePath, key: KeyDep) -> ModelJSON | EventStream:
    """An answer grounded in the namespace's memory, citing passages and documents."""

    def answered(scope: Scope) -> ModelJSON | EventStream:
        out = answer_for(body, scope.namespace, scope.engine, svc)
        return out if isinstance(out, EventStream) else ModelJSON(out)

    return await in_scope(svc, key, ns, answered)


def answer_for(body: AskIn, ns: str, engine: Engine, svc: Services) -> AskOut | EventStream:
    """The ask route's model, or its event stream with `stream` (the MCP tools call it in-process)."""
    params = RetrievalParams(top_k=body.top_k)
    explained: tuple[Explanation, ...] | None = None
    meter = UsageMeter()  # what retrieval's own LLM call (recognition) cost: part of the answer's cost
    if body.explain:
        result, explained = engine.retrieve_explained(body.question, params, meter=meter)
    else:
        result = engine.retrieve(body.question, params, meter=meter)
    if not body.stream:
        answer = plus_retrieval_cost(engine.reader.answer(body.question, result.hits, result.dense_top), meter.total)
        svc.metrics.count_answer(ns, answer.usage)
        return _answer_out(answer, result, explained)
    answering = stream_answer(engine.reader, body.question, result.hits, meter.total, result.dense_top)
    parts = primed(counted_answers(answering, svc.metrics, ns))  # a model down before any piece: 502
    return EventStream(_ask_events(parts, result, explained), _error_event, svc.metrics, "/v1/namespaces/{ns}/ask")


def _answer_out(answer: Answer, result: Retrieval, explained: tuple[Explanation, ...] | None) -> AskOut:
    out = answer_out(answer, result)
    if explained is not None:
        out.explanations = explanations_out(explained)
    return out


def _ask_events(
    parts: Generator[str | Answer, None, None], result: Retrieval, explained: tuple[Explanation, ...] | None
) -> Generator[str, None, None]:
    with closing(parts):
        for part in parts:
            if isinstance(part, Answer):
                yield event("done", _answer_out(part, result, explained).model_dump(exclude_none=True))
            else:
                yield event("answer", {"delta": part})


def _error_event(status: int, title: str, detail: str) -> str:
    return event("error", {"type": "about:blank", "title": title, "status": status, "detail": detail})


def event(name: str, data: object) -> str:
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"
