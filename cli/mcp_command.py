"""`memrag mcp`: the MCP tools over stdio, for an agent that starts memrag as its memory server.

Two ways, chosen by the environment:
- MEMRAG_URL set: the tools call that running memrag over HTTP with MEMRAG_API_KEY, in the key's
  namespace (MEMRAG_NAMESPACE or --namespace names it). Use this whenever a `memrag serve` owns the data.
- otherwise: the memory in this process, on MEMRAG_DATA_DIR (or the Qdrant/Redis settings), in
  MEMRAG_NAMESPACE or --namespace — the same engine `memrag ingest` and `memrag ask` use.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from typing import Any

from memrag.memory.errors import InvalidInput
from memrag.memory.settings import Settings
from memrag.memory.validation import check_namespace

REMOTE_TIMEOUT_S = 300  # an answer from a slow LLM endpoint may take minutes


def add_mcp_parser(sub: Any) -> None:
    mcp = sub.add_parser(
        "mcp",
        help="serve the MCP tools (remember, recall, ask, forget, explain, ...) over stdio",
        description="With MEMRAG_URL and MEMRAG_API_KEY set, the tools call that memrag server; "
        "otherwise they work on this machine's memory (MEMRAG_DATA_DIR).",
    )
    mcp.add_argument("--namespace", default=None, help="default: MEMRAG_NAMESPACE, else 'default'")
    mcp.set_defaults(run=run_mcp)


def run_mcp(args: argparse.Namespace) -> int:
    settings = Settings()
    namespace = check_namespace(args.namespace or settings.namespace)
    url = os.environ.get("MEMRAG_URL", "").strip()
    if url:
        return _serve_remote(url, os.environ.get("MEMRAG_API_KEY", "").strip(), namespace)
    return _serve_local(settings, namespace)


def _serve_remote(url: str, key: str, namespace: str) -> int:
    if not key:
        raise InvalidInput("MEMRAG_URL is set: set MEMRAG_API_KEY to an API key of the namespace as well")
    import httpx  # the MCP SDK and the API's modules load only for this command

    from memrag.api.mcp_remote import RemoteBackend
    from memrag.api.mcp_tools import build_server

    headers = {"Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=url, headers=headers, timeout=REMOTE_TIMEOUT_S) as client:
        backend = RemoteBackend(client, namespace)
        build_server(lambda ctx: backend).run("stdio")
    return 0


def _serve_local(settings: Settings, namespace: str) -> int:
    from memrag.api.mcp_local import LocalBackend
    from memrag.api.mcp_tools import build_server
    from memrag.api.prometheus import Metrics
    from memrag.api.services import build

    with contextlib.redirect_stdout(sys.stderr):  # stdout is the protocol's: nothing else may write there
        services = build(settings, Metrics())
    try:
        backend = LocalBackend(services, namespace)
        build_server(lambda ctx: backend).run("stdio")
    finally:
        services.close()
    return 0
