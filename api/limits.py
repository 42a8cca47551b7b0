"""Request body limit as plain ASGI middleware: a declared or streamed body over the limit gets 413.

A body with a Content-Length is judged by it; a chunked body is read here up to the limit
and handed on, so that no route ever buffers more than the limit.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from memrag.api.errors import PROBLEM


class BodyLimit:
    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is not None:
            if length.isdigit() and int(length) > self.limit:
                await self._refuse(send, f"the body is {int(length)} bytes; the limit is {self.limit}")
                return
            await self.app(scope, receive, send)
            return
        body, more = [], True
        size = 0
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            body.append(message.get("body", b""))
            size += len(body[-1])
            more = message.get("more_body", False)
            if size > self.limit:
                await self._refuse(send, f"the body is over the limit of {self.limit} bytes")
                return
        await self.app(scope, _replay(b"".join(body)), send)

    async def _refuse(self, send: Send, detail: str) -> None:
        payload: dict[str, Any] = {"type": "about:blank", "title": "Request too large", "status": 413, "detail": detail}
        raw = json.dumps(payload).encode()
        headers = [(b"content-type", PROBLEM.encode()), (b"content-length", str(len(raw)).encode())]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": raw})


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive
