"""OpenIE output normalised: entity names folded, duplicate facts merged, empty parts dropped."""

from memrag.memory.extraction.normalise import normalise_extraction
from memrag.memory.types import Extraction, Triple


def test_triples_are_normalised_deduplicated_and_empty_parts_dropped():
    extraction = Extraction(
        (), (Triple("Paris", "capital of", "France"), Triple("paris!", "Capital of", "FRANCE"), Triple("?", "x", "y"))
    )
    found = normalise_extraction(extraction)
    assert len(found.facts) == 1 and found.dropped == 1
    assert sorted(found.entities.values()) == ["france", "paris"]
