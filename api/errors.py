"""Errors as `application/problem+json`, one status per error class, mapped once here.

ApiError (HTTP-only conditions) and the engine's MemragError classes:
  InvalidInput → 400    Unauthorized → 401    Forbidden → 403    NotFound → 404
  TooLarge → 413        request validation → 422    QueueFull → 429 + Retry-After (the queue's own)
  ModelError → 502      StorageError (storage, Redis, Qdrant unavailable), NotReady → 503 + Retry-After
  anything else → 500 (a bug: logged with its traceback, the body says only that)

The adapters translate their SDK's errors into these (`raise StorageError(…) from exc`) with a
message fit for the caller: the component and what to do, never a path, URL, host, credential
or upstream body. The SDK's error stays the cause and goes to the log (credentials masked).
The same map serves errors in the middle of a stream (api/streaming.py).
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from memrag.api.schemas import Problem
from memrag.memory.errors import InvalidInput, MemragError, ModelError, NotFound, QueueFull, StorageError
from memrag.memory.redact import protect

log = protect(logging.getLogger("memrag.api"))
PROBLEM = "application/problem+json"
RETRY_AFTER_S = 5  # what a 503 asks the client to wait: outages we map there are short or being fixed


class ApiError(MemragError):
    status = 400
    title = "Bad request"


class Unauthorized(ApiError):
    status = 401
    title = "Unauthorized"


class Forbidden(ApiError):
    status = 403
    title = "Forbidden"


class NotReady(ApiError):
    status = 503
    title = "Not ready"


class TooLarge(ApiError):
    status = 413
    title = "Request too large"


_STATUS: dict[type[MemragError], tuple[int, str]] = {
    InvalidInput: (400, "Invalid input"),
    NotFound: (404, "Not found"),
    QueueFull: (429, "Too many documents waiting"),
    ModelError: (502, "Model unavailable"),
    StorageError: (503, "Storage unavailable"),
}


def problem(status: int, title: str, detail: str, retry_after_s: int | None = None) -> JSONResponse:
    """A problem response; a 503 asks to retry after RETRY_AFTER_S unless `retry_after_s` says otherwise."""
    body = Problem(title=title, status=status, detail=detail).model_dump()
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    if status == 503 or retry_after_s is not None:
        headers = {"Retry-After": str(RETRY_AFTER_S if retry_after_s is None else retry_after_s)}
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def status_of(exc: BaseException) -> tuple[int, str]:
    if isinstance(exc, ApiError):
        return exc.status, exc.title
    for cls, mapped in _STATUS.items():
        if isinstance(exc, cls):
            return mapped
    return 500, "Internal error"


def described(exc: BaseException, where: str) -> tuple[int, str, str]:
    """Status, title and detail for an error, and the log line for a 5xx (with its cause chain).
    A MemragError's message is written for the caller; anything else is a bug, described generically."""
    status, title = status_of(exc)
    if status == 500:
        log.error("%s failed", where, exc_info=exc)
        return status, title, "the server failed on this request; it is logged"
    if status >= 500:  # an outage: one line, with what the adapter saw (credentials masked by the filter)
        cause = exc.__cause__
        log.error("%s: %s%s", where, exc, f" (cause: {type(cause).__name__}: {cause})" if cause else "")
    return status, title, str(exc)


async def _memrag_error(request: Request, exc: MemragError) -> JSONResponse:
    retry_after_s = exc.retry_after_s if isinstance(exc, QueueFull) else None
    return problem(*described(exc, f"{request.method} {request.url.path}"), retry_after_s=retry_after_s)


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    parts = []
    for error in jsonable_encoder(exc.errors())[:10]:
        where = ".".join(str(p) for p in error.get("loc", ()))
        parts.append(f"{where}: {error.get('msg', 'invalid')}")
    return problem(422, "Invalid request", "; ".join(parts) or "the request does not match the schema")


async def _http_error(request: Request, exc: HTTPException) -> JSONResponse:
    return problem(exc.status_code, str(exc.detail), f"{request.method} {request.url.path}: {exc.detail}")


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    return problem(*described(exc, f"{request.method} {request.url.path}"))


def install(app: FastAPI) -> None:
    app.exception_handler(MemragError)(_memrag_error)
    app.exception_handler(RequestValidationError)(_validation_error)
    app.exception_handler(HTTPException)(_http_error)
    app.exception_handler(Exception)(_unexpected)


COMMON = (400, 401, 413, 422)  # any /v1 route: unreadable body, no key, body too large, schema mismatch


def responses(*statuses: int) -> dict[int | str, dict[str, object]]:
    """OpenAPI entries for the problem responses a route can give."""
    described = {
        400: "Invalid input",
        401: "No or unknown API key",
        403: "Key not allowed here",
        404: "Not found (or not visible to this key)",
        413: "Request too large",
        422: "Invalid request",
        429: "Too many documents waiting: send again after Retry-After seconds",
        502: "Model unavailable",
        503: "Storage unavailable",
    }
    return {s: {"model": Problem, "description": described[s], "content": {PROBLEM: {}}} for s in statuses}
