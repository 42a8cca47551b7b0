"""Collections made with an int8 copy of their vectors (the default layout): exact searches score
the full vectors, HNSW searches rescore their candidates with them, and the layout is stored."""

import json
import sys
from pathlib import Path

import numpy as np
import pytest
import qdrant_edge as qe

from memrag.memory.ports import VectorRecord
from memrag.memory.storage import qdrant_edge as edge
from memrag.memory.storage.edge_layout import DEFAULT_LAYOUT, int8_copy
from memrag.memory.storage.mapped_pages import parse_maps, releasable

DIM = 32


def quantized_small_segments(path, dim, layout=DEFAULT_LAYOUT):
    """The default layout, with every segment indexed and quantized on optimisation (tiny data)."""
    path.mkdir(parents=True, exist_ok=True)
    config = qe.EdgeConfig(
        vectors=qe.EdgeVectorParams(
            size=dim, distance=qe.Distance.Cosine, quantization_config=int8_copy(DEFAULT_LAYOUT), memory=qe.Memory.Cold
        ),
        hnsw_config=qe.HnswIndexConfig(m=16, ef_construct=100, full_scan_threshold=1),
        optimizers=qe.EdgeOptimizersConfig(indexing_threshold=1),
    )
    return qe.EdgeShard.create(str(path), config)


@pytest.fixture
def indexed(tmp_path, monkeypatch):
    monkeypatch.setattr(edge, "_create", quantized_small_segments)
    rng = np.random.default_rng(3)
    vectors = rng.standard_normal((600, DIM)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    store = edge.EdgeStore(tmp_path, optimize_every=10**9)
    index = store.open_index("things", DIM)
    index.upsert([VectorRecord(f"r{i}", v, {}) for i, v in enumerate(vectors)])
    index.optimize()
    yield index, vectors
    store.close()


def mapped_store_files(root):
    """Names of the files under `root` this process maps that an indexer may hand back."""
    return {Path(m.path).name for m in releasable(parse_maps(Path("/proc/self/maps").read_text()), root)}


def test_exact_search_scores_the_full_vectors_not_the_int8_copy(indexed):
    index, vectors = indexed
    queries = np.random.default_rng(4).standard_normal((5, DIM)).astype(np.float32)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    for query, hits in zip(queries, index.search_batch(queries, 10, exact=True), strict=True):
        cosines = vectors @ query
        best = np.argsort(-cosines)[:10]
        assert [h.id for h in hits] == [f"r{i}" for i in best]
        assert [h.score for h in hits] == pytest.approx(cosines[best].tolist(), abs=1e-5)


def test_hnsw_search_rescores_its_candidates_with_the_full_vectors(indexed):
    index, vectors = indexed
    query = vectors[7] + 0.01
    [hits] = index.search_batch(query[None, :], 5, ef=256)
    cosines = {f"r{i}": float(c) for i, c in enumerate(vectors @ (query / np.linalg.norm(query)))}
    assert hits[0].id == "r7"
    assert [h.score for h in hits] == pytest.approx([cosines[h.id] for h in hits], abs=1e-5)


def test_a_new_collection_is_made_with_an_int8_copy_and_cold_vectors(tmp_path):
    store = edge.EdgeStore(tmp_path)
    store.open_index("things", DIM)
    store.close()
    params = json.loads((tmp_path / "things" / "edge_config.json").read_text())["vectors"][""]
    assert params["memory"] == "cold" and params["quantization_config"]["scalar"]["type"] == "int8"
    # mapped, not pinned: a pinned copy was ~0.4 KB of heap per point that no page-out could give back
    assert params["quantization_config"]["scalar"]["memory"] == "cached"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/maps")
def test_the_int8_copy_is_a_mapped_file_whose_pages_an_indexer_can_hand_back(indexed, tmp_path):
    index, vectors = indexed
    index.search_batch(vectors[:3], 5, ef=256)  # the HNSW walk reads the int8 copy
    assert "quantized.data" in mapped_store_files(tmp_path)
