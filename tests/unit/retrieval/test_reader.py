"""One streamed answer for HTTP ask, chat and the CLI: text pieces, then the whole answer with its citations."""

import itertools

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from memrag.memory.retrieval.reader import Answer, ExtractiveReader, cite, shown_marks_only, stream_answer
from memrag.memory.types import Hit

HITS = (
    Hit("p1", "d1", "Lighthouse\nThe Tarnholm lighthouse was designed by Ingrid Vale. It stands on the cape.", 1.0),
    Hit("p2", "d2", "Ingrid Vale was born in Bergen.", 0.5),
)


def test_pieces_come_first_and_the_answer_with_its_citations_last():
    parts = list(stream_answer(ExtractiveReader(), "Who designed the Tarnholm lighthouse?", HITS))
    *pieces, final = parts
    texts = [p for p in pieces if isinstance(p, str)]
    assert texts and texts == pieces  # every part before the last is text
    assert isinstance(final, Answer)
    assert final.text == "".join(texts) == "Ingrid Vale [1]"
    assert final.support == "The Tarnholm lighthouse was designed by Ingrid Vale."
    assert [(c.number, c.document_id, c.passage_id) for c in final.citations] == [(1, "d1", "p1")]
    assert final.reader == ExtractiveReader.name and not final.abstained


def test_the_offline_reader_abstains_when_the_passages_share_nothing_with_the_question():
    *pieces, final = stream_answer(ExtractiveReader(), "What is the capital of France?", HITS)
    assert isinstance(final, Answer) and final.abstained
    assert final.text == "".join(str(p) for p in pieces) == "Nothing in memory answers this."
    assert final.citations == () and final.support == ""


def test_markers_naming_no_passage_shown_leave_the_answer_and_its_citations():
    three = (*HITS, Hit("p3", "d3", "Bergen is a city.", 0.2))
    text = shown_marks_only("Vale designed it [7][2], in 1887 [0] [1]. See [12] and [03].", len(three))
    assert text == "Vale designed it [2], in 1887  [1]. See  and [03]."
    assert shown_marks_only("Nested [[7]7], [7[8]] and [1[8]]; [[2]", 3) == "Nested ,  and [1]; [[2]"
    assert [c.number for c in cite(text, three)] == [2, 1, 3]


class _Pieces:
    """A reader that streams a fixed reply in the given pieces (an LLM cut anywhere)."""

    name = "pieces"

    def __init__(self, pieces: list[str]) -> None:
        self._pieces = pieces

    def answer(self, question, hits, dense_top=None):
        raise NotImplementedError

    def stream(self, question, hits):
        return iter(self._pieces)


replies = st.lists(st.sampled_from(["Vale", " ", "  ", "[", "]", "7", "2", "1", "0", ".", "[7]", "[2]", "\n", "x"]))


@settings(max_examples=300, deadline=None)
@example((["x", "[7", "[", "8", "]", "]"], [2, 4]))  # "x[7[8" then "]]": the whole "[7[8" waits
@given(replies.flatmap(lambda parts: st.tuples(st.just(parts), st.lists(st.integers(0, len(parts)), max_size=6))))
def test_a_streamed_answer_drops_the_same_markers_however_the_pieces_fall(case):
    parts, cuts = case
    reply = "".join(parts)
    edges = sorted({0, len(parts), *cuts})
    pieces = ["".join(parts[a:b]) for a, b in itertools.pairwise(edges)]
    *streamed, final = stream_answer(_Pieces(pieces), "Who?", HITS)
    assert isinstance(final, Answer)
    assert "".join(str(p) for p in streamed) == final.text == shown_marks_only(reply, len(HITS))
    assert all(1 <= c.number <= len(HITS) for c in final.citations)


def test_the_extractive_reader_does_not_turn_a_documents_own_marker_into_a_citation():
    hits = (Hit("p1", "d1", "Notes\nThe lighthouse door is blue[2].", 1.0), Hit("p2", "d2", "Unrelated.", 0.5))
    answer = ExtractiveReader().answer("What colour is the lighthouse door?", hits)
    assert answer.text == "The lighthouse door is blue. [1]"
    assert [c.passage_id for c in answer.citations] == ["p1"]


class _Failing(_Pieces):
    def stream(self, question, hits):
        yield from self._pieces
        raise ConnectionError("cut mid-stream")


def test_text_held_back_at_a_failure_is_passed_on_before_it():
    got: list[object] = []
    with pytest.raises(ConnectionError):
        for part in stream_answer(_Failing(["Vale designed it", " ", "["]), "Who?", HITS):
            got.append(part)
    assert got == ["Vale designed it", " ", "["]


def test_a_comparison_question_is_answered_with_the_candidate_whose_date_the_passages_give_first():
    films = (
        Hit("p1", "d1", "3 Dots\n3 Dots is a 2013 Malayalam comedy film directed by Sugeeth.", 1.0),
        Hit("p2", "d2", "Dying God\nDying God is a 2008 Argentinian horror film directed by Fabrice Lambot.", 0.9),
    )
    answer = ExtractiveReader().answer("Which film came out first, 3 Dots or Dying God?", films)
    assert answer.text == "Dying God [2]" and not answer.abstained
    assert answer.support == "Dying God is a 2008 Argentinian horror film directed by Fabrice Lambot."
    assert [c.document_id for c in answer.citations] == ["d2"]


def test_the_retrievals_closest_cosine_reaches_the_offline_readers_abstention_through_the_stream():
    question = "Who designed the Tarnholm lighthouse in Oslo?"  # "Oslo" is in no passage; term support 4/6
    *_, without = stream_answer(ExtractiveReader(), question, HITS)
    *_, refused = stream_answer(ExtractiveReader(), question, HITS, dense_top=0.3)
    *_, answered = stream_answer(ExtractiveReader(), question, HITS, dense_top=0.9)
    assert isinstance(without, Answer) and without.text == "Ingrid Vale [1]"
    assert isinstance(refused, Answer) and refused.abstained and refused.citations == ()
    assert isinstance(answered, Answer) and answered.text == "Ingrid Vale [1]"
