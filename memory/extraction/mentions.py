"""What a token of a parsed passage stands for: the passage's topic (its title), a named entity or a noun phrase.

The title is the passage's topic, as an LLM extractor treats it: personal pronouns, "the journal" in a
passage that says "X is a journal", a person's bare surname, a relative pronoun's antecedent that is
the topic, and the noun a copula or an apposition equates with the topic all stand for the title, so
that the passage's facts hang on one node that other passages name. Pure: reads spaCy tokens only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from memrag.memory.ids import normalize_entity

SKIPPED_ENTITY_LABELS = frozenset({"CARDINAL", "ORDINAL", "PERCENT", "QUANTITY", "MONEY"})
MAX_PHRASE_TOKENS = 8
_ARTICLES = frozenset({"the", "a", "an"})
_RELATIVE_PRONOUNS = frozenset({"who", "which", "that", "whom"})
_DEFINITE = frozenset({"the", "this", "its", "that"})
MAX_HOPS = 4  # links followed from a token to what it stands for (appos → attr → subject → ...)


@dataclass(frozen=True)
class Topic:
    """The passage's title (article dropped) and the common nouns that stand for it there."""

    title: str
    kinds: frozenset[str]  # lower-case lemmas: "journal" once the passage says "X is a journal"
    words: frozenset[str]  # the title's words, lower-case ("the integral" in "Riemann integral")
    surname: str = ""  # last word of a title of several words: "Hall" alone is "G. Stanley Hall"
    entities: dict[int, Any] = field(default_factory=dict)  # token index → its named-entity span
    chunks: dict[int, Any] = field(default_factory=dict)  # token index → its noun chunk


def topic_of(doc: Any, title: str) -> Topic:
    """The topic of a parsed passage: the kinds are the nouns a copula gives the title ("X is a journal")."""
    name = strip_article(title)
    words = frozenset(w.lower() for w in name.split())
    surname = name.split()[-1].lower() if len(name.split()) > 1 and name.split()[-1][:1].isupper() else ""
    entities = {i: ent for ent in doc.ents for i in range(ent.start, ent.end)}  # one pass: lookups stay O(1)
    chunks = {i: chunk for chunk in doc.noun_chunks for i in range(chunk.start, chunk.end)}
    topic = Topic(name, frozenset(), words, surname, entities, chunks)
    kinds = set()
    for token in doc:
        if token.dep_ == "attr" and token.pos_ == "NOUN" and token.head.lemma_ == "be":
            subjects = [c for c in token.head.children if c.dep_ in ("nsubj", "nsubjpass")]
            if subjects and name and stands_for(subjects[0], topic) == name:
                kinds.add(token.lemma_.lower())
    return Topic(name, frozenset(kinds), words, surname, entities, chunks)


def stands_for(token: Any, topic: Topic, hops: int = 0) -> str:
    """The phrase a token names: the title when it refers to the topic, else its entity or noun chunk.
    `hops` = MAX_HOPS reads the token as it is (the object of its own copula is not its subject)."""
    if is_title_span(token, topic):
        return topic.title
    if hops < MAX_HOPS:
        antecedent = _antecedent(token)
        if antecedent is not None:
            return stands_for(antecedent, topic, hops + 1)
    if token.pos_ == "PRON":
        return topic.title
    if topic.title and _is_topic(token, topic):
        return topic.title
    return phrase(token, topic)


def is_title_span(token: Any, topic: Topic) -> bool:
    """The token heads the title's own words ("Culture, Society and Masculinities" parsed as three nouns)."""
    if not topic.title or token.n_lefts + token.n_rights == 0:
        return False
    span = token.doc[token.left_edge.i : token.right_edge.i + 1]
    return normalize_entity(strip_article(span.text)) == normalize_entity(topic.title)


def _antecedent(token: Any) -> Any:
    """The token this one is equated with: a relative pronoun's noun, an apposition's head, the subject of
    "X is a journal" for the journal (so "a journal published by Y" is X's fact)."""
    if token.lower_ in _RELATIVE_PRONOUNS and token.head.dep_ == "relcl":
        return token.head.head
    if token.dep_ == "appos":
        return token.head
    if token.dep_ == "attr" and token.pos_ == "NOUN" and token.head.lemma_ == "be":
        subjects = [c for c in token.head.children if c.dep_ in ("nsubj", "nsubjpass")]
        return subjects[0] if subjects else None
    return None


def _is_topic(token: Any, topic: Topic) -> bool:
    """ "The journal" in a passage about a journal; "Hall" in the passage titled "G. Stanley Hall"."""
    if token.pos_ == "NOUN" and token.lemma_.lower() in topic.kinds | topic.words:
        determiners = {c.lower_ for c in token.children if c.dep_ in ("det", "poss")}
        return bool(determiners & _DEFINITE)
    if token.pos_ == "PROPN" and topic.surname and token.lower_ == topic.surname:
        entity = topic.entities.get(token.i)
        return entity is None or len(entity) == 1
    return False


def phrase(token: Any, topic: Topic) -> str:
    """The named entity or noun chunk around a token (no article, no possessive, no stray punctuation)."""
    entity = topic.entities.get(token.i)
    if entity is not None and entity.label_ not in SKIPPED_ENTITY_LABELS:
        return entity_text(entity)
    named = [c for c in token.children if c.dep_ == "appos" and c.i in topic.entities]
    if token.pos_ == "NOUN" and named:  # "the American company Prometheus Global Media": the name
        return phrase(named[0], topic)
    chunk = topic.chunks.get(token.i)
    if chunk is not None:
        words = [t for t in chunk if t.dep_ != "det" and t.pos_ not in ("PRON", "PUNCT")]
        return " ".join(t.text for t in words[-MAX_PHRASE_TOKENS:]).strip()
    return str(token.text).strip() if token.pos_ in ("PROPN", "NOUN", "NUM") else ""


def entity_text(entity: Any) -> str:
    """A named entity's name: leading article and trailing possessive ("Hall's" → "Hall") dropped."""
    tokens = list(entity)
    while tokens and (tokens[-1].tag_ in ("POS", "CC") or tokens[-1].dep_ == "case" or tokens[-1].is_punct):
        tokens.pop()
    text = "".join(t.text_with_ws for t in tokens).strip()
    return strip_article(text)


def strip_article(text: str) -> str:
    words = text.strip().split(" ")
    return " ".join(words[1:] if len(words) > 1 and words[0].lower() in _ARTICLES else words).strip()
