"""Storage that cannot be poisoned: what passes validation is stored, reloaded and listed; what is
refused stores nothing; a stored record that cannot be decoded is quarantined, never fatal."""

import logging
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from memrag.memory.errors import InvalidInput, NotFound
from memrag.memory.params import RetrievalParams
from memrag.memory.ports import VectorRecord
from memrag.memory.types import DocumentInput
from memrag.memory.validation import MAX_METADATA_DEPTH
from tests.helpers import extractions, make_engine, record_count

GOOD = DocumentInput(text="Ada Lovelace wrote the first program.", id="ada", title="Ada")
OTHER = DocumentInput(text="Grace Hopper built the first compiler.", id="grace")


def nested(levels: int) -> dict[str, object]:
    value: dict[str, object] = {"leaf": "bottom"}
    for _ in range(levels - 1):
        value = {"a": value}
    return value


def poison(path: Path, doc_id: str, levels: int = 150) -> None:
    """Store `doc_id`'s record with metadata nested past the store's decoder, as older versions
    accepted it (the engine's own writes refuse it now)."""
    engine = make_engine(path)
    engine.add([GOOD, OTHER])
    record = engine.get(doc_id)
    engine.store.put_document(replace(record, metadata=nested(levels)))
    engine.close()


def test_the_deepest_allowed_metadata_is_stored_reloaded_listed_and_answered(tmp_path):
    deep = replace(GOOD, metadata=nested(MAX_METADATA_DEPTH))
    engine = make_engine(tmp_path)
    engine.add([deep])
    engine.close()
    reopened = make_engine(tmp_path)
    assert [d.metadata for d in reopened.list_documents()] == [nested(MAX_METADATA_DEPTH)]
    assert reopened.get("ada").metadata == nested(MAX_METADATA_DEPTH)
    assert reopened.retrieve("Who wrote the first program?", RetrievalParams()).hits[0].doc_id == "ada"
    assert reopened.quarantined == 0
    reopened.close()
    make_engine(tmp_path).close()


def test_a_refused_document_refuses_its_whole_call_before_anything_is_stored(tmp_path):
    engine = make_engine(tmp_path)
    bad = replace(OTHER, metadata=nested(MAX_METADATA_DEPTH + 1))
    with pytest.raises(InvalidInput, match=r"documents\[1\]\.metadata nests more than 8 levels"):
        engine.add([GOOD, bad])
    for index in (engine.store.documents, engine.store.passages, engine.store.entities, engine.store.facts):
        assert record_count(index) == 0


def test_a_record_the_store_cannot_decode_is_quarantined_and_the_rest_is_served(tmp_path):
    engine = make_engine(tmp_path)
    engine.add([GOOD, OTHER])
    record = engine.get("grace")
    engine.store.put_document(replace(record, metadata=nested(150)))  # as an older version stored it
    assert [d.id for d in engine.list_documents()] == ["ada"]
    assert engine.quarantined == 1
    with pytest.raises(NotFound):
        engine.get("grace")
    assert [d.id for d in engine.store.get_documents(["ada", "grace"])] == ["ada"]
    assert engine.retrieve("Who wrote the first program?", RetrievalParams()).hits[0].doc_id == "ada"
    engine.list_documents()
    assert engine.quarantined == 1  # counted once, however often it is met
    engine.add([replace(OTHER, text="Grace Hopper built the first compiler, in 1952.")])  # re-sent: replaced
    assert [d.id for d in engine.list_documents()] == ["ada", "grace"]


def test_a_shard_whose_log_cannot_be_read_is_rebuilt_and_its_namespace_opens(tmp_path, caplog):
    poison(tmp_path / "ns", "grace")
    with caplog.at_level(logging.ERROR, logger="memrag.storage"):
        engine = make_engine(tmp_path / "ns")
    assert [d.id for d in engine.list_documents()] == ["ada"]
    assert engine.quarantined == 1  # reported, not silently dropped
    assert engine.retrieve("Who wrote the first program?", RetrievalParams()).hits[0].doc_id == "ada"
    assert "rebuilt from its segments, 1 point(s) whose payload cannot be decoded are quarantined" in caplog.text
    assert [p.name for p in (tmp_path / "ns").iterdir() if p.name.startswith("documents.unreadable-")]
    engine.add([OTHER])
    engine.close()
    reopened = make_engine(tmp_path / "ns")  # rebuilt once: it opens plainly from now on
    assert [d.id for d in reopened.list_documents()] == ["ada", "grace"] and reopened.quarantined == 0
    reopened.close()


def test_a_malformed_record_is_quarantined_and_logged_without_its_content(tmp_path, caplog):
    engine = make_engine(tmp_path)
    engine.add([GOOD])
    payload = {"title": "secret title", "content_hash": "h", "passage_ids": 7, "metadata": {"k": "secret"}}
    engine.store.documents.upsert([VectorRecord("broken", np.ones(1, dtype=np.float32), payload)])
    with caplog.at_level(logging.WARNING, logger="memrag.storage"):
        assert [d.id for d in engine.list_documents()] == ["ada"]
    assert engine.quarantined == 1
    assert "quarantined a record of documents" in caplog.text and "'broken'" in caplog.text
    assert "secret" not in caplog.text
    engine.close()
    reopened = make_engine(tmp_path)  # opening meets it again: skipped, counted, nothing swept
    assert reopened.quarantined == 1 and [d.id for d in reopened.list_documents()] == ["ada"]
    reopened.close()


def test_a_fact_the_store_cannot_decode_is_quarantined_and_its_namespace_still_opens(tmp_path):
    """Catches a reopen that looks up every fact a passage names: one undecodable fact made the
    namespace impossible to open (KeyError while rebuilding the graph)."""
    table = {OTHER.text: [("Grace Hopper", "built", "first compiler")]}
    engine = make_engine(tmp_path, extractions(table))
    engine.add([GOOD, OTHER])
    victim = next(iter(engine.store.facts.scroll()))
    vector = engine.store.facts.vectors([victim["id"]])[victim["id"]]
    engine.store.facts.upsert([VectorRecord(victim["id"], vector, {"id": victim["id"]})])  # no subject, no object
    stored = record_count(engine.store.facts)
    engine.close()
    reopened = make_engine(tmp_path, extractions(table))
    assert reopened.quarantined == 1 and {d.id for d in reopened.list_documents()} == {"ada", "grace"}
    assert reopened.retrieve("Who wrote the first program?", RetrievalParams()).hits[0].doc_id == "ada"
    assert record_count(reopened.store.facts) == stored  # quarantined where it lies, not swept
    assert reopened.retrieve("Who built the first compiler?", RetrievalParams()).hits[0].doc_id == "grace"
    reopened.close()
