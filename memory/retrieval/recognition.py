"""Recognition memory (DESIGN §5 step 3): the LLM keeps the relevant candidate facts, matched back strictly."""

from __future__ import annotations

from collections.abc import Sequence

from memrag.memory.ids import normalize_entity
from memrag.memory.llm.json_reply import parse_triples
from memrag.memory.llm.prompts import recognition_messages
from memrag.memory.llm.usage import UsageMeter
from memrag.memory.ports import ChatModel
from memrag.memory.types import ScoredFact

MAX_KEPT = 4


class KeepTopFacts:
    """Recognition without an LLM: keep the top candidates (all of them by default)."""

    def __init__(self, limit: int | None = None) -> None:
        self._limit = limit

    def select(self, query: str, candidates: Sequence[ScoredFact], meter: UsageMeter | None = None) -> list[ScoredFact]:
        return list(candidates[: self._limit])


class LlmRecognition:
    """A fact the LLM names that is not among the candidates (after normalisation) is dropped."""

    def __init__(self, chat: ChatModel) -> None:
        self._chat = chat
        self.invented = 0  # facts named by the LLM that were not candidates

    def select(self, query: str, candidates: Sequence[ScoredFact], meter: UsageMeter | None = None) -> list[ScoredFact]:
        if not candidates:
            return []
        shown = [(c.fact.subject, c.fact.predicate, c.fact.object) for c in candidates]
        reply = parse_triples(
            self._chat.complete(recognition_messages(query, shown), max_tokens=512, meter=meter), key="fact"
        )
        wanted = {tuple(normalize_entity(x) for x in (t.subject, t.predicate, t.object)) for t in reply.triples}
        kept = [c for c, key in zip(candidates, shown, strict=True) if key in wanted]
        self.invented += len(wanted - set(shown))
        return kept[:MAX_KEPT]
