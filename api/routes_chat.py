"""OpenAI-compatible chat: `POST /v1/chat/completions` with `model` = a namespace, answered from its memory.

The last user message is the question; the answer comes from the namespace's reader over the
retrieved passages, with a "Sources" line naming the cited documents (and a `citations` field
beside the standard ones). Streaming sends `chat.completion.chunk` events and `[DONE]`.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Generator
from contextlib import closing
from typing import Annotated, Literal

from fastapi import APIRouter
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from starlette.concurrency import run_in_threadpool

from memrag.api.convert import citations_out
from memrag.api.deps import Caller, CallerDep, KeyDep, ServicesDep, caller_of, visible_namespace
from memrag.api.errors import COMMON, responses
from memrag.api.json_out import ModelJSON
from memrag.api.schemas import CitationOut
from memrag.api.services import Services
from memrag.api.streaming import EventStream, counted_answers, primed
from memrag.memory import validation
from memrag.memory.errors import InvalidInput
from memrag.memory.llm.usage import UsageMeter
from memrag.memory.params import RetrievalParams
from memrag.memory.retrieval.reader import Answer, Citation, plus_retrieval_cost, stream_answer
from memrag.memory.validation import MAX_CHAT_CONTENT_CHARS, MAX_CHAT_MESSAGES

router = APIRouter(prefix="/v1", tags=["openai-compatible"], responses=responses(*COMMON, 404, 502, 503))


def _content(text: str | None) -> str | None:
    return None if text is None else validation.check_text(text, "content", required=False)


Content = Annotated[str | None, AfterValidator(_content)]
MAX_CHAT_PARTS = 64


class ContentPart(BaseModel):
    type: str = Field(max_length=32)
    text: Content = Field(default=None, max_length=MAX_CHAT_CONTENT_CHARS)


class ChatMessage(BaseModel):
    """One message; its content (a string, or the texts of its parts together) at most 10,000 characters."""

    role: Literal["system", "user", "assistant", "tool", "developer"]
    content: str | list[ContentPart] | None = Field(default=None)

    @model_validator(mode="after")
    def _bounded(self) -> ChatMessage:
        if isinstance(self.content, list):
            if len(self.content) > MAX_CHAT_PARTS:
                raise ValueError(f"content has {len(self.content)} parts; at most {MAX_CHAT_PARTS} are allowed")
            if sum(len(p.text or "") for p in self.content) > MAX_CHAT_CONTENT_CHARS:
                raise ValueError(f"content: the parts' texts hold more than {MAX_CHAT_CONTENT_CHARS:,} characters")
        elif self.content is not None:
            validation.check_text(self.content, "content", MAX_CHAT_CONTENT_CHARS, required=False)
        return self


class ChatRequest(BaseModel):
    model_config = ConfigDict(
        extra="allow",  # temperature, max_tokens, … are accepted and ignored
        json_schema_extra={"examples": [{"model": "team-docs", "messages": [{"role": "user", "content": "Who?"}]}]},
    )
    model: str = Field(min_length=1, max_length=64, description="the namespace to answer from")
    messages: list[ChatMessage] = Field(min_length=1, max_length=MAX_CHAT_MESSAGES)
    stream: bool = False


class ChatChoice(BaseModel):
    index: int
    message: dict[str, str]
    finish_reason: str


class ChatResponse(BaseModel):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[ChatChoice]
    usage: dict[str, int]
    citations: list[CitationOut]
    abstained: bool = False  # memrag's addition: the memory holds nothing that answers (no citations then)


class ModelOut(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int = 0
    owned_by: str = "memrag"


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelOut]


@router.get("/models", response_model=ModelList)
def list_models(svc: ServicesDep, who: CallerDep) -> ModelList:
    """The namespaces this key can chat with, as OpenAI models (chat UIs list them to pick one)."""
    names = svc.registry.namespaces() if who.admin else [who.namespace or ""]
    return ModelList(data=[ModelOut(id=name) for name in names if name])


@router.post(
    "/chat/completions",
    response_model=ChatResponse,
    responses={
        200: {
            "content": {"text/event-stream": {}},
            "description": "with `stream`: `chat.completion.chunk` events and `[DONE]`; a failure mid-stream ends "
            'it with an OpenAI-style error chunk, `{"error": {"message", "type", "code"}}`',
        }
    },
)
async def chat_completions(body: ChatRequest, svc: ServicesDep, key: KeyDep) -> ModelJSON | EventStream:
    # the key checked in the same thread-pool trip as the answer (api/deps.py: one trip, not two)
    return await run_in_threadpool(lambda: _chat_reply(body, svc, caller_of(svc, key)))


def _chat_reply(body: ChatRequest, svc: Services, who: Caller) -> ModelJSON | EventStream:
    namespace = visible_namespace(svc, who, body.model)
    question = _question(body.messages)
    engine = svc.engines(namespace)
    meter = UsageMeter()  # what retrieval's own LLM call (recognition) cost: part of the answer's cost
    retrieval = engine.retrieve(question, RetrievalParams(), meter=meter)
    hits = retrieval.hits
    reply_id, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())
    if body.stream:
        answering = stream_answer(engine.reader, question, hits, meter.total, retrieval.dense_top)
        parts = primed(counted_answers(answering, svc.metrics, namespace))  # a model down before any piece: 502
        chunks = _chunks(reply_id, created, body.model, parts)
        return EventStream(chunks, _error_chunk, svc.metrics, "/v1/chat/completions")
    answer = plus_retrieval_cost(engine.reader.answer(question, hits, retrieval.dense_top), meter.total)
    svc.metrics.count_answer(namespace, answer.usage)
    content = answer.text + _sources(answer.citations)
    words = sum(len(h.text.split()) for h in hits) + len(question.split())
    reply = ChatResponse(
        id=reply_id,
        created=created,
        model=body.model,
        choices=[ChatChoice(index=0, message={"role": "assistant", "content": content}, finish_reason="stop")],
        usage={
            "prompt_tokens": words,
            "completion_tokens": len(content.split()),
            "total_tokens": words + len(content.split()),
        },
        citations=citations_out(answer.citations),
        abstained=answer.abstained,
    )
    return ModelJSON(reply, exclude_none=False)  # as FastAPI wrote it: OpenAI clients get every field


def _question(messages: list[ChatMessage]) -> str:
    for message in reversed(messages):
        if message.role == "user":
            content = message.content
            text = content if isinstance(content, str) else " ".join(p.text or "" for p in content or [])
            if text.strip():
                return text.strip()
    raise InvalidInput("the messages hold no user message with text: send {'role': 'user', 'content': '...'}")


def _sources(citations: tuple[Citation, ...]) -> str:
    if not citations:
        return ""
    return "\n\nSources: " + "; ".join(f"[{c.number}] {c.document_id}" for c in citations)


def _error_chunk(status: int, title: str, detail: str) -> str:
    """How OpenAI ends a stream that failed: an `error` object in place of a chunk (its SDK raises it)."""
    kind = {502: "model_unavailable", 503: "storage_unavailable"}.get(status, "server_error")
    error = {"message": detail, "type": kind, "code": status}
    return f"data: {json.dumps({'error': error}, ensure_ascii=False)}\n\n"


def _chunks(
    reply_id: str, created: int, model: str, parts: Generator[str | Answer, None, None]
) -> Generator[str, None, None]:
    def chunk(delta: dict[str, str], finish: str | None = None, **extra: object) -> str:
        body = {
            "id": reply_id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            **extra,
        }
        return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"

    with closing(parts):
        yield chunk({"role": "assistant", "content": ""})
        for part in parts:
            if isinstance(part, str):
                yield chunk({"content": part})
                continue
            if part.citations:
                yield chunk({"content": _sources(part.citations)})
            cited = [c.model_dump(exclude={"text"}) for c in citations_out(part.citations)]
            yield chunk({}, "stop", citations=cited, abstained=part.abstained)
    yield "data: [DONE]\n\n"
