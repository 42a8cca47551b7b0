"""The FastAPI application: routers, problem+json errors, body limit, metrics; services built in lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from memrag.api import errors, routes_admin, routes_chat, routes_documents, routes_ops, routes_query
from memrag.api.limits import BodyLimit
from memrag.api.prometheus import Metrics
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

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.services = services or build(settings, metrics)
        try:
            yield
        finally:
            app.state.services.close()

    app = FastAPI(title="memrag", version="1.0", description=DESCRIPTION, lifespan=lifespan)
    errors.install(app)
    app.middleware("http")(metrics.middleware)
    app.add_middleware(BodyLimit, limit=settings.max_request_bytes)  # outermost: before anything reads the body

    for module in (routes_admin, routes_documents, routes_query, routes_chat, routes_ops):
        app.include_router(module.router)
    return app
