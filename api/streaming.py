"""Streamed answers as server-sent events, with the error map applied in the middle of a stream.

`primed` produces a stream's first piece before the response starts, so that a model or storage
failure up to there is an ordinary error response (502, 503). `EventStream` sends the rest:
each piece is produced on a worker thread; an error after the 200 went out ends the stream
with an error event (its status, title and detail as the problem body would have them, counted
in `memrag_stream_errors`); and the source is closed however the response ends — finished,
failed, or the client gone — which closes the upstream LLM response and frees its slot (when
the client leaves, at the next piece the source produces or its read timeout: a read already
waiting on the LLM cannot be interrupted).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable, Generator, Iterator
from typing import TypeVar

import anyio
from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

from memrag.api.errors import described
from memrag.api.prometheus import Metrics
from memrag.memory.retrieval.reader import Answer

T = TypeVar("T")
ErrorEvent = Callable[[int, str, str], str]  # (status, title, detail) → the event that ends the stream


def primed(parts: Iterator[T]) -> Generator[T, None, None]:
    """`parts` with its first item produced now (its errors raised here); closing the result closes
    `parts` (a generator: its upstream response with it)."""
    first = next(parts)

    def rest() -> Generator[T, None, None]:
        try:
            yield first
            yield from parts
        finally:
            close = getattr(parts, "close", None)
            if callable(close):
                close()

    return rest()


def counted_answers(
    parts: Iterator[str | Answer], metrics: Metrics, namespace: str
) -> Generator[str | Answer, None, None]:
    """`parts` passed through, the final `Answer`'s usage counted in `metrics` (a streamed answer is
    an answer too); closing the result closes `parts`."""
    try:
        for part in parts:
            if isinstance(part, Answer):
                metrics.count_answer(namespace, part.usage)
            yield part
    finally:
        close = getattr(parts, "close", None)
        if callable(close):
            close()


class EventStream(StreamingResponse):
    """`text/event-stream` over a generator of events (strings); see the module docstring."""

    def __init__(self, events: Generator[str, None, None], error_event: ErrorEvent, metrics: Metrics, route: str):
        self._events, self._error_event = events, error_event
        self._metrics, self._route = metrics, route
        self._relay = self._relayed()
        super().__init__(self._relay, media_type="text/event-stream", headers={"Cache-Control": "no-store"})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:  # however it ended (the client gone mid-stream included), the source is closed now
            with anyio.CancelScope(shield=True):
                await self._relay.aclose()
                await anyio.to_thread.run_sync(self._events.close)  # never mid-`next`: that thread is awaited

    async def _relayed(self) -> AsyncGenerator[str, None]:
        while True:
            try:
                event = await anyio.to_thread.run_sync(_next, self._events)
            except _End:
                return
            except Exception as exc:  # the error map, mid-stream: one error event ends it
                status, title, detail = described(exc, f"stream of {self._route}")
                self._metrics.stream_errors.labels(self._route, str(status)).inc()
                yield self._error_event(status, title, detail)
                return
            yield event


class _End(Exception):
    """The source is exhausted (StopIteration cannot cross a thread boundary into a coroutine)."""


def _next(events: Iterator[str]) -> str:
    try:
        return next(events)
    except StopIteration:
        raise _End from None
