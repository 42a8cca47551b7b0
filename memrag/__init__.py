"""memrag: a long-term, non-parametric memory for LLMs (HippoRAG 2 retrieval) — the one front door.

    import memrag

    async with memrag.open_memory(memrag.Settings(data_dir="./memrag-data")) as memory:
        await memory.add([memrag.DocumentInput(text="Ada Lovelace wrote the first program.")])
        answer = await memory.ask("Who wrote the first program?")

Importing this package is cheap: each name loads its module on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from memrag.memory.async_memory import Memory
    from memrag.memory.errors import InvalidInput, MemragError, ModelError, NotFound, StorageError
    from memrag.memory.params import IndexParams, RetrievalParams
    from memrag.memory.retrieval.reader import Answer, Citation
    from memrag.memory.settings import Settings
    from memrag.memory.types import Document, DocumentInput, Hit, Retrieval, ScoredFact, Seed
    from memrag.memory.wiring import open_memory

__all__ = [
    "Answer",
    "Citation",
    "Document",
    "DocumentInput",
    "Hit",
    "IndexParams",
    "InvalidInput",
    "Memory",
    "MemragError",
    "ModelError",
    "NotFound",
    "Retrieval",
    "RetrievalParams",
    "ScoredFact",
    "Seed",
    "Settings",
    "StorageError",
    "open_memory",
]

_HOME = {
    "Memory": "memrag.memory.async_memory",
    "open_memory": "memrag.memory.wiring",
    "Settings": "memrag.memory.settings",
    "IndexParams": "memrag.memory.params",
    "RetrievalParams": "memrag.memory.params",
    "Answer": "memrag.memory.retrieval.reader",
    "Citation": "memrag.memory.retrieval.reader",
    **{name: "memrag.memory.types" for name in ("Document", "DocumentInput", "Hit", "Retrieval", "ScoredFact", "Seed")},
    **{
        name: "memrag.memory.errors"
        for name in ("InvalidInput", "MemragError", "ModelError", "NotFound", "StorageError")
    },
}


def __getattr__(name: str) -> Any:
    """Load a public name's module on first use (PEP 562), so `import memrag` stays cheap."""
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module 'memrag' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
