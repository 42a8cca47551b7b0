"""The short offline answer (pure): the kind of answer a question asks for, and the passage span that fits it.

A question asks for a kind of thing ("who" → a person, "when" → a date, "how many" → a number,
"where" / "which country" → a place, …). The passages' sentences come parsed into spans (named
entities with spaCy's labels, and noun chunks); the answer is the span that fits the kind best in
the sentence that shares most with the question, never a span the question already names.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from enum import Enum

from memrag.memory.retrieval.terms import content_stems

NOUN_CHUNK = "NOUN_CHUNK"  # the label of a span that is a noun chunk, not a named entity


class AnswerKind(Enum):
    PERSON = "person"
    DATE = "date"
    NUMBER = "number"
    PLACE = "place"
    ORGANISATION = "organisation"
    NATIONALITY = "nationality"
    ANY = "any"


# The earliest match in the question wins; at one position, the first pattern listed.
_KIND_PATTERNS: tuple[tuple[re.Pattern[str], AnswerKind], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), kind)
    for pattern, kind in (
        (
            r"\bhow (many|much|old|long|far|tall|high|large|big)\b|\bwhat (number|percentage|amount)\b|\bpopulation\b",
            AnswerKind.NUMBER,
        ),
        (r"\bwhen\b|\b(what|which) (year|date|day|month|century|decade|time|era|period)\b", AnswerKind.DATE),
        (r"\bnationality\b", AnswerKind.NATIONALITY),
        (
            r"\b(what|which) (city|country|state|town|county|continent|region|place|province|island|nation|"
            r"capital|location|area|village|district|part)\b|\bwhere\b",
            AnswerKind.PLACE,
        ),
        (
            r"\b(what|which) (company|team|club|organi[sz]ation|university|college|school|party|band|label|"
            r"network|newspaper|agency|firm|airline|group)\b",
            AnswerKind.ORGANISATION,
        ),
        (
            r"\bwho(m|se)?\b|\b(what|which) (person|man|woman|mayor|king|queen|president|actor|actress|author|"
            r"writer|director|singer|player|artist|composer|architect|leader|founder|ruler|emperor|wife|husband)\b",
            AnswerKind.PERSON,
        ),
    )
)

# spaCy (OntoNotes) labels that answer each kind: first tuple fits fully, second half as well.
_FITS: dict[AnswerKind, tuple[frozenset[str], frozenset[str]]] = {
    AnswerKind.PERSON: (frozenset({"PERSON"}), frozenset({"ORG", "NORP"})),
    AnswerKind.DATE: (frozenset({"DATE"}), frozenset({"TIME", "CARDINAL"})),
    AnswerKind.NUMBER: (frozenset({"CARDINAL", "QUANTITY", "MONEY", "PERCENT"}), frozenset({"DATE", "TIME"})),
    AnswerKind.PLACE: (frozenset({"GPE", "LOC", "FAC"}), frozenset({"ORG", "NORP"})),
    AnswerKind.ORGANISATION: (frozenset({"ORG"}), frozenset({"PERSON", "GPE", "FAC", "NORP"})),
    AnswerKind.NATIONALITY: (frozenset({"NORP"}), frozenset({"GPE"})),
}
_NOUN_CHUNK_FIT = 0.2  # a noun chunk when a typed entity was asked for (NER misses some)
_PASSAGE_SHARE = 0.5  # weight of the passage's share of the question (chosen on musique-100)
_HALF_FIT_FOR_ANY = frozenset(
    {"CARDINAL", "ORDINAL", "QUANTITY", "MONEY", "PERCENT", "DATE", "TIME"}
)  # "when", "how many" ask for these


@dataclass(frozen=True)
class Span:
    """A phrase of a sentence: a named entity (spaCy label) or a noun chunk (`NOUN_CHUNK`)."""

    text: str
    label: str

    @functools.cached_property
    def stems(self) -> tuple[str, ...]:
        """The phrase's distinct content stems, found once: a parsed passage is kept (`SentenceSpans`) and
        read again for every question that retrieves it (a tuple: a third of a small set's memory)."""
        return tuple(content_stems(self.text))


@dataclass(frozen=True)
class ParsedSentence:
    """One sentence of a passage with its spans, in reading order."""

    text: str
    spans: tuple[Span, ...]

    @functools.cached_property
    def stems(self) -> frozenset[str]:
        """The sentence's content stems, found once (as `Span.stems`)."""
        return content_stems(self.text)


@dataclass(frozen=True)
class ShortAnswer:
    """The chosen span, the sentence it came from (its support) and the passage number (from 1)."""

    text: str
    support: str
    passage: int
    fit: float  # how well the span's label fits the question's kind, 0..1


def answer_kind(question: str) -> AnswerKind:
    """The kind of answer a question asks for, from its first wh-phrase ("Who ruled the country …?" asks
    for a person); `ANY` when its wording names none."""
    found = [
        (m.start(), order, kind)
        for order, (pattern, kind) in enumerate(_KIND_PATTERNS)
        if (m := pattern.search(question))
    ]
    return min(found)[2] if found else AnswerKind.ANY


def fit(span: Span, kind: AnswerKind) -> float:
    """How well a span answers a question of this kind: 1 fits, 0.5 may, 0.2 a noun chunk, 0 does not."""
    if span.label == NOUN_CHUNK:
        return 0.5 if kind is AnswerKind.ANY else _NOUN_CHUNK_FIT
    if kind is AnswerKind.ANY:
        return 0.5 if span.label in _HALF_FIT_FOR_ANY else 1.0
    full, partial = _FITS[kind]
    if span.label in full:
        return 1.0
    if span.label in partial and (span.label != "CARDINAL" or _looks_like_year(span.text)):
        return 0.5
    return 0.0


def sentence_overlap(asked: AbstractSet[str], found: AbstractSet[str], number: int) -> float:
    """How much a sentence (its content stems: `found`) shares with the question's content words (long
    sentences discounted), earlier passages first."""
    return len(found & asked) / (1 + len(found) ** 0.5) + 0.01 / number if found else 0.0


def choose_span(question: str, passages: Sequence[Sequence[ParsedSentence]]) -> ShortAnswer | None:
    """The best span over the passages' sentences (passages best first), or None when no sentence
    holds a span the question does not already name that fits its kind at all."""
    kind = answer_kind(question)
    asked = content_stems(question)
    best: tuple[float, ShortAnswer] | None = None
    for number, sentences in enumerate(passages, 1):
        topic = _PASSAGE_SHARE * _share(asked, frozenset().union(*(s.stems for s in sentences)))
        for sentence in sentences:
            overlap = sentence_overlap(asked, sentence.stems, number) + topic
            for span in sentence.spans:
                span_fit = fit(span, kind)
                if span_fit == 0.0 or _named_in(span.stems, asked):
                    continue
                score = span_fit * overlap
                if best is None or score > best[0]:
                    best = (score, ShortAnswer(span.text, sentence.text, number, span_fit))
    return None if best is None else best[1]


def _share(asked: AbstractSet[str], found: AbstractSet[str]) -> float:
    """The share of the question's content words found in a text (its content stems: `found`; a
    passage's are the union of its sentences': no word runs across two sentences)."""
    return len(asked & found) / len(asked) if asked else 0.0


def _named_in(found: Sequence[str], asked: AbstractSet[str]) -> bool:
    """Every content word of a span (its stems: `found`) is in the question: it restates the question,
    it does not answer it."""
    return all(s in asked for s in found)


def _looks_like_year(text: str) -> bool:
    return bool(re.fullmatch(r"\d{3,4}", text.strip()))
