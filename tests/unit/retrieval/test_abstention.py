"""Abstention: the offline term-support signal and the recognition of an LLM's "I don't know" (pure)."""

import pytest

from memrag.memory.llm.prompts import READER_NO_ANSWER, READER_SYSTEM
from memrag.memory.retrieval.abstention import (
    MIN_DENSE_TOP,
    NEVER,
    Thresholds,
    answered,
    dense_top,
    is_abstention,
    key_terms,
    name_support,
    term_support,
)
from memrag.memory.retrieval.fusion import QuerySignals

LIGHTHOUSE = (
    "Tarnholm lighthouse\nThe Tarnholm lighthouse was designed by Ingrid Vale in 1893. It stands on the northern cape."
)


def test_a_question_about_something_else_finds_no_support_and_is_not_answered():
    assert term_support("What is the capital of France?", [LIGHTHOUSE]) == 0.0
    assert not answered("What is the capital of France?", [LIGHTHOUSE])
    assert not answered("Who designed the Tarnholm lighthouse?", [])  # nothing retrieved: nothing to read


def test_a_question_whose_terms_are_in_the_passages_is_answered():
    assert term_support("Who designed the Tarnholm lighthouse?", [LIGHTHOUSE]) == 1.0
    assert term_support("Where does the lighthouse stand?", [LIGHTHOUSE]) == 1.0  # "stand" meets "stands"


def test_names_weigh_twice_and_words_are_compared_by_their_stems():
    assert key_terms("Who designed the Tarnholm lighthouse?") == {"design": 1.0, "tarnho": 2.0, "lighth": 1.0}
    # "Ingrid" and "Vale" (names, 2 + 2) are found, "born" (1) and "Bergen" (2) are not: 4 of 7
    assert term_support("Was Ingrid Vale born in Bergen?", [LIGHTHOUSE]) == pytest.approx(4 / 7)


@pytest.mark.parametrize(
    "reply",
    [
        READER_NO_ANSWER,
        "I do not know.",
        "The passages do not say.",
        "The passages do not contain the answer.",
        "No information about that.",
        "This cannot be answered from the passages.",
        "Unknown.",
        '"I don\'t know."',
    ],
)
def test_replies_that_say_the_passages_do_not_answer_are_abstentions(reply):
    assert is_abstention(reply)


@pytest.mark.parametrize(
    "reply",
    [
        "Ingrid Vale [1].",
        "I don't know the year, but Ingrid Vale designed it [1].",
        "Ingrid Vale designed it.",
        "Not far from Bergen: on the northern cape [1].",
    ],
)
def test_an_answer_or_a_cited_reply_is_not_an_abstention(reply):
    assert not is_abstention(reply)


def test_the_reader_prompt_asks_for_the_reply_that_is_recognised():
    assert f'"{READER_NO_ANSWER}"' in READER_SYSTEM and is_abstention(READER_NO_ANSWER)


def test_with_the_closest_cosine_a_missing_name_abstains_only_when_the_best_passage_is_also_far():
    question = "Who designed the Tarnholm lighthouse for Bergen?"  # "Bergen" is not in the passage
    assert name_support(question, [LIGHTHOUSE]) == 0.5
    assert not answered(question, [LIGHTHOUSE], MIN_DENSE_TOP - 0.01)
    assert answered(question, [LIGHTHOUSE], MIN_DENSE_TOP)  # a close passage answers a multi-hop question
    # every name found: answered however far the passage (its other words need not be there)
    assert answered("Who painted the Tarnholm lighthouse blue?", [LIGHTHOUSE], 0.1)
    assert not answered("Who designed the Tarnholm lighthouse?", [], 0.9)  # nothing retrieved


def test_with_the_closest_cosine_a_question_naming_nothing_is_judged_by_its_key_terms():
    assert name_support("who painted the lighthouse blue?", [LIGHTHOUSE]) is None
    assert term_support("who painted the lighthouse blue?", [LIGHTHOUSE]) == pytest.approx(1 / 3)
    assert not answered("who painted the lighthouse blue?", [LIGHTHOUSE], 0.1)
    assert answered("where does the lighthouse stand?", [LIGHTHOUSE], 0.1)


def test_without_the_closest_cosine_term_support_alone_decides():
    question = "Who painted the Tarnholm lighthouse green and blue?"  # Tarnholm (2) and lighthouse of 6
    assert term_support(question, [LIGHTHOUSE]) == 0.5 and name_support(question, [LIGHTHOUSE]) == 1.0
    assert not answered(question, [LIGHTHOUSE])  # 0.5 < 0.6, though every name is there
    assert answered(question, [LIGHTHOUSE], thresholds=Thresholds(min_term_support=0.5))
    assert answered("Who painted Oslo?", [LIGHTHOUSE], 0.1, NEVER)


def test_the_closest_cosine_is_the_fusions_when_the_walk_ran_else_a_dense_rankings_first_score():
    signals = QuerySignals(0.42, 0.1, 4, False, 0.05, None)
    assert dense_top(signals, [("p1", 0.9), ("p2", 0.8)]) == 0.42  # a fused score is no cosine
    assert dense_top(None, [("p1", 0.61), ("p2", 0.5)]) == 0.61
    assert dense_top(None, []) is None
