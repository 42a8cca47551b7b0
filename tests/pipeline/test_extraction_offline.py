"""The offline extractor on the real spaCy model: triples from the parse, deterministic."""

import pytest

from memrag.memory.extraction.offline import SpacyExtractor, split_title
from memrag.memory.types import Triple


@pytest.fixture(scope="module")
def extractor():
    return SpacyExtractor()


def test_subject_verb_preposition_object_becomes_a_triple(extractor):
    (found,) = extractor.extract(["Marie Curie\nMarie Curie was born in Warsaw."])
    assert Triple("Marie Curie", "bear in", "Warsaw") in found.triples
    assert {"Marie Curie", "Warsaw"} <= set(found.entities)


def test_pronoun_subjects_stand_for_the_title_and_loose_entities_hang_on_it(extractor):
    (found,) = extractor.extract(["Warsaw\nIt lies on the Vistula. Chopin and Copernicus are famous."])
    subjects = {t.subject for t in found.triples}
    assert "Warsaw" in subjects
    assert any(t.object in ("Vistula", "the Vistula") for t in found.triples)


def test_extraction_is_deterministic_and_keeps_order(extractor):
    texts = ["Paris\nParis hosted the 1900 Summer Olympics.", "No title here, just text about Berlin."]
    assert extractor.extract(texts) == extractor.extract(texts)
    assert len(extractor.extract(texts)) == 2


def test_title_is_the_first_line_only_when_text_follows():
    assert split_title("Title\nBody text.") == ("Title", "Body text.")
    assert split_title("Just one line.") == ("", "Just one line.")
