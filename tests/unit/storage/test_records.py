"""Records as store payloads: a round trip is exact; a malformed payload is named."""

import pytest

from memrag.memory.errors import StorageError
from memrag.memory.storage import records
from memrag.memory.types import Entity, Passage


def test_records_round_trip_through_payloads():
    passage = Passage("p", "d", 3, "text", ("e1",), ("f1",))
    assert records.passage_from({**records.passage_payload(passage), "id": "p"}) == passage
    entity = Entity("e", "name", (("o", 0.9),))
    assert records.entity_from({**records.entity_payload(entity, True), "id": "e"}) == entity


def test_a_malformed_stored_record_raises_a_storage_error():
    with pytest.raises(StorageError, match="malformed"):
        records.passage_from({"id": "p", "text": "no doc id"})
