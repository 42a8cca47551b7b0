"""Triples read off a dependency parse: (subject, verb [+ preposition], object) for each clause (pure).

A verb without a subject of its own takes its head's ("founded in 1991 and covers research": both
verbs are the journal's); "a journal published by Y" makes the noun the subject; coordinated
subjects and objects give one triple each; a light noun passes to its "of" phrase ("on behalf of
X" → "publish on behalf of", X). Each part is what `mentions.stands_for` says the token names.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from memrag.memory.extraction.mentions import MAX_HOPS, Topic, is_title_span, stands_for
from memrag.memory.types import Triple

_SUBJECTS = frozenset({"nsubj", "nsubjpass"})
_OBJECTS = frozenset({"dobj", "attr", "oprd", "acomp"})
_SHARED_SUBJECT = frozenset({"conj", "xcomp", "advcl"})  # clauses that share their head verb's subject
_LIGHT_NOUNS = frozenset(
    {"behalf", "part", "member", "one", "form", "kind", "type", "series", "group", "variety", "range", "set", "number"}
)
_MAX_CONJUNCTS = 12
_AS_IS = MAX_HOPS  # a verb's own object is read as written, not as what its copula equates it with


def sentence_triples(sent: Any, topic: Topic) -> Iterator[Triple]:
    """Every triple of one sentence, in token order."""
    for verb in (t for t in sent if t.pos_ in ("VERB", "AUX")):
        subjects = _subjects(verb, topic)
        if not subjects:
            continue
        for subject_token in subjects:
            subject = stands_for(subject_token, topic)
            for predicate, obj in objects(verb):
                target = stands_for(obj, topic, hops=_AS_IS if obj.head is verb else 0)
                if subject and target and subject != target:
                    yield Triple(subject, predicate, target)


def _subjects(verb: Any, topic: Topic) -> list[Any]:
    """The verb's subjects with their conjuncts; else its head verb's (shared clauses), or the noun an
    adjectival clause hangs on ("a journal published by X")."""
    for _ in range(3):
        own = [c for c in verb.children if c.dep_ in _SUBJECTS]
        if own:
            return [c for s in own for c in (conjuncts(s) if not is_title_span(s, topic) else [s])]
        if verb.dep_ == "acl":
            return [verb.head]
        if verb.dep_ not in _SHARED_SUBJECT or verb.head is verb:
            return []
        verb = verb.head
    return []


def objects(verb: Any) -> Iterator[tuple[str, Any]]:
    """(predicate, object token) pairs of a verb: direct objects, and objects of its prepositions."""
    lemma = verb.lemma_.lower() or verb.text.lower()
    for child in verb.children:
        if child.dep_ in _OBJECTS:
            for obj in conjuncts(child):
                yield _through_light_noun(lemma, obj)
                yield from _noun_prepositions(lemma, obj)
        elif child.dep_ in ("prep", "agent"):
            for pobj in (c for c in child.children if c.dep_ == "pobj"):
                for obj in conjuncts(pobj):
                    yield _through_light_noun(f"{lemma} {child.text.lower()}", obj)


def conjuncts(token: Any) -> list[Any]:
    """The token and the nouns coordinated with it ("A, B and C"), in order."""
    found = [token]
    for item in found:
        if len(found) >= _MAX_CONJUNCTS:
            break
        found.extend(c for c in item.children if c.dep_ == "conj" and c.pos_ in ("NOUN", "PROPN", "NUM"))
    return sorted(found[:_MAX_CONJUNCTS], key=lambda t: t.i)


def _noun_prepositions(predicate: str, obj: Any) -> Iterator[tuple[str, Any]]:
    """ "is the first president of X": (be first president of, X) besides (be, first president)."""
    if obj.pos_ != "NOUN" or obj.lemma_.lower() in _LIGHT_NOUNS:
        return
    words = " ".join(t.lower_ for t in obj.lefts if t.dep_ in ("amod", "compound")) + f" {obj.lower_}"
    for prep in (c for c in obj.children if c.dep_ == "prep"):
        for pobj in (c for c in prep.children if c.dep_ == "pobj"):
            for target in conjuncts(pobj):
                yield f"{predicate} {words.strip()} {prep.lower_}", target


def _through_light_noun(predicate: str, obj: Any) -> tuple[str, Any]:
    """ "on behalf of X", "a form of X": the object is X, the light noun joins the predicate."""
    if obj.lemma_.lower() in _LIGHT_NOUNS:
        for prep in (c for c in obj.children if c.dep_ == "prep" and c.lower_ == "of"):
            for pobj in (c for c in prep.children if c.dep_ == "pobj"):
                return f"{predicate} {obj.lower_} of", pobj
    return predicate, obj
