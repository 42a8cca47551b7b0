"""A collection's vector layout is stored with it, read back from it, and kept by a rebuild from its segments."""

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import qdrant_edge as qe

from memrag.memory.ports import VectorRecord
from memrag.memory.storage import qdrant_edge as edge
from memrag.memory.storage.edge_layout import DEFAULT_LAYOUT, ENTITY_LAYOUT, VectorLayout, stored_layout
from memrag.memory.storage.record_store import RecordStore

DIM = 8
LAYOUTS = [
    VectorLayout(quantized=False),
    VectorLayout(quantized=True, pinned_int8=True),
    VectorLayout(quantized=True),
    VectorLayout(quantized=True, half=True),
    VectorLayout(quantized=False, half=True),
]


def make(path: Path, layout: VectorLayout) -> None:
    index = edge.EdgeIndex(path, DIM, layout=layout)
    index.upsert([VectorRecord("r1", np.ones(DIM, dtype=np.float32), {"n": 1})])
    index.flush()
    index.close()


@pytest.mark.parametrize("layout", LAYOUTS, ids=["plain", "pinned_int8", "mapped_int8", "half_int8", "half"])
def test_the_layout_a_collection_was_made_with_is_read_back_from_it(tmp_path, layout):
    make(tmp_path / "things", layout)
    assert stored_layout(tmp_path / "things", otherwise=VectorLayout(quantized=False, pinned_int8=True)) == layout


def test_a_collection_without_a_readable_config_gets_the_fallback(tmp_path):
    (tmp_path / "things").mkdir()
    (tmp_path / "things" / "edge_config.json").write_text("{not json")
    assert stored_layout(tmp_path / "things", otherwise=DEFAULT_LAYOUT) == DEFAULT_LAYOUT
    assert stored_layout(tmp_path / "missing", otherwise=DEFAULT_LAYOUT) == DEFAULT_LAYOUT


@pytest.mark.parametrize(
    "layout", [VectorLayout(quantized=True, pinned_int8=True), ENTITY_LAYOUT], ids=["pinned_int8", "half"]
)
def test_a_shard_rebuilt_from_its_segments_keeps_its_layout(tmp_path, monkeypatch, layout):
    """Catches a rebuild that makes the new shard in today's default layout instead of the stored one
    (a half shard rebuilt in float32 would score new synonyms unlike its stored ones)."""
    path = tmp_path / "things"
    make(path, layout)
    loads = []

    def load_failing_once(where: str) -> qe.EdgeShard:
        loads.append(where)
        if len(loads) == 1:
            raise Exception("read WAL: a broken entry")  # what Edge says when its log cannot be read
        return qe.EdgeShard.load(where)

    monkeypatch.setattr(
        edge, "qe", SimpleNamespace(**{**vars(qe), "EdgeShard": SimpleNamespace(load=load_failing_once)})
    )
    index = edge.EdgeIndex(path, DIM)  # opened as the service opens it: default layout asked for
    assert len(loads) == 2  # it was rebuilt, then loaded
    assert index.get(["r1"]) == [{"n": 1, "id": "r1"}]
    assert index.layout == layout
    index.close()
    assert stored_layout(path, otherwise=DEFAULT_LAYOUT) == layout


def unit_rows(count: int, dim: int) -> np.ndarray:
    rows = np.random.default_rng(7).standard_normal((count, dim)).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def test_a_new_embedded_store_keeps_entities_in_float16_and_the_rest_in_float32(tmp_path):
    """Catches the entities' layout not reaching a new store (their pages not halved), `as_stored`
    not being what the store reads back (synonym weights would then depend on arrival order), and
    the half layout leaking to the passages or facts, whose scores every query ranks by."""
    store = RecordStore(edge.EdgeStore(tmp_path), DIM)
    rows = unit_rows(5, DIM)
    names = [f"r{i}" for i in range(5)]
    for index in (store.entities, store.passages, store.facts):
        index.upsert([VectorRecord(n, v, {}) for n, v in zip(names, rows, strict=True)])
    entities = store.entities.vectors(names)
    assert np.array_equal(np.stack([entities[n] for n in names]), store.entities.as_stored(rows))
    assert not np.array_equal(store.entities.as_stored(rows), rows)  # rounded: a real float16 copy
    for index in (store.passages, store.facts):
        kept = index.vectors(names)
        assert np.array_equal(np.stack([kept[n] for n in names]), rows)
        assert np.array_equal(index.as_stored(rows), rows)
    store.close()
    assert stored_layout(tmp_path / "entities", otherwise=DEFAULT_LAYOUT) == ENTITY_LAYOUT


def test_a_store_made_before_the_half_layout_keeps_float32_entities(tmp_path):
    """Catches a reopened store taking the layout asked for instead of its own: its stored synonym
    weights were scored in float32, and new ones must be scored as its vectors are kept."""
    make(tmp_path / "entities", DEFAULT_LAYOUT)
    store = RecordStore(edge.EdgeStore(tmp_path), DIM)
    rows = unit_rows(3, DIM)
    store.entities.upsert([VectorRecord(f"e{i}", v, {}) for i, v in enumerate(rows)])
    assert np.array_equal(store.entities.as_stored(rows), rows)
    assert np.array_equal(store.entities.vectors(["e1"])["e1"], rows[1])
    store.close()
