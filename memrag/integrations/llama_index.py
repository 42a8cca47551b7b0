"""A llama-index retriever over an in-process memrag `Memory`, and llama-index documents sent to it.

    memory = memrag.open_memory()
    retriever = MemragRetriever(memory, top_k=5)
    engine = RetrieverQueryEngine.from_args(retriever, llm=...)

Nodes carry memrag's ids and provenance (`llama_nodes.to_node`). The retriever calls the same
engine as `Memory.retrieve`; llama-index's async path runs it off the event loop.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from llama_index.core.retrievers import BaseRetriever
from llama_index.core.schema import Document as LlamaDocument
from llama_index.core.schema import NodeWithScore, QueryBundle

from memrag.integrations.llama_nodes import PassageHit, document_inputs, hits_of_retrieval, to_node
from memrag.memory.async_memory import Memory
from memrag.memory.indexing.prepare import AddReport
from memrag.memory.params import RetrievalParams
from memrag.memory.types import Document, Retrieval


class MemragRetriever(BaseRetriever):
    """Passages memrag ranks for the query (HippoRAG 2), best first, as scored nodes."""

    def __init__(self, memory: Memory, top_k: int = 5, **kwargs: Any) -> None:
        """`top_k` passages per query; `kwargs` go to llama-index's `BaseRetriever` (callback_manager, ...)."""
        super().__init__(**kwargs)
        self._memory = memory
        self._params = RetrievalParams(top_k=top_k)

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        retrieval = self._memory.engine.retrieve(query_bundle.query_str, self._params)
        return self._nodes(retrieval)

    async def _aretrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        retrieval = await self._memory.retrieve(query_bundle.query_str, self._params)
        return self._nodes(retrieval)

    def _nodes(self, retrieval: Retrieval) -> list[NodeWithScore]:
        """Nodes with their documents' titles and metadata (one store read for all of them)."""
        hits = hits_of_retrieval(retrieval)
        wanted = sorted({h.document_id for h in hits})
        documents = {d.id: d for d in self._memory.engine.store.get_documents(wanted)}
        return [to_node(_with_document(h, documents.get(h.document_id))) for h in hits]


def _with_document(hit: PassageHit, document: Document | None) -> PassageHit:
    if document is None:  # deleted between ranking and this read: the passage still stands on its own
        return hit
    return replace(hit, title=document.title, document_metadata=document.metadata)


async def add_documents(memory: Memory, documents: Sequence[LlamaDocument], keep_ids: bool = False) -> AddReport:
    """Index llama-index documents into the memory (see `llama_nodes.document_inputs` for the ids)."""
    return await memory.add(document_inputs(documents, keep_ids))
