"""`Memory`: the async face of the engine for Python users; CPU and store work run off the event loop."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from memrag.memory.engine import Engine
from memrag.memory.indexing.prepare import AddReport
from memrag.memory.params import RetrievalParams
from memrag.memory.retrieval.reader import Answer
from memrag.memory.types import Document, DocumentInput, Retrieval


class Memory:
    """A long-term memory over one namespace: add documents, retrieve passages, delete documents."""

    def __init__(self, engine: Engine, params: RetrievalParams | None = None) -> None:
        self._engine = engine
        self.params = params or RetrievalParams()

    @property
    def engine(self) -> Engine:
        return self._engine

    async def add(self, documents: Sequence[DocumentInput | str]) -> AddReport:
        inputs = [DocumentInput(text=d) if isinstance(d, str) else d for d in documents]
        return await asyncio.to_thread(self._engine.add, inputs)

    async def retrieve(self, query: str, params: RetrievalParams | None = None) -> Retrieval:
        return await asyncio.to_thread(self._engine.retrieve, query, params or self.params)

    async def ask(self, question: str, params: RetrievalParams | None = None) -> tuple[Answer, Retrieval]:
        return await asyncio.to_thread(self._engine.ask, question, params or self.params)

    async def delete(self, doc_id: str) -> None:
        await asyncio.to_thread(self._engine.delete, doc_id)

    async def get(self, doc_id: str) -> Document:
        return await asyncio.to_thread(self._engine.get, doc_id)

    async def documents(self) -> list[Document]:
        return await asyncio.to_thread(self._engine.list_documents)

    async def close(self) -> None:
        await asyncio.to_thread(self._engine.close)

    async def __aenter__(self) -> Memory:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
