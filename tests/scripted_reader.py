"""A scripted LLM for `FakeLLM(default=scripted_llm)`: it answers only from the passages it is shown.

Reading: from each shown passage, in order, the sentence sharing the most content words with the
question (if it shares any) is quoted and cited as [n] — a reader that reports what its passages
say and reasons no further. So whether an answer names an updated fact, or still names the old
one, depends only on what retrieval put in front of it. Recognition: every candidate fact is kept
(memrag then keeps the first four). Anything else: no named entities.
"""

from __future__ import annotations

import json
import re

from memrag.memory.llm.prompts import READER_SYSTEM, RECOGNITION_SYSTEM

_WORD = re.compile(r"\w+")
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_TAGGED = re.compile(r'<passage id="(\d+)">\n(.*?)\n</passage>', re.DOTALL)  # prompts quoting passages
_NUMBERED = re.compile(r"(?:^|\n\n)\[(\d+)\] ")  # prompts numbering them "[n] text"
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
    """`reader_messages`' user prompt → the question's best-matching sentence of each shown passage, cited."""
    passages, _, question = prompt.rpartition("\n\nQuestion: ")
    asked = content_words(question.removesuffix("\nAnswer:"))
    quoted = []
    for number, text in numbered_passages(passages):
        body = text.partition("\n")[2] or text  # the title line is not a sentence
        scored = [(len(asked & content_words(s)), s.strip()) for s in _SENTENCE.split(body.replace("\n", " "))]
        best = max(scored, key=lambda pair: pair[0], default=(0, ""))
        if best[0] > 0:
            quoted.append(f"{best[1]} [{number}]")
    return " ".join(quoted) or "The passages do not say."


def numbered_passages(prompt: str) -> list[tuple[str, str]]:
    """(number, passage text) as the reader prompt shows them, tagged or numbered."""
    tagged = _TAGGED.findall(prompt)
    if tagged:
        return [(number, text) for number, text in tagged]
    pieces = _NUMBERED.split(prompt.removeprefix("Passages:\n"))
    return list(zip(pieces[1::2], pieces[2::2], strict=True))


def keep_all_facts(prompt: str) -> str:
    """`recognition_messages`' user prompt → every candidate fact, as given."""
    shown = prompt.partition("Candidate facts:")[2]
    try:
        return json.dumps({"fact": json.loads(shown[shown.find("{") : shown.rfind("}") + 1])["fact"]})
    except (json.JSONDecodeError, KeyError):
        return '{"fact": []}'
