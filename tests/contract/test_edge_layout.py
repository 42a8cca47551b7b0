"""A collection's vector layout is stored with it, read back from it, and kept by a rebuild from its segments."""

import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import qdrant_edge as qe

from memrag.memory.ports import VectorRecord
from memrag.memory.storage import qdrant_edge as edge
from memrag.memory.storage.edge_layout import DEFAULT_LAYOUT, VectorLayout, stored_layout

DIM = 8
LAYOUTS = [VectorLayout(quantized=False), VectorLayout(quantized=True, pinned_int8=True), VectorLayout(quantized=True)]


def make(path: Path, layout: VectorLayout) -> None:
    index = edge.EdgeIndex(path, DIM, layout=layout)
    index.upsert([VectorRecord("r1", np.ones(DIM, dtype=np.float32), {"n": 1})])
    index.flush()
    index.close()


@pytest.mark.parametrize("layout", LAYOUTS, ids=["plain", "pinned_int8", "mapped_int8"])
def test_the_layout_a_collection_was_made_with_is_read_back_from_it(tmp_path, layout):
    make(tmp_path / "things", layout)
    assert stored_layout(tmp_path / "things", otherwise=VectorLayout(quantized=False, pinned_int8=True)) == layout


def test_a_collection_without_a_readable_config_gets_the_fallback(tmp_path):
    (tmp_path / "things").mkdir()
    (tmp_path / "things" / "edge_config.json").write_text("{not json")
    assert stored_layout(tmp_path / "things", otherwise=DEFAULT_LAYOUT) == DEFAULT_LAYOUT
    assert stored_layout(tmp_path / "missing", otherwise=DEFAULT_LAYOUT) == DEFAULT_LAYOUT


def test_a_shard_rebuilt_from_its_segments_keeps_its_pinned_layout(tmp_path, monkeypatch):
    """Catches a rebuild that makes the new shard in today's default layout instead of the stored one."""
    path = tmp_path / "things"
    make(path, VectorLayout(quantized=True, pinned_int8=True))
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
    index.close()
    scalar = json.loads((path / "edge_config.json").read_text())["vectors"][""]["quantization_config"]["scalar"]
    assert scalar["memory"] == "pinned"
