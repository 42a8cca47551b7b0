"""Records as store payloads: a round trip is exact; a malformed payload is named."""

import pytest

from memrag.memory.errors import CorruptRecord
from memrag.memory.storage import records
from memrag.memory.storage.points import unreadable
from memrag.memory.types import Entity, Passage


def test_records_round_trip_through_payloads():
    passage = Passage("p", "d", 3, "text", ("e1",), ("f1",))
    assert records.passage_from({**records.passage_payload(passage), "id": "p"}) == passage
    entity = Entity("e", "name", (("o", 0.9),))
    assert records.entity_from({**records.entity_payload(entity, True), "id": "e"}) == entity


def test_a_malformed_stored_record_is_named_without_its_content():
    with pytest.raises(CorruptRecord, match="record 'p' has no field 'doc_id'"):
        records.passage_from({"id": "p", "text": "no doc id"})
    with pytest.raises(CorruptRecord, match=r"wrong type \(ValueError\)") as raised:
        records.passage_from({"id": "p", "doc_id": "d", "position": "secret words", "text": "", "entity_ids": []})
    assert "secret" not in str(raised.value)


def test_a_payload_the_store_could_not_decode_is_a_corrupt_record():
    with pytest.raises(CorruptRecord, match="point u1 cannot be decoded"):
        records.document_from(unreadable("u1", "too deep"))
