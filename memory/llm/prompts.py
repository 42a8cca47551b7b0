"""Prompt templates as data (HippoRAG 2's OpenIE, recognition and reading steps); bump the version on change."""

from __future__ import annotations

import json
from collections.abc import Sequence

PROMPT_VERSION = "1"
Messages = list[dict[str, str]]

NER_SYSTEM = (
    "Your task is to extract named entities from the given paragraph. "
    'Respond with a JSON object: {"named_entities": ["entity", ...]}.'
)

TRIPLE_SYSTEM = (
    "Your task is to construct an RDF graph from the given passage and named entity list. "
    "Respond with a JSON object containing a list of triples, each [subject, predicate, object]. "
    "Each triple should contain at least one, preferably two, of the named entities. "
    'Resolve pronouns to their names. Format: {"triples": [["s", "p", "o"], ...]}.'
)

RECOGNITION_SYSTEM = (
    "You are a fact filter for multi-hop question answering. Given a question and candidate facts, "
    "keep only the facts that help answer it (at most 4), copied exactly as given. "
    'Respond with a JSON object: {"fact": [["s", "p", "o"], ...]}; an empty list if none helps.'
)

READER_SYSTEM = (
    "Answer the question from the numbered passages only. Cite the passages you used as [1], [2], ... "
    "right after the statements they support. If the passages do not contain the answer, say so. "
    "Be concise: one or two sentences."
)


def ner_messages(passage: str) -> Messages:
    return [{"role": "system", "content": NER_SYSTEM}, {"role": "user", "content": passage}]


def triple_messages(passage: str, entities: Sequence[str]) -> Messages:
    user = f"Paragraph:\n{passage}\n\n{json.dumps({'named_entities': list(entities)}, ensure_ascii=False)}"
    return [{"role": "system", "content": TRIPLE_SYSTEM}, {"role": "user", "content": user}]


def recognition_messages(question: str, facts: Sequence[tuple[str, str, str]]) -> Messages:
    user = (
        f"Question: {question}\nCandidate facts: {json.dumps({'fact': [list(f) for f in facts]}, ensure_ascii=False)}"
    )
    return [{"role": "system", "content": RECOGNITION_SYSTEM}, {"role": "user", "content": user}]


def reader_messages(question: str, passages: Sequence[str]) -> Messages:
    numbered = "\n\n".join(f"[{i}] {text}" for i, text in enumerate(passages, 1))
    user = f"Passages:\n{numbered}\n\nQuestion: {question}\nAnswer:"
    return [{"role": "system", "content": READER_SYSTEM}, {"role": "user", "content": user}]
