"""OpenIE through an LLM as in HippoRAG 2: a named-entity call, then a triple call given those entities.

Results are cached per (model, prompt version, passage), so indexing the same text again makes
no LLM call. Unreadable replies and malformed rows are counted, never evaluated.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from memrag.memory.ids import content_id
from memrag.memory.llm.json_reply import parse_entities, parse_triples
from memrag.memory.llm.prompts import PROMPT_VERSION, ner_messages, triple_messages
from memrag.memory.ports import ChatModel
from memrag.memory.storage.json_cache import SqliteJsonCache
from memrag.memory.types import Extraction, Triple


@dataclass
class ExtractionStats:
    """What the LLM got wrong: malformed rows dropped, replies that were not JSON."""

    dropped_rows: int = 0
    unreadable_replies: int = 0


class LlmExtractor:
    """Extractor port on a ChatModel; passages are extracted concurrently (the client caps requests)."""

    def __init__(self, chat: ChatModel, cache: SqliteJsonCache, workers: int = 8) -> None:
        self._chat, self._cache, self._workers = chat, cache, workers
        self._lock = threading.Lock()
        self.stats = ExtractionStats()

    @property
    def name(self) -> str:
        return f"llm:{self._chat.name}"

    def extract(self, passages: Sequence[str]) -> list[Extraction]:
        """One extraction per passage; a ModelError (LLM unreachable after retries) propagates."""
        if len(passages) <= 1:
            return [self._one(p) for p in passages]
        with ThreadPoolExecutor(max_workers=self._workers) as pool:
            return list(pool.map(self._one, passages))

    def _one(self, passage: str) -> Extraction:
        key = content_id("openie", self._chat.name, PROMPT_VERSION, passage)
        cached = self._cache.get(key)
        if isinstance(cached, dict):
            return _from_json(cached)
        ner = parse_entities(self._chat.complete(ner_messages(passage)))
        triples = parse_triples(self._chat.complete(triple_messages(passage, ner.entities)))
        self._note(dropped=ner.dropped + triples.dropped, unreadable=int(ner.unreadable) + int(triples.unreadable))
        extraction = Extraction(ner.entities, triples.triples)
        self._cache.put(key, _to_json(extraction))
        return extraction

    def _note(self, dropped: int, unreadable: int) -> None:
        with self._lock:
            self.stats.dropped_rows += dropped
            self.stats.unreadable_replies += unreadable


def _to_json(extraction: Extraction) -> dict[str, object]:
    return {
        "entities": list(extraction.entities),
        "triples": [[t.subject, t.predicate, t.object] for t in extraction.triples],
    }


def _from_json(data: dict[str, object]) -> Extraction:
    entities = data.get("entities")
    triples = data.get("triples")
    return Extraction(
        tuple(str(e) for e in entities) if isinstance(entities, list) else (),
        tuple(Triple(*map(str, t)) for t in triples if isinstance(t, list) and len(t) == 3)
        if isinstance(triples, list)
        else (),
    )
