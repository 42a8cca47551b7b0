"""The MCP tools' backend over HTTP: one namespace of a running memrag, reached with its API key.

Errors come back as tool errors that say what to fix (the key, the namespace, the server),
with the server's own problem detail; never the server's address or a traceback.
"""

from __future__ import annotations

from typing import Any, TypeVar
from urllib.parse import quote

import httpx
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import BaseModel, ValidationError

from memrag.api.schemas import (
    AskIn,
    AskOut,
    DocumentIn,
    DocumentOut,
    DocumentPage,
    DocumentsIn,
    JobAccepted,
    JobOut,
    RetrieveIn,
    RetrieveOut,
)

M = TypeVar("M", bound=BaseModel)
HINTS = {
    401: " (check MEMRAG_API_KEY)",
    404: " (check that MEMRAG_NAMESPACE is the namespace of MEMRAG_API_KEY)",
    503: " (try again in a few seconds)",
}


class RemoteBackend:
    """`client` has the server's base URL and `Authorization: Bearer <key>`; `namespace` is the key's."""

    def __init__(self, client: httpx.Client, namespace: str) -> None:
        self._http = client
        self._ns = f"/v1/namespaces/{quote(namespace, safe='')}"

    def remember(self, document: DocumentIn) -> JobAccepted:
        body = DocumentsIn(documents=[document]).model_dump(exclude_none=True)
        return self._call(JobAccepted, "POST", f"{self._ns}/documents", json=body)

    def forget(self, document_id: str) -> JobAccepted:
        return self._call(JobAccepted, "DELETE", f"{self._ns}/documents/{quote(document_id, safe='/')}")

    def recall(self, query: RetrieveIn) -> RetrieveOut:
        return self._call(RetrieveOut, "POST", f"{self._ns}/retrieve", json=query.model_dump())

    def ask(self, question: AskIn) -> AskOut:
        return self._call(AskOut, "POST", f"{self._ns}/ask", json=question.model_dump())

    def list_documents(self, limit: int, cursor: str | None) -> DocumentPage:
        params: dict[str, Any] = {"limit": limit} | ({"cursor": cursor} if cursor is not None else {})
        return self._call(DocumentPage, "GET", f"{self._ns}/documents", params=params)

    def get_document(self, document_id: str) -> DocumentOut:
        return self._call(DocumentOut, "GET", f"{self._ns}/documents/{quote(document_id, safe='/')}")

    def job_status(self, job_id: str) -> JobOut:
        return self._call(JobOut, "GET", f"/v1/jobs/{quote(job_id, safe='')}")

    def _call(self, model: type[M], method: str, path: str, **kwargs: Any) -> M:
        try:
            reply = self._http.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            raise ToolError("the memrag server (MEMRAG_URL) cannot be reached; check that it is running") from exc
        if reply.status_code >= 400:
            raise ToolError(_problem(reply))
        try:
            return model.model_validate(reply.json())
        except (ValueError, ValidationError) as exc:
            raise ToolError("the memrag server answered in a form this client does not know (MEMRAG_URL)") from exc


def _problem(reply: httpx.Response) -> str:
    """`Title: detail` from a problem+json reply, plus what to check for the statuses a setting causes."""
    try:
        body = reply.json()
        title, detail = str(body["title"]), str(body["detail"])
    except (ValueError, KeyError, TypeError):
        title, detail = "Error", f"the memrag server answered with status {reply.status_code}"
    return f"{title}: {detail}{HINTS.get(reply.status_code, '')}"
