"""What adding documents will cost, before anything is spent: passages, LLM calls and tokens.

The documents are cut into passages exactly as indexing will cut them; documents already stored
with the same content, and passages whose OpenIE is cached, cost nothing. The LLM figures are
the extractor's own estimate (`MeteredExtractor.estimate`); an extractor without an LLM (the
offline one, recorded triples) costs no calls. No LLM is called and nothing is embedded or stored.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from memrag.memory.indexing.prepare import Preparer, content_hash, identify
from memrag.memory.llm.usage import Usage
from memrag.memory.ports import MeteredExtractor
from memrag.memory.storage.record_store import RecordStore
from memrag.memory.types import DocumentInput


@dataclass(frozen=True)
class Estimate:
    """Expected cost of an add: `usage` holds the expected LLM calls and tokens (no embedding time)."""

    documents: int
    unchanged_documents: int  # stored already with the same content: skipped, free
    passages: int  # passages to index (distinct texts of the changed documents)
    extractor: str
    usage: Usage


def estimate_add(preparer: Preparer, store: RecordStore, documents: Sequence[DocumentInput]) -> Estimate:
    """The cost of adding `documents` (checked against the input bounds first, as an add is)."""
    docs = identify(documents)
    stored = {d.id: d.content_hash for d in store.get_documents([doc_id for doc_id, _ in docs])}
    changed = [doc for doc_id, doc in docs if stored.get(doc_id) != content_hash(doc)]
    texts = list(dict.fromkeys(t for doc in changed for t in preparer.chunker.split(doc.text, doc.title)))
    extractor = preparer.extractor
    usage = extractor.estimate(texts) if isinstance(extractor, MeteredExtractor) else Usage()
    return Estimate(len(docs), len(docs) - len(changed), len(texts), extractor.name, usage)
