"""One parsed passage → its Extraction: entities (named, and optionally domain terms) and triples (pure).

Triples come from the clauses (`clauses.py`); every entity or term left out of all of them is tied to
the title ("mentions"), so that the passage still links to everything it names. Names are compared
as `normalize_entity` folds them, the way the graph will key them.
"""

from __future__ import annotations

from typing import Any

from memrag.memory.extraction.clauses import sentence_triples
from memrag.memory.extraction.mentions import SKIPPED_ENTITY_LABELS, entity_text, topic_of
from memrag.memory.extraction.terms import domain_terms
from memrag.memory.ids import normalize_entity
from memrag.memory.types import Extraction, Triple


def extract_parsed(doc: Any, title: str, terms: bool = True) -> Extraction:
    """Entities and triples of one parsed passage body whose title is `title` ("" when it has none)."""
    topic = topic_of(doc, title)
    named = [entity_text(e) for e in doc.ents if e.label_ not in SKIPPED_ENTITY_LABELS]
    names = [e for e in dict.fromkeys(named + (domain_terms(doc) if terms else [])) if normalize_entity(e)]
    triples = list(dict.fromkeys(t for sent in doc.sents for t in sentence_triples(sent, topic)))
    if topic.title:
        covered = {normalize_entity(part) for t in triples for part in (t.subject, t.object)}
        covered.add(normalize_entity(topic.title))
        loose = [e for e in names if normalize_entity(e) not in covered]
        triples += [Triple(topic.title, "mentions", e) for e in dict.fromkeys(loose)]
    entities = sorted(set(names) | ({topic.title} if topic.title else set()))
    return Extraction(tuple(entities), tuple(triples))
