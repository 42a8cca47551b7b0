"""Prepare in one place, apply in another: same memory as adding directly; updates swap whole versions."""

import pytest

from memrag.memory.errors import InvalidInput
from memrag.memory.indexing.batch import decode, encode
from memrag.memory.params import RetrievalParams
from memrag.memory.types import DocumentInput, Entity
from tests.helpers import extractions, graph_signature, make_engine, ranking_signature, record_count

TABLE = {
    "Ada Lovelace wrote notes on the Analytical Engine.": [
        ("ada lovelace", "wrote notes on", "analytical engine"),
        ("analytical engine", "designed by", "charles babbage"),
    ],
    "Charles Babbage lived in London.": [("charles babbage", "lived in", "london")],
    "London is the capital of England.": [("london", "capital of", "england")],
    "Babbage designed the Difference Engine.": [("charles babbage", "designed", "difference engine")],
}
RECORDED = extractions(TABLE)
TEXTS = list(TABLE)
QUERY = "where did the designer of the analytical engine live"


def _docs(indices, ids=None):
    return [DocumentInput(text=TEXTS[i], id=(ids or {}).get(i, f"doc{i}")) for i in indices]


def test_a_batch_survives_encoding_exactly(tmp_path):
    engine = make_engine(tmp_path / "a", RECORDED)
    batch = engine.preparer.prepare_inputs(_docs(range(4)))
    again = decode(encode(batch))
    assert again.items == batch.items
    assert again.passages.ids == batch.passages.ids
    assert (again.entities.matrix == batch.entities.matrix).all()
    assert (again.facts.matrix == batch.facts.matrix).all()
    engine.close()


@pytest.mark.parametrize("blob", [b"", b"\x05\x00\x00\x00{]", b"\x02\x00\x00\x00{}", b"plain text, no batch"])
def test_a_damaged_batch_is_refused_by_name(blob):
    with pytest.raises(InvalidInput, match="not a prepared batch"):
        decode(blob)


def test_applying_a_prepared_batch_equals_adding_and_is_idempotent(tmp_path):
    direct = make_engine(tmp_path / "direct", RECORDED)
    direct.add(_docs(range(4)))
    applied = make_engine(tmp_path / "applied", RECORDED)
    batch = decode(encode(applied.preparer.prepare_inputs(_docs(range(4)))))
    first = applied.apply(batch)
    before = graph_signature(applied)
    second = applied.apply(batch)
    assert sorted(first.documents_added) == [f"doc{i}" for i in range(4)]
    assert second.documents_added == [] and sorted(second.documents_unchanged) == sorted(first.documents_added)
    assert graph_signature(applied) == before == graph_signature(direct)
    params = RetrievalParams()
    assert ranking_signature(applied.rank(QUERY, params)) == ranking_signature(direct.rank(QUERY, params))
    direct.close()
    applied.close()


def test_an_update_replaces_the_old_version_whole(tmp_path):
    """doc0 is rewritten with doc3's text: it ends exactly like a memory that only ever had the new text."""
    updated = make_engine(tmp_path / "updated", RECORDED)
    updated.add(_docs([0, 1, 2]))
    updated.add(_docs([3], ids={3: "doc0"}))
    fresh = make_engine(tmp_path / "fresh", RECORDED)
    fresh.add(_docs([3, 1, 2], ids={3: "doc0"}))
    assert graph_signature(updated) == graph_signature(fresh)
    assert updated.get("doc0").passage_ids == fresh.get("doc0").passage_ids
    assert record_count(updated.store.entities) == record_count(fresh.store.entities)
    assert record_count(updated.store.facts) == record_count(fresh.store.facts)
    assert record_count(updated.store.passages) == 3
    updated.close()
    fresh.close()


def test_reopening_sweeps_what_an_interrupted_write_left(tmp_path):
    """Records written without their document record (a crash before the commit point) are removed."""
    engine = make_engine(tmp_path / "m", RECORDED)
    engine.add(_docs([1, 2]))
    clean = (record_count(engine.store.passages), record_count(engine.store.entities), record_count(engine.store.facts))
    signature = graph_signature(engine)
    batch = engine.preparer.prepare_inputs(_docs([0]))
    entity_ids = list(batch.entities.ids)
    passages = [p for item in batch.items for p in item.passages]
    engine.store.put_passages(passages, batch.passages.rows([p.id for p in passages]))
    engine.store.put_entities(
        [_entity(e) for e in entity_ids], batch.entities.rows(entity_ids), [True] * len(entity_ids)
    )
    engine.close()
    reopened = make_engine(tmp_path / "m", RECORDED)
    assert (
        record_count(reopened.store.passages),
        record_count(reopened.store.entities),
        record_count(reopened.store.facts),
    ) == clean
    assert graph_signature(reopened) == signature
    reopened.close()


def _entity(entity_id):
    return Entity(entity_id, entity_id)
