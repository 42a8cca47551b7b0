"""The readers bench_abstention compares, over the same retrieved passages, and the table it prints.

Readers, before and after this change side by side: the sentence answer (the oldest); the short span
as it was (no comparison answers) and as it is (comparison questions answered with the candidate
the passages support); the offline reader as it was shipped (abstains on term support < 0.6) and as
it is (abstains when the passages lack a name the question holds and the best passage's cosine is
low); the scripted LLM reader. The sweep lists abstention shares over a grid of the two thresholds.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from memrag.memory.eval.dataset import Dataset
from memrag.memory.eval.metrics import exact_match, token_f1
from memrag.memory.llm.usage import Usage
from memrag.memory.retrieval.abstention import (
    MIN_DENSE_TOP,
    MIN_SUPPORT,
    MIN_TERM_SUPPORT,
    NEVER,
    NO_ANSWER,
    Thresholds,
    answered,
    name_support,
    term_support,
)
from memrag.memory.retrieval.reader import Answer, ExtractiveReader, LlmReader, sentence_answer, short_answer
from memrag.memory.retrieval.sentence_spans import SentenceSpans
from memrag.memory.retrieval.short_answer import choose_span
from memrag.memory.types import Hit

TERM_SWEEP = (0.4, 0.5, 0.6, 0.7, 0.8)
SUPPORT_SWEEP = (0.5, 0.6, 0.7, 0.8, 1.0)
DENSE_TOP_SWEEP = (0.45, 0.5, 0.55, 0.6, 0.65, 0.7)


@dataclass(frozen=True)
class Asked:
    """One question read by every reader over the same retrieved passages."""

    term_support: float  # abstention.term_support of the passages shown
    name_support: float | None  # abstention.name_support (None: the question names nothing)
    dense_top: float | None  # the retrieval's Retrieval.dense_top (None: nothing retrieved)
    sentence: Answer  # the oldest offline answer: the best sentence
    span_before: Answer  # the short span without comparison answers (abstention off)
    span_after: Answer  # the short span with comparison answers (abstention off)
    shipped_before: Answer  # the offline reader as it was: term support < 0.6 abstains, no comparisons
    shipped_after: Answer  # the offline reader as it is (given the retrieval's dense top)
    llm: Answer | None  # the scripted LLM reader


@dataclass(frozen=True)
class Readers:
    spans: SentenceSpans
    offline: ExtractiveReader
    never_abstains: ExtractiveReader
    llm: LlmReader | None

    @staticmethod
    def make(llm: LlmReader | None) -> Readers:
        spans = SentenceSpans()  # every offline reader reads the same parsed passages
        return Readers(spans, ExtractiveReader(spans), ExtractiveReader(spans, NEVER), llm)


def read(question: str, hits: Sequence[Hit], dense_top: float | None, readers: Readers) -> Asked:
    texts = [h.text for h in hits]
    span = choose_span(question, readers.spans.parse(hits))
    before = sentence_answer(question, hits, "span") if span is None else short_answer(span, hits, "span")
    term_only = answered(question, texts, None, Thresholds(min_term_support=MIN_TERM_SUPPORT))
    return Asked(
        term_support(question, texts),
        name_support(question, texts),
        dense_top,
        sentence_answer(question, hits, "sentence"),
        before,
        readers.never_abstains.answer(question, hits),
        before if term_only else Answer(NO_ANSWER, (), "span", Usage(), abstained=True),
        readers.offline.answer(question, hits, dense_top),
        readers.llm.answer(question, hits) if readers.llm else None,
    )


def scores(answers: Sequence[Answer], dataset: Dataset) -> tuple[float, float]:
    """(EM, F1) in % of the answers' text without citation markers."""
    em = [exact_match(a.plain, q.answers) for a, q in zip(answers, dataset.questions, strict=True)]
    f1 = [token_f1(a.plain, q.answers) for a, q in zip(answers, dataset.questions, strict=True)]
    return 100 * float(np.mean(em)), 100 * float(np.mean(f1))


def share(flags: Sequence[bool]) -> float:
    return 100 * float(np.mean(flags)) if flags else 0.0


def report(dataset: Dataset, full: list[Asked], removed: list[Asked], sweep: bool) -> str:
    rule = f"names found < {MIN_SUPPORT} and dense top < {MIN_DENSE_TOP}"
    pick: dict[str, Callable[[Asked], Answer]] = {
        "sentence (oldest)": lambda a: a.sentence,
        "short span, no comparisons (before)": lambda a: a.span_before,
        "short span + comparisons (after)": lambda a: a.span_after,
        f"before, shipped: term support < {MIN_TERM_SUPPORT} abstains": lambda a: a.shipped_before,
        f"after, shipped: {rule} abstains": lambda a: a.shipped_after,
    }
    if full[0].llm is not None:
        pick["scripted LLM reader"] = lambda a: a.llm or a.sentence
    lines = [f"{dataset.name}: {len(dataset.questions)} questions", f"{'reader':<62}{'EM':>7}{'F1':>7}"]
    for name, chosen in pick.items():
        em, f1 = scores([chosen(a) for a in full], dataset)
        lines.append(f"{name:<62}{em:>7.1f}{f1:>7.1f}")
    lines.append(f"{'abstentions, %':<62}{'gold removed':>14}{'full set (false)':>18}")
    flags: dict[str, Callable[[Asked], bool]] = {
        f"offline before (term support < {MIN_TERM_SUPPORT})": lambda a: a.shipped_before.abstained,
        f"offline after ({rule})": lambda a: a.shipped_after.abstained,
    }
    if full[0].llm is not None:
        flags["scripted LLM reader"] = lambda a: bool(a.llm and a.llm.abstained)
    for name, flag in flags.items():
        lines.append(f"{name:<62}{share([flag(a) for a in removed]):>14.1f}{share([flag(a) for a in full]):>18.1f}")
    if sweep:
        lines += sweep_lines(full, removed)
    return "\n".join(lines)


def sweep_lines(full: Sequence[Asked], removed: Sequence[Asked]) -> list[str]:
    """Abstention shares (gold removed %, full set false %) for each threshold tried."""
    lines = ["sweep, term support alone (abstain when < t): t, gold removed %, full set (false) %"]
    for t in TERM_SWEEP:
        lines.append(
            f"  {t:.2f} {share([a.term_support < t for a in removed]):>7.1f} "
            f"{share([a.term_support < t for a in full]):>7.1f}"
        )
    lines.append("sweep (abstain when names found < s and dense top < d): s, d, gold removed %, full set (false) %")
    for s in SUPPORT_SWEEP:
        for d in DENSE_TOP_SWEEP:
            both = [share([_abstains(a, s, d) for a in asked]) for asked in (removed, full)]
            lines.append(f"  {s:.2f} {d:.2f} {both[0]:>7.1f} {both[1]:>7.1f}")
    return lines


def _abstains(asked: Asked, min_support: float, min_dense_top: float) -> bool:
    short = asked.term_support < MIN_TERM_SUPPORT
    if asked.dense_top is None:
        return short
    if asked.name_support is not None:
        short = asked.name_support < min_support
    return short and asked.dense_top < min_dense_top
