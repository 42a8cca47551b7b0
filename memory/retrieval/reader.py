"""Reading (DESIGN §5 step 7): an answer from the top passages, citing the passages and documents used."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from memrag.memory.extraction.offline import split_title
from memrag.memory.llm.prompts import reader_messages
from memrag.memory.ports import ChatModel
from memrag.memory.types import Hit

_MARK = re.compile(r"\[(\d+)\]")
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Citation:
    number: int  # the [n] used in the answer text
    passage_id: str
    document_id: str
    text: str


@dataclass(frozen=True)
class Answer:
    text: str
    citations: tuple[Citation, ...]
    reader: str  # "llm:<model>" or "extractive (no LLM)"


def cite(text: str, hits: Sequence[Hit]) -> tuple[Citation, ...]:
    """Citations for the [n] markers in the text that name one of the hits, in order of first use."""
    numbers = dict.fromkeys(int(m) for m in _MARK.findall(text))
    return tuple(
        Citation(n, hits[n - 1].passage_id, hits[n - 1].doc_id, hits[n - 1].text)
        for n in numbers
        if 1 <= n <= len(hits)
    )


def stream_answer(reader: Reader, question: str, hits: Sequence[Hit]) -> Iterator[str | Answer]:
    """The answer as it is generated: its text in pieces, then, last, the whole `Answer` with its citations."""
    pieces: list[str] = []
    for piece in reader.stream(question, hits):
        pieces.append(piece)
        yield piece
    text = "".join(pieces)
    yield Answer(text, cite(text, hits), reader.name)


class Reader(Protocol):
    """Answers a question from retrieved passages, citing them."""

    @property
    def name(self) -> str: ...

    def answer(self, question: str, hits: Sequence[Hit]) -> Answer: ...

    def stream(self, question: str, hits: Sequence[Hit]) -> Iterator[str]: ...


class LlmReader:
    """The LLM answers from the numbered passages and cites them as [n]."""

    def __init__(self, chat: ChatModel) -> None:
        self._chat = chat

    @property
    def name(self) -> str:
        return f"llm:{self._chat.name}"

    def answer(self, question: str, hits: Sequence[Hit]) -> Answer:
        text = self._chat.complete(reader_messages(question, [h.text for h in hits]), max_tokens=300).strip()
        return Answer(text, cite(text, hits), self.name)

    def stream(self, question: str, hits: Sequence[Hit]) -> Iterator[str]:
        """Answer text piece by piece (citations: `cite` on the joined text)."""
        return self._chat.stream(reader_messages(question, [h.text for h in hits]), max_tokens=300)


class ExtractiveReader:
    """No LLM: the passage sentence sharing most words with the question, cited; deterministic."""

    name = "extractive (no LLM)"

    def answer(self, question: str, hits: Sequence[Hit]) -> Answer:
        asked = {w.lower() for w in _WORD.findall(question)}
        best: tuple[float, int, str] | None = None
        for number, hit in enumerate(hits, 1):
            body = split_title(hit.text)[1]  # the title line is not a sentence of the passage
            for sentence in _SENTENCE.split(body.replace("\n", " ")):
                words = {w.lower() for w in _WORD.findall(sentence)}
                score = len(words & asked) / (1 + len(words) ** 0.5) + 0.01 / number
                if words and (best is None or score > best[0]):
                    best = (score, number, sentence.strip())
        if best is None:
            return Answer("Nothing in memory answers this.", (), self.name)
        text = f"{best[2]} [{best[1]}]"
        return Answer(text, cite(text, hits), self.name)

    def stream(self, question: str, hits: Sequence[Hit]) -> Iterator[str]:
        yield from re.findall(r"\S+\s*", self.answer(question, hits).text)
