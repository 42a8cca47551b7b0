import pytest

from memrag.memory.errors import StorageError
from memrag.memory.eval.metrics import mean_recall, recall_at_k
from memrag.memory.extraction.normalise import normalise_extraction
from memrag.memory.storage import records
from memrag.memory.types import Entity, Extraction, Passage, Triple


def test_records_round_trip_through_payloads():
    passage = Passage("p", "d", 3, "text", ("e1",), ("f1",))
    assert records.passage_from({**records.passage_payload(passage), "id": "p"}) == passage
    entity = Entity("e", "name", (("o", 0.9),))
    assert records.entity_from({**records.entity_payload(entity, True), "id": "e"}) == entity


def test_a_malformed_stored_record_raises_a_storage_error():
    with pytest.raises(StorageError, match="malformed"):
        records.passage_from({"id": "p", "text": "no doc id"})


def test_triples_are_normalised_deduplicated_and_empty_parts_dropped():
    extraction = Extraction(
        (), (Triple("Paris", "capital of", "France"), Triple("paris!", "Capital of", "FRANCE"), Triple("?", "x", "y"))
    )
    found = normalise_extraction(extraction)
    assert len(found.facts) == 1 and found.dropped == 1
    assert sorted(found.entities.values()) == ["france", "paris"]


def test_recall_at_k_is_hits_over_gold():
    assert recall_at_k(["a", "x", "b"], {"a", "b"}, 1) == 0.5
    assert recall_at_k(["a", "x", "b"], {"a", "b"}, 3) == 1.0
    assert mean_recall([["a"], ["z"]], [{"a"}, {"b", "c"}], 1) == 0.5
