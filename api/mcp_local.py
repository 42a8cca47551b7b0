"""The MCP tools' backend in this process: one namespace, through the very functions the HTTP routes run."""

from __future__ import annotations

from dataclasses import dataclass

from memrag.api import routes_documents, routes_query
from memrag.api.deps import Caller
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
from memrag.api.services import Services


@dataclass(frozen=True)
class LocalBackend:
    """`namespace` is one the caller may use (checked by whoever made this backend)."""

    services: Services
    namespace: str

    def remember(self, document: DocumentIn) -> JobAccepted:
        return routes_documents.add_documents(DocumentsIn(documents=[document]), self.namespace, self.services)

    def forget(self, document_id: str) -> JobAccepted:
        engine = self.services.engines(self.namespace)
        return routes_documents.delete_document(document_id, self.namespace, engine, self.services)

    def recall(self, query: RetrieveIn) -> RetrieveOut:
        return routes_query.retrieval_for(query, self.services.engines(self.namespace))

    def ask(self, question: AskIn) -> AskOut:
        answer = routes_query.answer_for(question, self.namespace, self.services.engines(self.namespace), self.services)
        if not isinstance(answer, AskOut):  # only `stream=True` answers with events; the tools never ask for it
            raise TypeError("ask answered with a stream although no stream was asked for")
        return answer

    def list_documents(self, limit: int, cursor: str | None) -> DocumentPage:
        engine = self.services.engines(self.namespace)
        return routes_documents.list_documents(self.namespace, engine, self.services, limit, cursor)

    def get_document(self, document_id: str) -> DocumentOut:
        engine = self.services.engines(self.namespace)
        return routes_documents.get_document(document_id, self.namespace, engine, self.services)

    def job_status(self, job_id: str) -> JobOut:
        caller = Caller(admin=False, namespace=self.namespace)  # a job of another namespace is "not found"
        return routes_documents.get_job(job_id, self.services, caller)
