"""Adapter errors translated at the boundary: what a storage client raises becomes a StorageError whose
message names the component and the operation (never a path, URL or the client's own text, which
stays on the error's cause for the server log)."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterator
from typing import Any, ParamSpec, TypeVar, cast

from memrag.memory.errors import MemragError, StorageError

P = ParamSpec("P")
R = TypeVar("R")


def translated(
    component: str, operation: str, catch: tuple[type[Exception], ...] = (Exception,)
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """A decorator: `catch` raised by the method (or, for a generator, while iterating it) becomes
    StorageError("{component} failed to {operation}: …") from the original."""

    def failed() -> StorageError:
        return StorageError(f"{component} failed to {operation}: try again; if it persists, see the server log")

    def decorate(method: Callable[P, R]) -> Callable[P, R]:
        if inspect.isgeneratorfunction(method):

            @functools.wraps(method)
            def iterate(*args: P.args, **kwargs: P.kwargs) -> Iterator[Any]:
                try:
                    yield from cast(Iterator[Any], method(*args, **kwargs))
                except MemragError:
                    raise
                except catch as exc:
                    raise failed() from exc

            return cast(Callable[P, R], iterate)

        @functools.wraps(method)
        def call(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return method(*args, **kwargs)
            except MemragError:
                raise
            except catch as exc:
                raise failed() from exc

        return call

    return decorate
