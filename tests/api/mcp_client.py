"""The MCP SDK's own client against memrag: connecting over HTTP or stdio, and the agent's round trip."""

from __future__ import annotations

import sys
import time
from typing import Any

import anyio
import httpx2
from mcp.client import Client
from mcp.client.stdio import StdioServerParameters
from mcp.client.streamable_http import streamable_http_client

from tests.api.conftest import ROOT

NOTE = "Ada Lovelace wrote the first computer program for the Analytical Engine of Charles Babbage."
OTHER = "The Nile flows north through Egypt into the Mediterranean Sea."


def over_http(url: str, key: str | None) -> Client:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return Client(streamable_http_client(f"{url}/mcp", http_client=httpx2.AsyncClient(headers=headers, timeout=120)))


def over_stdio(env: dict[str, str]) -> Client:
    command = StdioServerParameters(command=sys.executable, args=["-m", "memrag.cli.main", "mcp"], env=env, cwd=ROOT)
    return Client(command, read_timeout_seconds=300)


async def call(client: Client, tool: str, **arguments: Any) -> dict[str, Any]:
    """The tool's structured result; fails the test if the call is a tool error."""
    result = await client.call_tool(tool, arguments)
    assert not result.is_error, f"{tool} failed: {error_text(result)}"
    assert isinstance(result.structured_content, dict)
    return result.structured_content


async def refused(client: Client, tool: str, **arguments: Any) -> str:
    """The message of a call that must be a tool error."""
    result = await client.call_tool(tool, arguments)
    assert result.is_error, f"{tool} succeeded: {result.structured_content}"
    return error_text(result)


def error_text(result: Any) -> str:
    return " ".join(getattr(block, "text", "") for block in result.content)


async def wait_job(client: Client, job_id: str, timeout_s: float = 180) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        job = await call(client, "job_status", job_id=job_id)
        if job["status"] in ("done", "failed"):
            return job
        await anyio.sleep(0.2)
    raise AssertionError(f"job {job_id} did not finish")


async def round_trip(client: Client) -> str:
    """remember → job done → recall → ask → explain → forget → job done → recall (gone); the document id."""
    remembered = await call(client, "remember", text=NOTE, title="Ada", metadata={"source": "test"})
    job = await wait_job(client, remembered["job_id"])
    assert (job["status"], job["indexed"]) == ("done", 1), job
    doc_id = remembered["document_id"]
    assert (await call(client, "get_document", document_id=doc_id))["metadata"] == {"source": "test"}

    hits = (await call(client, "recall", query="Who wrote the first computer program?", k=3))["hits"]
    assert hits[0]["document_id"] == doc_id and "Analytical Engine" in hits[0]["text"]
    answer = await call(client, "ask", question="Who wrote the first computer program?", k=3)
    assert doc_id in {c["document_id"] for c in answer["citations"]}, answer
    why = await call(client, "explain", query="Who wrote the first computer program?", k=3)
    top = why["passages"][0]
    assert top["document_id"] == doc_id and top["why"]
    if why["mode"] == "graph":  # the walks that carried the passage's mass, with their shares
        walks = top["walks"]
        assert (
            walks["paths"]
            and abs(sum(p["share"] for p in walks["paths"]) + walks["unattributed"] - walks["mass"]) < 1e-6
        )

    forgotten = await call(client, "forget", document_id=doc_id)
    assert (await wait_job(client, forgotten["job_id"]))["deleted"] == 1
    hits = (await call(client, "recall", query="Who wrote the first computer program?", k=3))["hits"]
    assert doc_id not in {h["document_id"] for h in hits}
    assert "Not found" in await refused(client, "get_document", document_id=doc_id)
    return doc_id
