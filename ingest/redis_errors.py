"""Redis failures translated at the boundary: a `redis.RedisError` raised by a method of the Redis
adapters (job queue, job board, key registry) becomes a StorageError that says which component
is down and what to do, never the host, port or credentials in redis-py's text (kept as the
cause, for the server log, through the redacting loggers)."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar

import redis

from memrag.memory.errors import StorageError

T = TypeVar("T")
UNAVAILABLE = "Redis (MEMRAG_REDIS_URL) is unavailable or refused the request: try again shortly"


def unavailable(exc: redis.RedisError) -> StorageError:
    if isinstance(exc, redis.BusyLoadingError):
        return StorageError("Redis (MEMRAG_REDIS_URL) is loading its data after a restart: try again shortly")
    return StorageError(UNAVAILABLE)


def translate_redis_errors(cls: type[T]) -> type[T]:
    """A class decorator: every public method of `cls` raises StorageError in place of a RedisError."""
    for name, method in list(vars(cls).items()):
        if name.startswith("_") or not inspect.isfunction(method):
            continue
        setattr(cls, name, _translating(method))
    return cls


def _translating(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, **kwargs)
        except redis.RedisError as exc:
            raise unavailable(exc) from exc

    return call
