"""One streamed answer for HTTP ask, chat and the CLI: text pieces, then the whole answer with its citations."""

from memrag.memory.retrieval.reader import Answer, ExtractiveReader, stream_answer
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
    assert final.text == "".join(texts) == "The Tarnholm lighthouse was designed by Ingrid Vale. [1]"
    assert [(c.number, c.document_id, c.passage_id) for c in final.citations] == [(1, "d1", "p1")]
    assert final.reader == ExtractiveReader.name
