"""MCP over streamable HTTP at /mcp of a live `memrag serve`, driven by the MCP SDK's own client."""

from __future__ import annotations

import httpx
import pytest

from tests.api.live import ADMIN_KEY
from tests.api.mcp_client import OTHER, call, over_http, refused, round_trip, wait_job
from tests.helpers import leaks

pytestmark = pytest.mark.model

READ_ONLY = {"recall", "ask", "explain", "list_documents", "get_document", "job_status"}


async def test_the_agent_round_trip_over_http(live):
    _, key = live.namespace_with_key()
    async with over_http(live.url, key) as client:
        await round_trip(client)


async def test_tools_are_annotated_for_what_they_do(live):
    _, key = live.namespace_with_key()
    async with over_http(live.url, key) as client:
        listed = (await client.list_tools()).tools
    tools = {t.name: t.annotations for t in listed if t.annotations is not None}
    assert set(tools) == {t.name for t in listed} == READ_ONLY | {"remember", "forget"}
    assert all(tools[name].read_only_hint for name in READ_ONLY)
    assert tools["forget"].destructive_hint and not tools["forget"].read_only_hint
    assert tools["remember"].destructive_hint is False and tools["remember"].idempotent_hint


async def test_a_key_of_another_namespace_sees_nothing(live):
    _, key_a = live.namespace_with_key()
    _, key_b = live.namespace_with_key()
    async with over_http(live.url, key_a) as a:
        remembered = await call(a, "remember", text=OTHER, title="Nile")
        assert (await wait_job(a, remembered["job_id"]))["status"] == "done"
    doc_id, job_id = remembered["document_id"], remembered["job_id"]
    async with over_http(live.url, key_b) as b:
        assert (await call(b, "list_documents"))["documents"] == []
        assert (await call(b, "recall", query="Which way does the Nile flow?"))["hits"] == []
        assert "Not found" in await refused(b, "get_document", document_id=doc_id)
        assert "Not found" in await refused(b, "job_status", job_id=job_id)
        assert "Not found" in await refused(b, "forget", document_id=doc_id)
    async with over_http(live.url, key_a) as a:
        assert [d["id"] for d in (await call(a, "list_documents"))["documents"]] == [doc_id]


async def test_bad_arguments_are_tool_errors_that_name_the_problem(live):
    _, key = live.namespace_with_key()
    async with over_http(live.url, key) as client:
        messages = {
            "k": await refused(client, "recall", query="anything", k=0),
            "text": await refused(client, "remember", text="   "),
            "metadata": await refused(client, "remember", text="a note", metadata={"x" * 300: 1}),
            "question": await refused(client, "ask", question=""),
        }
    for named, message in messages.items():
        assert named in message, message
        assert not leaks(message), leaks(message)


@pytest.mark.parametrize(("key", "status"), [(None, 401), ("mr_not-a-key", 401), (ADMIN_KEY, 403)])
def test_mcp_needs_a_key_of_a_namespace(live, key, status):
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    initialize = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {}}
    reply = httpx.post(f"{live.url}/mcp", json=initialize, headers=headers, timeout=30)
    assert reply.status_code == status
    assert reply.headers["content-type"] == "application/problem+json"
    assert not leaks(reply.text)


def test_malformed_messages_and_other_methods_get_plain_answers(live):
    """A message the SDK cannot parse used to answer with pydantic's whole validation dump (the
    library, a link, the input echoed); a GET used to start an event stream that broke mid-response."""
    _, key = live.namespace_with_key()
    headers = {"Authorization": f"Bearer {key}", "Accept": "application/json, text/event-stream"}
    for body in ({"x": 1}, {"jsonrpc": "2.0", "id": 3}):
        reply = httpx.post(f"{live.url}/mcp", json=body, headers=headers, timeout=30)
        assert reply.status_code == 400
        assert reply.json()["error"]["message"].startswith("invalid JSON-RPC message"), reply.text
        assert "pydantic" not in reply.text and not leaks(reply.text)
    for method in ("GET", "DELETE"):
        reply = httpx.request(method, f"{live.url}/mcp", headers=headers, timeout=30)
        assert (reply.status_code, reply.headers["Allow"]) == (405, "POST")
        assert reply.headers["content-type"] == "application/problem+json"
