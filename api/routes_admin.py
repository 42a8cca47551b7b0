"""Admin routes: namespaces and their API keys (the admin key only)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from memrag.api.deps import AdminDep, ServicesDep, visible_namespace
from memrag.api.errors import COMMON, responses
from memrag.api.registry import digest, public_id
from memrag.api.schemas import KeyInfoOut, KeyOut, NamespaceIn, NamespaceOut
from memrag.memory.errors import NotFound

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
    key = svc.registry.add_key(namespace)
    return KeyOut(key=key, id=public_id(digest(key)), namespace=namespace)


@router.get("/namespaces/{ns}/keys", response_model=list[KeyInfoOut], responses=responses(404))
def list_keys(ns: str, svc: ServicesDep, who: AdminDep) -> list[KeyInfoOut]:
    """The namespace's keys by id and creation time (the keys themselves are not kept)."""
    namespace = visible_namespace(svc, who, ns)
    return [KeyInfoOut(id=k.id, created=k.created) for k in svc.registry.keys(namespace)]


@router.delete("/namespaces/{ns}/keys/{key_id}", status_code=204, responses=responses(404))
def revoke_key(ns: str, key_id: str, svc: ServicesDep, who: AdminDep) -> Response:
    """Revoke a key: requests with it get 401 from now on."""
    namespace = visible_namespace(svc, who, ns)
    if not svc.registry.revoke(namespace, key_id):
        raise NotFound(f"no key {key_id!r} in namespace {namespace!r}")
    return Response(status_code=204)
