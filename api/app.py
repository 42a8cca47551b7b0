"""The FastAPI application: routers, problem+json errors, body limit, metrics; services built in lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager

from fastapi import FastAPI

from memrag.api import (
    errors,
    routes_admin,
    routes_chat,
    routes_console,
    routes_documents,
    routes_graph,
    routes_jobs,
    routes_ops,
    routes_query,
    routes_stats,
    routes_upload,
)
from memrag.api.limits import BodyLimit
from memrag.api.mcp_http import McpEndpoint
from memrag.api.ops_metrics import OpsCollector
from memrag.api.prometheus import CountRequests, Metrics
from memrag.api.services import Services, build
from memrag.memory.settings import Settings

DESCRIPTION = """Long-term memory for LLMs with HippoRAG 2 retrieval.

Send documents to a namespace, poll the job, then retrieve passages (with the facts and
entities that led to them), ask for a cited answer, or chat through the OpenAI-compatible
`/v1/chat/completions` with `model` set to the namespace. Keys go in
`Authorization: Bearer <key>`; the admin key (`MEMRAG_ADMIN_KEY`) creates namespaces and keys.
Errors are `application/problem+json`."""


def create_app(settings: Settings | None = None, services: Services | None = None) -> FastAPI:
    """The app; its services are built at start-up from `settings` (or the environment)."""

    settings = settings or (services.settings if services else Settings())
    metrics = services.metrics if services else Metrics()
    mcp = McpEndpoint()  # MCP tools over streamable HTTP (api/mcp_http.py)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.services = services or build(settings, metrics)
        app.state.probes = ThreadPoolExecutor(2, thread_name_prefix="readyz")  # readiness checks, off the route pool
        ops = OpsCollector(app.state.services)  # queue depth, finished jobs, log lag, graph sizes: read at scrape
        metrics.registry.register(ops)
        try:
            async with mcp.running(app.state.services):
                yield
        finally:
            metrics.registry.unregister(ops)
            app.state.probes.shutdown(wait=False, cancel_futures=True)
            app.state.services.close()

    app = FastAPI(title="memrag", version="1.0", description=DESCRIPTION, lifespan=lifespan)
    errors.install(app)
    app.add_middleware(BodyLimit, limit=settings.max_request_bytes)  # before anything reads the body
    app.add_middleware(CountRequests, metrics=metrics)  # outermost: counts every status, 413 and 500 included

    for module in (
        routes_admin,
        routes_documents,
        routes_upload,  # POST …/documents:upload (a file through the loaders)
        routes_jobs,  # GET …/jobs (a namespace's jobs, paged)
        routes_query,
        routes_graph,
        routes_stats,
        routes_chat,
        routes_ops,
        routes_console,  # the web console at /console (api/console/)
    ):
        app.include_router(module.router)
    app.router.routes.append(mcp.route())  # /mcp, out of the OpenAPI schema
    return app
