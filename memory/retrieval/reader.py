"""Reading (DESIGN §5 step 7): an answer from the top passages, citing the passages and documents used."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from memrag.memory.extraction.offline import split_title
from memrag.memory.llm.prompts import reader_messages
from memrag.memory.llm.usage import Usage, UsageMeter
from memrag.memory.ports import ChatModel
from memrag.memory.retrieval.abstention import NO_ANSWER, Thresholds, answered, is_abstention
from memrag.memory.retrieval.comparison import TitledPassage, answer_comparison
from memrag.memory.retrieval.sentence_spans import SentenceSpans
from memrag.memory.retrieval.short_answer import ParsedSentence, ShortAnswer, choose_span
from memrag.memory.types import Hit

_MARK = re.compile(r"\[(\d+)\]")
_PENDING = re.compile(r"(?:\[\d*)+\Z")  # an end that may yet become a marker: "[", "[7", "[7[8" (+ "]]")
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
    usage: Usage | None = None  # what reading cost (the reader's LLM call); None: not known (another reader)
    abstained: bool = False  # the passages do not answer the question: the text says so and cites nothing
    support: str = ""  # the offline reader's short answer: the sentence it was taken from ("" otherwise)

    @property
    def plain(self) -> str:
        """The text without its [n] citation markers (what EM/F1 score)."""
        return " ".join(_MARK.sub(" ", self.text).split())


def cite(text: str, hits: Sequence[Hit]) -> tuple[Citation, ...]:
    """Citations for the [n] markers in the text that name one of the hits, in order of first use."""
    numbers = dict.fromkeys(int(m) for m in _MARK.findall(text))
    return tuple(
        Citation(n, hits[n - 1].passage_id, hits[n - 1].doc_id, hits[n - 1].text)
        for n in numbers
        if 1 <= n <= len(hits)
    )


def shown_marks_only(text: str, shown: int) -> str:
    """The text without the [n] markers that name no passage shown (n outside 1..shown): a
    reader's answer cites only what it was given. A document can tell the model to write "[7]"
    when 3 passages were shown; that marker is removed from the answer rather than left in it
    uncited, so that every marker a user sees is a citation they can follow. Only the marker goes
    (the spaces around it stay), so the same text comes out however a stream cuts it."""
    while True:  # removing "[7]" from "[1[7]]" makes a new marker: repeat until none is left to drop
        kept = _MARK.sub(lambda m: m.group(0) if 1 <= int(m.group(1)) <= shown else "", text)
        if kept == text:
            return kept
        text = kept


def shown_marks_stream(pieces: Iterable[str], shown: int) -> Iterator[str]:
    """`shown_marks_only` over text arriving in pieces: an end that may still become a marker
    ("… [", "… [1", "… [7[8", which "]]" turns into "[7]" and then nothing) is held back until
    the next piece decides it, so the joined output equals `shown_marks_only` of the joined input
    however the pieces fall."""
    held = ""
    try:
        for piece in pieces:
            text = shown_marks_only(held + piece, shown)
            pending = _PENDING.search(text)
            cut = pending.start() if pending else len(text)
            held = text[cut:]
            if cut:
                yield text[:cut]
    except Exception:
        if held:  # the stream failed: what arrived before the failure is passed on, then the failure
            yield held
        raise
    if held:
        yield held  # never a whole marker: an unfinished one stays as it is


def stream_answer(
    reader: Reader,
    question: str,
    hits: Sequence[Hit],
    retrieval_cost: Usage | None = None,
    dense_top: float | None = None,
) -> Iterator[str | Answer]:
    """The answer as it is generated: its text in pieces, then, last, the whole `Answer` with its
    citations (and its usage, for memrag's own readers: reading plus `retrieval_cost`). Markers
    naming no passage shown are dropped from the pieces as they pass. `dense_top` (the retrieval's:
    `Retrieval.dense_top`) serves the offline reader's abstention."""
    if isinstance(reader, ExtractiveReader):  # answered whole (support, abstention), then streamed word by word
        whole = reader.answer(question, hits, dense_top)
        yield from re.findall(r"\S+\s*", whole.text)
        yield plus_retrieval_cost(whole, retrieval_cost or Usage())
        return
    meter = UsageMeter()
    if isinstance(reader, LlmReader):
        generated = reader.stream_metered(question, hits, meter)
    else:
        generated = reader.stream(question, hits)
    pieces: list[str] = []
    for piece in shown_marks_stream(generated, len(hits)):
        pieces.append(piece)
        yield piece
    text = "".join(pieces)
    known = isinstance(reader, LlmReader)  # another reader's cost is not known here
    answer = read_reply(text, hits, reader.name, meter.total if known else None)
    yield plus_retrieval_cost(answer, retrieval_cost or Usage())


def read_reply(text: str, hits: Sequence[Hit], reader: str, usage: Usage | None) -> Answer:
    """A reader's reply as an answer: an abstention cites nothing; any other reply cites its markers."""
    if is_abstention(text):
        return Answer(text, (), reader, usage, abstained=True)
    return Answer(text, cite(text, hits), reader, usage)


def plus_retrieval_cost(answer: Answer, spent: Usage) -> Answer:
    """The answer with what retrieving for it cost (recognition's LLM call) added to its usage; an
    answer whose usage is not known stays unknown."""
    return answer if answer.usage is None else replace(answer, usage=answer.usage + spent)


class Reader(Protocol):
    """Answers a question from retrieved passages, citing them."""

    @property
    def name(self) -> str: ...

    def answer(self, question: str, hits: Sequence[Hit], dense_top: float | None = None) -> Answer:
        """`dense_top`: the retrieval's confidence (`Retrieval.dense_top`), for readers that judge support by it."""
        ...

    def stream(self, question: str, hits: Sequence[Hit]) -> Iterator[str]: ...


class LlmReader:
    """The LLM answers from the numbered passages and cites them as [n]."""

    def __init__(self, chat: ChatModel) -> None:
        self._chat = chat

    @property
    def name(self) -> str:
        return f"llm:{self._chat.name}"

    def answer(self, question: str, hits: Sequence[Hit], dense_top: float | None = None) -> Answer:
        """The model judges from the passages themselves whether they answer (`dense_top` unused)."""
        meter = UsageMeter()
        reply = self._chat.complete(reader_messages(question, [h.text for h in hits]), max_tokens=300, meter=meter)
        return read_reply(shown_marks_only(reply, len(hits)).strip(), hits, self.name, meter.total)

    def stream(self, question: str, hits: Sequence[Hit]) -> Iterator[str]:
        """Answer text piece by piece (citations: `cite` on the joined text)."""
        return self.stream_metered(question, hits, None)

    def stream_metered(self, question: str, hits: Sequence[Hit], meter: UsageMeter | None) -> Iterator[str]:
        """`stream`, the call's usage added to `meter` once the reply is complete."""
        messages = reader_messages(question, [h.text for h in hits])
        return self._chat.stream(messages, max_tokens=300, meter=meter)


class ExtractiveReader:
    """No LLM, deterministic: for a comparison question ("Which film came out first, X or Y?"), the
    candidate the passages' dates or nationalities support (`comparison.py`); otherwise the span of the
    best passages that answers the question's kind (who → a person, when → a date, …; `short_answer.py`),
    cited, with its sentence as support; the best sentence when no span fits; "Nothing in memory answers
    this." when the passages lack what the question names and retrieval found nothing close
    (`abstention.py`)."""

    name = "extractive (no LLM)"

    def __init__(self, spans: SentenceSpans | None = None, thresholds: Thresholds | None = None) -> None:
        self._spans = spans or SentenceSpans()
        self._thresholds = thresholds or Thresholds()

    def answer(self, question: str, hits: Sequence[Hit], dense_top: float | None = None) -> Answer:
        """`dense_top`: the retrieval's cosine of the closest passage (`Retrieval.dense_top`), which
        abstention weighs; without it, abstention goes by term support alone."""
        if not answered(question, [h.text for h in hits], dense_top, self._thresholds):
            return Answer(NO_ANSWER, (), self.name, Usage(), abstained=True)
        parsed = self._spans.parse(hits)
        short = answer_comparison(question, titled(hits, parsed)) or choose_span(question, parsed)
        if short is None:
            return sentence_answer(question, hits, self.name)
        return short_answer(short, hits, self.name)

    def stream(self, question: str, hits: Sequence[Hit]) -> Iterator[str]:
        yield from re.findall(r"\S+\s*", self.answer(question, hits).text)


def titled(hits: Sequence[Hit], parsed: Sequence[Sequence[ParsedSentence]]) -> list[TitledPassage]:
    """The hits as the comparison reads them: each one's title line and parsed sentences."""
    return [TitledPassage(split_title(h.text)[0], tuple(p)) for h, p in zip(hits, parsed, strict=True)]


def short_answer(short: ShortAnswer, hits: Sequence[Hit], reader: str) -> Answer:
    """A short span answer, cited, with its sentence as support."""
    text = f"{short.text} [{short.passage}]"
    return Answer(text, cite(text, hits), reader, Usage(), support=short.support)


def sentence_answer(question: str, hits: Sequence[Hit], reader: str) -> Answer:
    """The passage sentence sharing most words with the question, quoted and cited (the offline
    reader's whole answer before short answers; now its answer when no span fits)."""
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
        return Answer(NO_ANSWER, (), reader, Usage(), abstained=True)
    quoted = _MARK.sub("", best[2]).strip()  # a document's own "[2]" is not a citation: only ours is
    text = f"{quoted} [{best[1]}]"
    return Answer(text, cite(text, hits), reader, Usage(), support=quoted)
