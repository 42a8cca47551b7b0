"""The short offline answer: the kind a question asks for, and the span that fits it (pure, hand-built sentences)."""

import pytest

from memrag.memory.retrieval.short_answer import (
    NOUN_CHUNK,
    AnswerKind,
    ParsedSentence,
    Span,
    answer_kind,
    choose_span,
)


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Who designed the Tarnholm lighthouse?", AnswerKind.PERSON),
        ("Who was in charge of the country where Ceelmakoile is?", AnswerKind.PERSON),  # the first wh-phrase decides
        ("In which country is Midway?", AnswerKind.PLACE),
        ("Where did the band form?", AnswerKind.PLACE),
        ("When was the lighthouse built?", AnswerKind.DATE),
        ("What year did the airline dissolve?", AnswerKind.DATE),
        ("How many congressional districts does the state have?", AnswerKind.NUMBER),
        ("What is the population of the state where Dodge City is?", AnswerKind.NUMBER),
        ("What nationality was the architect?", AnswerKind.NATIONALITY),
        ("Which team did he play for?", AnswerKind.ORGANISATION),
        ("Which mayor opened the Orrin bridge?", AnswerKind.PERSON),
        ("What colour is the door?", AnswerKind.ANY),
    ],
)
def test_a_question_asks_for_the_kind_its_first_wh_phrase_names(question, kind):
    assert answer_kind(question) is kind


LIGHTHOUSE = ParsedSentence(
    "The Tarnholm lighthouse was designed by Ingrid Vale in 1893.",
    (
        Span("Tarnholm", "GPE"),
        Span("Ingrid Vale", "PERSON"),
        Span("1893", "DATE"),
        Span("Tarnholm lighthouse", NOUN_CHUNK),
    ),
)
CAPE = ParsedSentence("It stands on the northern cape.", (Span("northern cape", NOUN_CHUNK),))
BERGEN = ParsedSentence(
    "Ingrid Vale was born in Bergen in 1861.",
    (Span("Ingrid Vale", "PERSON"), Span("Bergen", "GPE"), Span("1861", "DATE")),
)


def test_the_span_of_the_asked_kind_is_taken_from_the_sentence_that_shares_most_with_the_question():
    passages = [[LIGHTHOUSE, CAPE], [BERGEN]]
    who = choose_span("Who designed the Tarnholm lighthouse?", passages)
    assert who is not None and (who.text, who.passage, who.support) == ("Ingrid Vale", 1, LIGHTHOUSE.text)
    when = choose_span("When was the Tarnholm lighthouse designed?", passages)
    assert when is not None and when.text == "1893"  # not 1861: that sentence is about the designer's birth
    born = choose_span("Where was Ingrid Vale born?", passages)
    assert born is not None and (born.text, born.passage) == ("Bergen", 2)


def test_a_question_naming_no_kind_prefers_a_name_to_a_date_or_a_number():
    bridge = ParsedSentence(
        "The Orrin bridge was opened in 1901 by Tomas Berg.",
        (Span("Orrin", "GPE"), Span("1901", "DATE"), Span("Tomas Berg", "PERSON")),
    )
    answer = choose_span("What official opened the Orrin bridge?", [[bridge]])
    assert answer is not None and answer.text == "Tomas Berg"


def test_a_span_the_question_already_names_is_never_the_answer():
    only_named = [[ParsedSentence("Tarnholm lighthouse.", (Span("Tarnholm", "GPE"),))]]
    assert choose_span("Where is the Tarnholm lighthouse?", only_named) is None
    answer = choose_span("Where was Ingrid Vale born?", [[BERGEN]])
    assert answer is not None and answer.text != "Ingrid Vale"


def test_nothing_of_the_kind_falls_back_to_a_weak_noun_chunk_or_to_none():
    cape = choose_span("Where does the Tarnholm lighthouse stand?", [[CAPE]])
    assert cape is not None and cape.text == "northern cape" and cape.fit < 0.5
    assert choose_span("How many keepers did it have?", [[ParsedSentence("No count.", (Span("Oslo", "GPE"),))]]) is None
