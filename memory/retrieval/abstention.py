"""Abstention (pure): when the retrieved passages do not answer a question, say so.

Offline, from what retrieval returned: the share of the question's key terms (its content words,
names counted twice) that the retrieved passages contain. A memory that holds nothing about the
question returns passages that share almost none of its terms ("What is the capital of France?"
over a memory about a lighthouse: neither "capital" nor "France"). With an LLM, the reader's
prompt asks for `READER_NO_ANSWER` (`llm/prompts.py`) when the passages do not answer; `is_abstention` recognises that
reply and its usual paraphrases.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from memrag.memory.retrieval.terms import STOP, all_stems, stem

NO_ANSWER = "Nothing in memory answers this."
# Below this share of the question's key terms found in the passages, the offline reader abstains.
# Chosen on hotpotqa-300 with benchmarks/bench_abstention.py --sweep: the largest threshold swept that
# abstains on at most 5% of the full set (0.6: 4.0% false, 36% with the gold passages removed).
MIN_TERM_SUPPORT = 0.6

_MARK = re.compile(r"\[\d+\]")
_WORD = re.compile(r"\w+")
_NAME_WEIGHT = 2.0
_ABSTAINING = re.compile(
    r"^(i (do not|don't|cannot|can't) (know|answer|tell|say)|"
    r"(the )?(passages?|context|documents?|memory|texts?) (do|does) not (say|contain|mention|answer|state|provide)|"
    r"(there is )?no (information|answer|passage)|"
    r"(this|it) (cannot|can't|can not) be (answered|determined)|"
    r"(i am|i'm) (not sure|unable)|unknown$|not (stated|mentioned|given|known)|"
    r"nothing in (memory|the passages))",
    re.IGNORECASE,
)


def key_terms(question: str) -> dict[str, float]:
    """The question's content words, stemmed, each with its weight (names: capitalised after the first word)."""
    terms: dict[str, float] = {}
    for position, word in enumerate(_WORD.findall(question)):
        if word.lower() in STOP or (len(word) < 3 and not word.isdigit()):
            continue
        weight = _NAME_WEIGHT if position > 0 and word[0].isupper() else 1.0
        terms[stem(word)] = max(terms.get(stem(word), 0.0), weight)
    return terms


def term_support(question: str, passages: Sequence[str]) -> float:
    """The weighted share (0..1) of the question's key terms found in the passages taken together;
    1 for a question without key terms (nothing to check against)."""
    terms = key_terms(question)
    if not terms:
        return 1.0
    present = set().union(*(all_stems(text) for text in passages))
    return sum(w for t, w in terms.items() if t in present) / sum(terms.values())


def answered(question: str, passages: Sequence[str], threshold: float = MIN_TERM_SUPPORT) -> bool:
    """Whether the passages hold enough of the question to be read for an answer."""
    return bool(passages) and term_support(question, passages) >= threshold


def is_abstention(reply: str) -> bool:
    """An LLM reply that says the passages do not answer: it cites nothing and opens (or, short, consists)
    with a refusal to know ("I don't know.", "The passages do not say.", "No information.")."""
    if _MARK.search(reply):
        return False  # a cited reply answers, even if it also says what the passages lack
    text = reply.strip().strip("\"'*").strip()
    return bool(_ABSTAINING.match(text)) or text.rstrip(".").lower() in {"unknown", "n/a", "none", "no answer"}
