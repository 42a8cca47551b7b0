"""The offline reader's answers over MuSiQue questions and passages, held to those it gave before its
work was memoised (`reader_golden.json`, written by the reader of commit 13f98fe).

Every question is read against every question's passages (its own: an answer; another's: mostly an
abstention), in two orders, with no closest cosine (term support decides) and a close one (always
read): 256 answers. A speed-up of the reader that changes any answer, its support, its citations or
an abstention fails here.
Rewrite the file only for an intended change of answers: `python -m tests.unit.retrieval.test_reader_golden`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from memrag.memory.retrieval.reader import Answer, ExtractiveReader
from memrag.memory.retrieval.terms import all_stems
from memrag.memory.types import Hit

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
GOLDEN = FIXTURES / "reader_golden.json"


def cases() -> list[tuple[str, tuple[Hit, ...], float | None]]:
    """(question, hits, dense_top) for every question against every question's passages."""
    data = json.loads((FIXTURES / "musique_qa_small.json").read_text())
    passage_sets = [
        tuple(
            Hit(f"{q['id']}-{n}", q["id"], f"{p['title']}\n{p['text']}", 1.0 / (n + 1))
            for n, p in enumerate(q["paragraphs"])
        )
        for q in data["questions"]
    ]
    found = []
    for q in data["questions"]:
        for hits in passage_sets:
            for ordered in (hits, hits[::-1]):
                for closest in (None, 0.9):  # 0.9: close enough that the reader never abstains
                    found.append((q["question"], ordered, closest))
    return found


def summary(answer: Answer) -> dict[str, Any]:
    return {
        "text": answer.text,
        "support": answer.support,
        "abstained": answer.abstained,
        "citations": [[c.number, c.passage_id] for c in answer.citations],
    }


def answers(reader: ExtractiveReader) -> list[dict[str, Any]]:
    return [summary(reader.answer(question, hits, closest)) for question, hits, closest in cases()]


def test_the_offline_readers_answers_are_those_it_gave_before_memoising():
    expected = json.loads(GOLDEN.read_text())
    assert len(expected) == 256
    assert answers(ExtractiveReader()) == expected


def test_answers_read_again_from_the_memos_equal_the_first_ones():
    reader = ExtractiveReader()
    first = answers(reader)  # parses every passage, finds every stem
    again = answers(reader)  # the same passages: parsed sentences, their stems and the passages' stems kept
    all_stems.cache_clear()
    assert answers(reader) == again == first == json.loads(GOLDEN.read_text())


if __name__ == "__main__":
    GOLDEN.write_text(json.dumps(answers(ExtractiveReader()), indent=1, ensure_ascii=False) + "\n")
