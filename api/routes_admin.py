"""Admin routes: namespaces and their API keys (the admin key only)."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import AdminDep, ServicesDep, visible_namespace
from api.errors import COMMON, responses
from api.schemas import KeyOut, NamespaceIn, NamespaceOut

router = APIRouter(prefix="/v1", tags=["admin"], responses=responses(*COMMON, 403))


@router.post("/namespaces", status_code=201, response_model=NamespaceOut)
def create_namespace(body: NamespaceIn, svc: ServicesDep, who: AdminDep) -> NamespaceOut:
    """Create an isolated memory; creating one that exists is not an error (`created` says which)."""
    return NamespaceOut(name=body.name, created=svc.registry.create_namespace(body.name))


@router.get("/namespaces", response_model=list[str])
def list_namespaces(svc: ServicesDep, who: AdminDep) -> list[str]:
    return svc.registry.namespaces()


@router.post("/namespaces/{ns}/keys", status_code=201, response_model=KeyOut, responses=responses(404))
def create_key(ns: str, svc: ServicesDep, who: AdminDep) -> KeyOut:
    """A new API key for the namespace, shown once."""
    namespace = visible_namespace(svc, who, ns)
    return KeyOut(key=svc.registry.add_key(namespace), namespace=namespace)
