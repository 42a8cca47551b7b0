"""`memrag mcp` over stdio, driven by the MCP SDK's own client: against a live memrag (MEMRAG_URL) and in-process."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.api.conftest import ROOT
from tests.api.mcp_client import OTHER, call, over_stdio, refused, round_trip, wait_job
from tests.helpers import leaks

pytestmark = pytest.mark.model


def remote(live, namespace, key):
    return {"MEMRAG_URL": live.url, "MEMRAG_API_KEY": key, "MEMRAG_NAMESPACE": namespace}


async def test_the_agent_round_trip_through_a_live_memrag(live):
    namespace, key = live.namespace_with_key()
    async with over_stdio(remote(live, namespace, key)) as client:
        await round_trip(client)


async def test_a_key_of_another_namespace_sees_nothing(live):
    a, key_a = live.namespace_with_key()
    b, key_b = live.namespace_with_key()
    async with over_stdio(remote(live, a, key_a)) as client:
        remembered = await call(client, "remember", text=OTHER)
        assert (await wait_job(client, remembered["job_id"]))["status"] == "done"
    async with over_stdio(remote(live, b, key_b)) as client:
        assert (await call(client, "list_documents"))["documents"] == []
        assert "Not found" in await refused(client, "get_document", document_id=remembered["document_id"])
    async with over_stdio(remote(live, a, key_b)) as client:  # B's key, A's name: refused, with what to check
        message = await refused(client, "recall", query="Which way does the Nile flow?")
    assert "MEMRAG_NAMESPACE" in message and not leaks(message), message


async def test_the_agent_round_trip_in_process_on_a_data_dir(tmp_path, model_cache):
    env = {"MEMRAG_DATA_DIR": str(tmp_path), "MEMRAG_EMBEDDING_CACHE": str(model_cache), "MEMRAG_NAMESPACE": "notes"}
    async with over_stdio(env) as client:
        await round_trip(client)
    assert (tmp_path / "namespaces" / "notes").is_dir()


def test_a_url_without_a_key_is_refused_at_start_with_the_fix():
    env = {**os.environ, "MEMRAG_URL": "http://127.0.0.1:9", "MEMRAG_API_KEY": ""}
    run = subprocess.run(
        [sys.executable, "-m", "memrag.cli.main", "mcp"], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 2
    assert "MEMRAG_API_KEY" in run.stderr and "Traceback" not in run.stderr
