"""OpenIE through an LLM as in HippoRAG 2: a named-entity call, then a triple call given those entities.

Results are cached per (model, prompt version, passage), so indexing the same text again makes
no LLM call. Unreadable replies and malformed rows are counted, never evaluated. What each
passage cost is returned by `extract_metered`; `estimate` says what passages will cost before
any call is made.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from memrag.memory.ids import content_id
from memrag.memory.llm.json_reply import parse_entities, parse_triples
from memrag.memory.llm.prompts import PROMPT_VERSION, ner_messages, triple_messages
from memrag.memory.llm.usage import Usage, UsageMeter, approximate_tokens, prompt_tokens
from memrag.memory.ports import ChatModel
from memrag.memory.storage.json_cache import SqliteJsonCache
from memrag.memory.types import Extraction, Triple

# Reply length per passage token, from GPT-3.5-turbo's recorded OpenIE on the first 945 passages of
# musique-100 (counted with `approximate_tokens`): 0.373 for the named entities, 1.159 for the triples
# (the other 945 give 0.365 and 1.135). A model that writes more or fewer triples moves these.
NER_REPLY_PER_PASSAGE_TOKEN = 0.37
TRIPLES_REPLY_PER_PASSAGE_TOKEN = 1.16


@dataclass
class ExtractionStats:
    """What the LLM got wrong: malformed rows dropped, replies that were not JSON."""

    dropped_rows: int = 0
    unreadable_replies: int = 0


class LlmExtractor:
    """Extractor port on a ChatModel; passages are extracted concurrently (the client caps requests)."""

    def __init__(
        self,
        chat: ChatModel,
        cache: SqliteJsonCache,
        workers: int = 8,
        count_tokens: Callable[[str], int] = approximate_tokens,
    ) -> None:
        """`count_tokens` counts tokens for `estimate` (the unit the endpoint is expected to report in)."""
        self._chat, self._cache, self._workers = chat, cache, workers
        self._count_tokens = count_tokens
        self._lock = threading.Lock()
        self.stats = ExtractionStats()

    @property
    def name(self) -> str:
        return f"llm:{self._chat.name}"

    def extract(self, passages: Sequence[str]) -> list[Extraction]:
        """One extraction per passage; a ModelError (LLM unreachable after retries) propagates."""
        return self.extract_metered(passages)[0]

    def extract_metered(self, passages: Sequence[str]) -> tuple[list[Extraction], list[Usage]]:
        """One extraction per passage and what it cost (nothing for a passage found in the cache)."""
        if len(passages) <= 1:
            done = [self._metered(p) for p in passages]
        else:
            with ThreadPoolExecutor(max_workers=self._workers) as pool:
                done = list(pool.map(self._metered, passages))
        return [extraction for extraction, _ in done], [usage for _, usage in done]

    def estimate(self, passages: Sequence[str]) -> Usage:
        """The LLM calls and tokens extracting these passages is expected to cost: nothing for a
        cached one; else the two prompts as they will be sent (the entity list inside the second
        one estimated), and replies as long as GPT-3.5's were per passage token."""
        cost = Usage()
        for passage in dict.fromkeys(passages):
            if self._cache.get(self._key(passage)) is None:
                cost = cost + self.expected(passage)
        return cost

    def expected(self, passage: str) -> Usage:
        """What extracting one passage is expected to cost, were it not cached."""
        size = self._count_tokens(passage)
        entities_reply = round(size * NER_REPLY_PER_PASSAGE_TOKEN)
        no_entities = self._count_tokens(json.dumps({"named_entities": []}))
        ner_prompt = prompt_tokens(ner_messages(passage), self._count_tokens)
        triple_prompt = prompt_tokens(triple_messages(passage, []), self._count_tokens) - no_entities + entities_reply
        triples_reply = round(size * TRIPLES_REPLY_PER_PASSAGE_TOKEN)
        return Usage(2, ner_prompt + triple_prompt, entities_reply + triples_reply)

    def _key(self, passage: str) -> str:
        return content_id("openie", self._chat.name, PROMPT_VERSION, passage)

    def _metered(self, passage: str) -> tuple[Extraction, Usage]:
        meter = UsageMeter()
        return self._one(passage, meter), meter.total

    def _one(self, passage: str, meter: UsageMeter) -> Extraction:
        key = self._key(passage)
        cached = self._cache.get(key)
        if isinstance(cached, dict):
            return _from_json(cached)
        ner = parse_entities(self._chat.complete(ner_messages(passage), meter=meter))
        triples = parse_triples(self._chat.complete(triple_messages(passage, ner.entities), meter=meter))
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
