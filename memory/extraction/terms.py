"""Domain terms that spaCy's named-entity recogniser misses: multi-word noun phrases of the text (pure).

Technical text names its subject matter with compounds and modified nouns ("myocardial infarction",
"numerical integration", "beta blocker therapy") that carry no entity label. A term is a noun chunk
whose head is a noun, with 2 to 5 content words (nouns, proper nouns, adjectives), no named entity
inside, and no pronoun, number or determiner-like word left once articles are dropped.
"""

from __future__ import annotations

from typing import Any

MIN_TERM_WORDS = 2
MAX_TERM_WORDS = 5
_CONTENT = frozenset({"NOUN", "PROPN", "ADJ"})
_VAGUE = frozenset(
    {"other", "such", "many", "several", "various", "same", "own", "certain", "first", "last", "new", "few", "more"}
)


def domain_terms(doc: Any) -> list[str]:
    """The passage's terms in reading order, each once."""
    found: dict[str, None] = {}
    for chunk in doc.noun_chunks:
        term = _term(chunk)
        if term:
            found.setdefault(term, None)
    return list(found)


def _term(chunk: Any) -> str:
    if chunk.root.pos_ != "NOUN" or any(t.ent_type_ for t in chunk):
        return ""
    words = [t for t in chunk if t.dep_ not in ("det", "poss", "case") and not t.is_punct]
    if not MIN_TERM_WORDS <= len(words) <= MAX_TERM_WORDS:
        return ""
    if any(t.pos_ not in _CONTENT or t.lower_ in _VAGUE or t.like_num for t in words):
        return ""
    return " ".join(t.text for t in words)
