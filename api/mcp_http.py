"""MCP over streamable HTTP at `/mcp`: the API's bearer keys, one namespace per key, no server-side sessions.

Every request is authenticated as `/v1` is (api/deps.py): no key or an unknown one is 401, the
admin key 403 (the tools work on one namespace: use a key of it), and the tools then see only
the key's namespace. The transport is stateless with JSON replies, so any API replica can answer
any request of a client (nothing to pin to one process).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.server.transport_security import TransportSecuritySettings
from starlette.requests import Request
from starlette.routing import Route
from starlette.types import Message, Receive, Scope, Send

from memrag.api.deps import caller, visible_namespace
from memrag.api.errors import Forbidden, described, problem
from memrag.api.mcp_local import LocalBackend
from memrag.api.mcp_tools import MemoryBackend, build_server
from memrag.api.services import Services
from memrag.memory.errors import MemragError

PATH = "/mcp"
NAMESPACE = "memrag.namespace"  # the scope entry carrying the authenticated key's namespace to the tools


class McpEndpoint:
    """The ASGI app at PATH; `running(services)` (in the API's lifespan) makes it serve."""

    def __init__(self) -> None:
        self._services: Services | None = None
        self._manager: StreamableHTTPSessionManager | None = None

    @asynccontextmanager
    async def running(self, services: Services) -> AsyncIterator[None]:
        server = build_server(lambda ctx: _backend(services, ctx))
        # A bearer key guards every request, so a page in a browser that rebinds a name to this host
        # has nothing to send: the SDK's Host/Origin allow-list (loopback names only) stays off.
        server.streamable_http_app(
            streamable_http_path=PATH,
            stateless_http=True,
            json_response=True,
            max_request_body_size=services.settings.max_request_bytes,
            transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
        )
        manager = server.session_manager
        async with manager.run():
            self._services, self._manager = services, manager
            try:
                yield
            finally:
                self._services = self._manager = None

    def route(self) -> Route:
        """PATH, any method, served by this endpoint (an ASGI app, so Starlette hands it the raw request)."""
        return Route(PATH, endpoint=self, include_in_schema=False)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._services is None or self._manager is None:
            await problem(503, "Not ready", "the MCP endpoint is starting or stopping; try again")(scope, receive, send)
            return
        authorization = Request(scope).headers.get("authorization")
        try:
            namespace = await anyio.to_thread.run_sync(key_namespace, self._services, authorization)
        except MemragError as exc:
            await problem(*described(exc, f"{scope.get('method', '')} {PATH}"))(scope, receive, send)
            return
        if scope.get("method") != "POST":  # stateless, JSON replies: no event stream to GET, no session to DELETE
            refused = problem(405, "Method not allowed", "send MCP messages with POST")
            refused.headers["Allow"] = "POST"
            await refused(scope, receive, send)
            return
        scope[NAMESPACE] = namespace
        await self._manager.handle_request(scope, receive, send_without_validation_details(send))


BAD_MESSAGE = "invalid JSON-RPC message: send {'jsonrpc': '2.0', 'id': <string or number>, 'method', 'params'}"


def send_without_validation_details(send: Send) -> Send:
    """`send`, with the SDK's parse errors (400: a validation dump naming its library, a link, the
    input echoed) replaced by one plain message; every other response passes as it is."""
    held: list[Message] = []

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start" and message.get("status") == 400:
            held.append(message)
            return
        if held and message["type"] == "http.response.body":
            held.append(message)
            if message.get("more_body"):
                return
            start, *parts = held
            held.clear()
            await _send_plain(send, start, b"".join(p.get("body", b"") for p in parts))
            return
        await send(message)

    return sending


async def _send_plain(send: Send, start: Message, body: bytes) -> None:
    try:
        reply = json.loads(body)
        error = reply["error"]
        if str(error.get("message", "")).startswith("Validation error"):
            error["message"] = BAD_MESSAGE
            body = json.dumps(reply).encode()
    except (ValueError, KeyError, TypeError, AttributeError):
        pass
    headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
    headers.append((b"content-length", str(len(body)).encode()))
    await send({**start, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def key_namespace(services: Services, authorization: str | None) -> str:
    """The namespace of the bearer key, checked as `/v1` checks it (Unauthorized, Forbidden, NotFound)."""
    who = caller(services, authorization)
    if who.namespace is None:
        raise Forbidden("MCP tools work on one namespace: connect with an API key of that namespace")
    return visible_namespace(services, who, who.namespace)


def _backend(services: Services, ctx: Context) -> MemoryBackend:
    request = ctx.request_context.request
    namespace = request.scope.get(NAMESPACE) if isinstance(request, Request) else None
    if not isinstance(namespace, str):
        raise ToolError("this request carries no authenticated namespace; send `Authorization: Bearer <key>`")
    return LocalBackend(services, namespace)
