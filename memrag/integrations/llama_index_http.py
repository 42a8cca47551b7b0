"""A llama-index retriever over a memrag server (HTTP, Bearer key), and llama-index documents sent to it.

    retriever = MemragHttpRetriever("http://memrag:8000", "team-docs", api_key, top_k=5)

It calls `POST /v1/namespaces/{ns}/retrieve`, then `GET …/documents/{id}` once per distinct
document for the titles and metadata (`with_documents=False` skips that). A refusal becomes a
`MemragError` whose message is the server's problem detail and what to do about it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any
from urllib.parse import quote

import httpx
from llama_index.core.retrievers import BaseRetriever
from llama_index.core.schema import Document as LlamaDocument
from llama_index.core.schema import NodeWithScore, QueryBundle

from memrag.integrations.llama_nodes import PassageHit, document_inputs, to_node
from memrag.memory.errors import InvalidInput, ModelError, NotFound, QueueFull, StorageError


class MemragHttpRetriever(BaseRetriever):
    """Passages a memrag server ranks for the query, best first, as scored nodes."""

    def __init__(
        self,
        base_url: str,
        namespace: str,
        api_key: str,
        top_k: int = 5,
        with_documents: bool = True,
        timeout_s: float = 60.0,
        transport: httpx.BaseTransport | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self._namespace = quote(namespace, safe="")
        self._top_k, self._with_documents = top_k, with_documents
        headers = {"Authorization": f"Bearer {api_key}"}
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"), headers=headers, timeout=timeout_s, transport=transport
        )

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        body = {"query": query_bundle.query_str, "top_k": self._top_k}
        found = _json(self._send("POST", f"/v1/namespaces/{self._namespace}/retrieve", json=body))
        hits = [_hit(h, str(found.get("mode", ""))) for h in found.get("hits", [])]
        documents = self._documents(sorted({h.document_id for h in hits})) if self._with_documents else {}
        return [to_node(_with_document(h, documents.get(h.document_id))) for h in hits]

    def add_documents(self, documents: Sequence[LlamaDocument], keep_ids: bool = False) -> str:
        """Send llama-index documents to the namespace; the job id to poll (`GET /v1/jobs/{id}`)."""
        inputs = document_inputs(documents, keep_ids)
        payload = [
            {"text": d.text, "title": d.title, "metadata": d.metadata, **({"id": d.id} if d.id else {})} for d in inputs
        ]
        reply = _json(self._send("POST", f"/v1/namespaces/{self._namespace}/documents", json={"documents": payload}))
        return str(reply["job_id"])

    def job(self, job_id: str) -> dict[str, Any]:
        """A job's status as the server reports it."""
        return _json(self._send("GET", f"/v1/jobs/{quote(job_id, safe='')}"))

    def close(self) -> None:
        self._http.close()

    def _documents(self, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Each document's record; one deleted since the ranking is left out."""
        records = {}
        for doc_id in ids:
            response = self._http.get(f"/v1/namespaces/{self._namespace}/documents/{quote(doc_id, safe='/')}")
            if response.status_code != 404:
                records[doc_id] = _json(_checked(response))
        return records

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            return _checked(self._http.request(method, path, **kwargs))
        except httpx.TransportError as exc:
            raise StorageError(f"the memrag server cannot be reached ({type(exc).__name__}); check its URL") from exc


def _checked(response: httpx.Response) -> httpx.Response:
    """The response if it succeeded; else the server's problem detail as the matching MemragError."""
    if response.status_code < 400:
        return response
    try:
        detail = str(response.json().get("detail", ""))
    except ValueError:
        detail = ""
    status = response.status_code
    if status in (401, 403):
        raise InvalidInput(f"memrag refused the key (HTTP {status}): use a key of this namespace. {detail}".strip())
    if status == 404:
        raise NotFound(detail or "memrag found no such namespace or document")
    if status in (400, 413, 422):
        raise InvalidInput(detail or f"memrag refused the request (HTTP {status})")
    if status == 429:
        raise QueueFull(detail or "memrag's queue is full; send again later", _retry_after(response))
    if status == 502:
        raise ModelError(detail or "memrag's LLM failed; try again")
    raise StorageError(detail or f"memrag answered HTTP {status}; try again")


def _retry_after(response: httpx.Response) -> int:
    value = response.headers.get("retry-after", "")
    return int(value) if value.isdigit() else 1


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise StorageError("memrag answered with JSON that is not an object; is the URL a memrag server?")
    return data


def _hit(raw: dict[str, Any], mode: str) -> PassageHit:
    return PassageHit(
        passage_id=str(raw["passage_id"]),
        document_id=str(raw["document_id"]),
        text=str(raw["text"]),
        score=float(raw["score"]),
        mode=mode,
        facts=tuple(raw.get("facts", ())),
        seeds=tuple(raw.get("seeds", ())),
    )


def _with_document(hit: PassageHit, record: dict[str, Any] | None) -> PassageHit:
    if record is None:
        return hit
    return replace(hit, title=str(record.get("title", "")), document_metadata=dict(record.get("metadata") or {}))
