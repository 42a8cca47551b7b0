"""Cutting a corpus into stream parts: every passage once, seeded, and questions answerable where their gold is."""

import random

import pytest

from memrag.memory.errors import InvalidInput
from memrag.memory.eval.parts import chunks, split
from tests.qa_small import write_set


def para(title: str, gold: bool = False) -> dict:
    return {"title": title, "text": f"{title} text.", "is_supporting": gold}


@pytest.fixture
def dataset(tmp_path):
    corpus = [{"title": t, "text": f"{t} text."} for t in "abcdef"]
    questions = [
        {"id": "q0", "question": "?", "answer": "x", "paragraphs": [para("a", True), para("b", True)]},
        {"id": "q1", "question": "?", "answer": "x", "paragraphs": [para("b", True), para("c", True), para("d")]},
        {"id": "q2", "question": "?", "answer": "x", "paragraphs": [para("e", True)]},
        {"id": "q3", "question": "?", "answer": "x", "paragraphs": [para("z", True)]},  # gold not in the corpus
    ]
    return write_set(tmp_path / "set", corpus, questions)


def test_chunks_are_contiguous_and_differ_by_at_most_one():
    assert chunks(list(range(7)), 3) == [[0, 1, 2], [3, 4], [5, 6]]


def test_passage_parts_cover_the_corpus_once_in_a_seeded_order(dataset):
    stream = split(dataset, 2, "passages", seed=3)
    order = list(range(6))
    random.Random(3).shuffle(order)
    assert stream.parts == (tuple(order[:3]), tuple(order[3:]))
    assert split(dataset, 2, "passages", seed=3) == stream
    part_of = stream.part_of()
    assert stream.answerable[0] == max(part_of[0], part_of[1])  # q0's gold: corpus entries a and b
    assert stream.answerable[3] is None


def test_question_parts_hold_each_groups_paragraphs_shared_ones_in_the_first_part(dataset):
    stream = split(dataset, 4, "questions", seed=0)
    order = list(range(4))
    random.Random(0).shuffle(order)
    first: dict[str, int] = {}
    for n, q in enumerate(order, 1):
        for text in dataset.questions[q].context:
            first.setdefault(text.partition("\n")[0], n)
    expected = {"abcdef".index(t): n for t, n in first.items() if t in "abcdef"}
    found = stream.part_of()
    assert {i: found[i] for i in expected} == expected
    assert sorted(found) == list(range(6))  # f, which no question lists, is dealt to some part too
    assert stream.answerable[0] == max(first["a"], first["b"])  # b may have come with q1 earlier
    assert stream.answerable[2] == first["e"]
    assert stream.questions_of(first["e"]).count(2) == 1


def test_a_stream_of_more_parts_than_passages_is_refused(dataset):
    with pytest.raises(InvalidInput, match="--stream"):
        split(dataset, 7)
