"""Passages parsed for the offline reader: real spaCy, each passage parsed once while cached, the cache bounded."""

from memrag.memory.extraction.offline import shared_pipeline
from memrag.memory.retrieval.sentence_spans import SentenceSpans, sentences_of
from memrag.memory.types import Hit


class CountingPipeline:
    """The shared spaCy pipeline, counting the sentences it is asked to parse."""

    def __init__(self) -> None:
        self.parsed: list[str] = []

    def pipe(self, texts, batch_size):
        texts = list(texts)
        self.parsed += texts
        return shared_pipeline().pipe(texts, batch_size=batch_size)


def _hit(n: int, text: str) -> Hit:
    return Hit(f"p{n}", f"d{n}", text, 1.0)


def test_sentences_leave_out_the_title_line_and_a_documents_own_markers():
    assert sentences_of("Lighthouse\nIt was built in 1893[2]. It is white.") == [
        "It was built in 1893.",
        "It is white.",
    ]
    markdown = "notes\n# The Lighthouse\n\nIt was built in 1893.\n- It is white"
    assert sentences_of(markdown) == ["The Lighthouse", "It was built in 1893.", "It is white"]  # lines never glued


def test_a_passage_is_parsed_once_while_cached_and_the_cache_keeps_at_most_its_capacity():
    counting = CountingPipeline()
    spans = SentenceSpans(load=lambda: counting, capacity=2)
    vale = _hit(1, "Lighthouse\nThe lighthouse was designed by Ingrid Vale in 1893.")
    [parsed] = spans.parse([vale])
    assert [(s.text, s.label) for s in parsed[0].spans][:2] == [("Ingrid Vale", "PERSON"), ("1893", "DATE")]
    spans.parse([vale, vale])
    assert len(counting.parsed) == 1  # asked again: read from the cache
    spans.parse([_hit(2, "Bergen\nBergen is a city."), _hit(3, "Oslo\nOslo is a city.")])
    spans.parse([vale])  # pushed out by the two newer passages: parsed again
    assert len(counting.parsed) == 4
