"""Abstention (pure): when the retrieved passages do not answer a question, say so.

Offline, from what retrieval returned, two signals together:
- support: the share of the question's names (capitalised words after the first) that the retrieved
  passages contain; for a question naming nothing, the share of its key terms (content words),
  compared with the term-support threshold. A memory that holds nothing about the question
  returns passages that lack what it names ("What is the capital of France?" over a memory about a
  lighthouse: no "France").
- the retrieval's own confidence, `dense_top` (`QuerySignals.dense_top`, retrieval/fusion.py, or a
  dense ranking's first score; `Retrieval.dense_top`): the cosine of the best passage. A passage
  close to the question answers it even when the question's words are spread over passages not
  all retrieved (multi-hop questions).
The reader abstains when support is short AND the best passage is far. Without the cosine (a caller
that does not pass it) it abstains on term support alone, below `MIN_TERM_SUPPORT`.
With an LLM, the reader's prompt asks for `READER_NO_ANSWER` (`llm/prompts.py`) when the passages do
not answer; `is_abstention` recognises that reply and its usual paraphrases.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from memrag.memory.retrieval.fusion import QuerySignals
from memrag.memory.retrieval.terms import STOP, all_stems, stem

NO_ANSWER = "Nothing in memory answers this."
# Without retrieval signals: below this share of the question's key terms found in the passages, the
# offline reader abstains. Chosen on hotpotqa-300 (benchmarks/bench_abstention.py --sweep): the largest
# threshold swept that abstains on at most 5% of the full set.
MIN_TERM_SUPPORT = 0.6
# With retrieval signals: abstain when under MIN_SUPPORT of the question's names are found and
# dense_top < MIN_DENSE_TOP. Both chosen on hotpotqa-300 alone (benchmarks/bench_abstention.py --sweep):
# the pair with the most abstentions with the gold passages removed among those with no more false
# abstentions on the full set than the term-support rule (3.7%), ties to the fewer false ones:
# 47.7% gold removed, 2.7% false (term support alone: 37.7%, 3.7%).
MIN_SUPPORT = 1.0  # every name the question holds is in the passages
MIN_DENSE_TOP = 0.55


@dataclass(frozen=True)
class Thresholds:
    """When the offline reader abstains. With the best passage's cosine: it is below `min_dense_top` and
    under `min_support` of the question's names are found (a question naming nothing: term support
    under `min_term_support`). Without it: term support under `min_term_support`."""

    min_support: float = MIN_SUPPORT
    min_dense_top: float = MIN_DENSE_TOP
    min_term_support: float = MIN_TERM_SUPPORT


NEVER = Thresholds(0.0, 0.0, 0.0)  # a reader that never abstains (benchmarks: short answers alone)

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
    present = _present(passages)
    return sum(w for t, w in terms.items() if t in present) / sum(terms.values())


def name_support(question: str, passages: Sequence[str]) -> float | None:
    """The share (0..1) of the question's names found in the passages taken together; None for a
    question that names nothing."""
    names = [t for t, w in key_terms(question).items() if w == _NAME_WEIGHT]
    if not names:
        return None
    present = _present(passages)
    return sum(t in present for t in names) / len(names)


def supported(question: str, passages: Sequence[str], thresholds: Thresholds) -> bool:
    """The passages hold what the question names (at least `min_support` of its names), or, for a
    question naming nothing, enough of its key terms (`min_term_support`)."""
    names = name_support(question, passages)
    if names is None:
        return term_support(question, passages) >= thresholds.min_term_support
    return names >= thresholds.min_support


def answered(
    question: str, passages: Sequence[str], closest: float | None = None, thresholds: Thresholds = Thresholds()
) -> bool:
    """Whether the passages hold enough of the question to be read for an answer (module docstring);
    `closest`: the retrieval's `dense_top` (None: not known)."""
    if not passages:
        return False
    if closest is None:
        return term_support(question, passages) >= thresholds.min_term_support
    return closest >= thresholds.min_dense_top or supported(question, passages, thresholds)


def dense_top(signals: QuerySignals | None, ranked: Sequence[tuple[str, float]]) -> float | None:
    """The cosine of the passage closest to the query: the fusion's `dense_top` when the walk ran, else
    the first score of the ranking (a dense ranking: its scores are cosines); None when nothing ranked."""
    if signals is not None:
        return signals.dense_top
    return ranked[0][1] if ranked else None


def _present(passages: Sequence[str]) -> set[str]:
    return set().union(*(all_stems(text) for text in passages))


def is_abstention(reply: str) -> bool:
    """An LLM reply that says the passages do not answer: it cites nothing and opens (or, short, consists)
    with a refusal to know ("I don't know.", "The passages do not say.", "No information.")."""
    if _MARK.search(reply):
        return False  # a cited reply answers, even if it also says what the passages lack
    text = reply.strip().strip("\"'*").strip()
    return bool(_ABSTAINING.match(text)) or text.rstrip(".").lower() in {"unknown", "n/a", "none", "no answer"}
