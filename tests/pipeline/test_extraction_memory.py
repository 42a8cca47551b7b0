"""The offline extractor's memory stays flat: new words leave no trace in spaCy's vocabulary or memos."""

from types import SimpleNamespace

import pytest

from memrag.memory.extraction.offline import (
    MODEL,
    SpacyExtractor,
    bound_memos,
    extract_from_doc,
    shared_pipeline,
    split_title,
)

NEW_WORDS = [
    "Quenvarra Delphish\nQuenvarra Delphish founded Oskemburg Vantrelle in 1873 with Ilsabeth Marrowkin.",
    "Torvundale\nTorvundale is a village near Brisquenholt; Aldemar Yxwelling was born there.",
]


@pytest.fixture(scope="module")
def extractor():
    found = SpacyExtractor()
    found.extract(["Warm-up\nThe pipeline is loaded."])
    return found


def test_words_never_seen_before_leave_the_vocabulary_as_it_was(extractor):
    strings = shared_pipeline(MODEL).vocab.strings
    before = len(strings)
    extractor.extract(NEW_WORDS)
    assert len(strings) == before
    assert "Brisquenholt" not in strings


def test_extractions_made_in_the_memory_zone_equal_a_plain_parse(extractor):
    zoned = extractor.extract(NEW_WORDS)
    nlp = shared_pipeline(MODEL)
    plain = [extract_from_doc(nlp(body), title) for title, body in map(split_title, NEW_WORDS)]
    assert zoned == plain
    assert "Ilsabeth Marrowkin" in zoned[0].entities


def test_a_memo_is_emptied_once_it_reaches_its_bound_and_kept_below_it():
    full = SimpleNamespace(cache={n: n for n in range(5)})
    short = SimpleNamespace(cache={n: n for n in range(4)})
    no_memo = SimpleNamespace()
    nlp = SimpleNamespace(pipeline=[("lemmatizer", full), ("tagger", short), ("parser", no_memo)])
    assert bound_memos(nlp, most=5) == 1
    assert full.cache == {}
    assert len(short.cache) == 4
