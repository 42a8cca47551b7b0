"""A scripted LLM for `FakeLLM(default=scripted_llm)`: it answers only from the passages it is shown.

Reading: the first shown passage with a sentence sharing a content word with the question; that
passage's sentence sharing the most such words is echoed, cited as [n]. So whether an answer names
an updated fact depends only on what retrieval put in front of it. Recognition: every candidate
fact is kept (memrag then keeps the first four). Anything else: no named entities.
"""

from __future__ import annotations

import json
import re

from memrag.memory.llm.prompts import READER_SYSTEM, RECOGNITION_SYSTEM

_WORD = re.compile(r"\w+")
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_NUMBERED = re.compile(r"(?:^|\n\n)\[(\d+)\] ")
STOP = {"what", "which", "when", "where", "who", "whom", "whose", "does", "did", "that", "this", "with", "from", "the"}


def scripted_llm(messages: list[dict]) -> str:
    system = messages[0]["content"] if messages else ""
    user = messages[-1]["content"] if messages else ""
    if system == READER_SYSTEM:
        return echo_answer(user)
    if system == RECOGNITION_SYSTEM:
        return keep_all_facts(user)
    return '{"named_entities": []}'


def content_words(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text) if len(w) > 3} - STOP


def echo_answer(prompt: str) -> str:
    """`reader_messages`' user prompt → one sentence of the first passage that shares a word with the question."""
    passages, _, question = prompt.rpartition("\n\nQuestion: ")
    asked = content_words(question.removesuffix("\nAnswer:"))
    pieces = _NUMBERED.split(passages.removeprefix("Passages:\n"))
    for number, text in zip(pieces[1::2], pieces[2::2], strict=True):
        body = text.partition("\n")[2] or text  # the title line is not a sentence
        scored = [(len(asked & content_words(s)), s.strip()) for s in _SENTENCE.split(body.replace("\n", " "))]
        best = max(scored, key=lambda pair: pair[0], default=(0, ""))
        if best[0] > 0:
            return f"{best[1]} [{number}]"
    return "The passages do not say."


def keep_all_facts(prompt: str) -> str:
    """`recognition_messages`' user prompt → every candidate fact, as given."""
    shown = prompt.partition("Candidate facts: ")[2]
    try:
        return json.dumps({"fact": json.loads(shown)["fact"]})
    except (json.JSONDecodeError, KeyError):
        return '{"fact": []}'
