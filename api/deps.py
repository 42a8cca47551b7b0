"""Request dependencies: the services, the caller behind the bearer key, and the namespace it may use.

A key for namespace A asking for anything of namespace B gets the same 404 as for a namespace
that does not exist: nothing tells it whether B exists.

Each sync dependency costs a trip through the thread pool (solving the ask route's two took 10 % of
the GIL-held samples of `benchmarks/load_api.py --profile --gil`): the routes that answer
questions are async and resolve the caller and its scope in the same one trip as their work
(`in_scope`); `ScopeDep` takes two (`caller`, then the namespace and its engine together).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, TypeVar

from fastapi import Depends, Header, Path, Request
from starlette.concurrency import run_in_threadpool

from memrag.api.errors import Forbidden, Unauthorized
from memrag.api.services import Services
from memrag.memory.engine import Engine
from memrag.memory.errors import NotFound
from memrag.memory.validation import NAMESPACE_PATTERN


async def services(request: Request) -> Services:
    """Async: an attribute read, not worth a trip through the thread pool (each sync dependency takes one)."""
    found: Services = request.app.state.services
    return found


ServicesDep = Annotated[Services, Depends(services)]
AuthorizationHeader = Annotated[str | None, Header(description="Bearer <API key>")]
NamespacePath = Annotated[str, Path(pattern=NAMESPACE_PATTERN, max_length=64)]
T = TypeVar("T")


@dataclass(frozen=True)
class Caller:
    admin: bool
    namespace: str | None  # the key's namespace (None for the admin key)

    def may_use(self, namespace: str) -> bool:
        return self.admin or self.namespace == namespace


def bearer_key(authorization: str | None) -> str:
    """The key of an `Authorization: Bearer <key>` header; 401 without one."""
    scheme, _, key = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise Unauthorized("send an API key as `Authorization: Bearer <key>`")
    return key.strip()


async def presented_key(authorization: AuthorizationHeader = None) -> str:
    """The bearer key, its shape checked on the event loop (no I/O, no thread-pool trip) and, as a
    dependency, before the body is validated: a request without a key gets 401, never 422."""
    return bearer_key(authorization)


KeyDep = Annotated[str, Depends(presented_key)]


def caller(svc: ServicesDep, authorization: AuthorizationHeader = None) -> Caller:
    return caller_of(svc, bearer_key(authorization))


def caller_of(svc: Services, key: str) -> Caller:
    """Who holds `key`: the admin or one namespace's caller; 401 for a key nobody holds."""
    if svc.is_admin(key):
        return Caller(admin=True, namespace=None)
    namespace = svc.registry.namespace_of(key)
    if namespace is None:
        hint = "" if svc.settings.admin_key else " (this server has no admin key: start it with MEMRAG_ADMIN_KEY set)"
        raise Unauthorized(f"this API key is not known; ask an admin for a key of your namespace{hint}")
    return Caller(admin=False, namespace=namespace)


CallerDep = Annotated[Caller, Depends(caller)]


def admin(who: CallerDep) -> Caller:
    if not who.admin:
        raise Forbidden("this needs the admin key (MEMRAG_ADMIN_KEY)")
    return who


AdminDep = Annotated[Caller, Depends(admin)]


def visible_namespace(svc: Services, who: Caller, namespace: str) -> str:
    """The namespace if this caller may use it and it exists; the same 404 otherwise."""
    if not who.may_use(namespace) or not svc.registry.exists(namespace):
        raise NotFound(f"no namespace {namespace!r} for this key")
    return namespace


def namespace(svc: ServicesDep, who: CallerDep, ns: NamespacePath) -> str:
    return visible_namespace(svc, who, ns)


NamespaceDep = Annotated[str, Depends(namespace)]


def engine(svc: ServicesDep, ns: NamespaceDep) -> Engine:
    return svc.engines(ns)


EngineDep = Annotated[Engine, Depends(engine)]


@dataclass(frozen=True)
class Scope:
    """The namespace a request may use and the engine that serves it."""

    namespace: str
    engine: Engine


def scope(svc: ServicesDep, who: CallerDep, ns: NamespacePath) -> Scope:
    namespace = visible_namespace(svc, who, ns)
    return Scope(namespace, svc.engines(namespace))


ScopeDep = Annotated[Scope, Depends(scope)]


async def in_scope(svc: Services, key: str, ns: str, work: Callable[[Scope], T]) -> T:
    """`work` on the scope of `key` (`KeyDep`) for namespace `ns`, the key looked up and the engine
    found in the same thread-pool trip as `work` (the same errors as `CallerDep` and `ScopeDep`)."""

    def resolved_then_run() -> T:
        return work(scope(svc, caller_of(svc, key), ns))

    return await run_in_threadpool(resolved_then_run)
