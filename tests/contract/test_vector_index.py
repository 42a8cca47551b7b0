"""One contract for every VectorIndex: Qdrant Edge (embedded) and qdrant-client (":memory:")."""

from collections.abc import Iterator

import numpy as np
import pytest

from memrag.memory.ids import point_uuid
from memrag.memory.ports import VectorIndex, VectorRecord
from memrag.memory.storage import qdrant_edge
from memrag.memory.storage.qdrant_edge import EdgeStore
from memrag.memory.storage.qdrant_server import QdrantStore
from tests.coarse_hnsw import coarse_hnsw

DIM = 8
WIDE = 32  # random vectors this wide have no clear neighbours: a coarse HNSW graph misses some


def _vec(*values):
    v = np.zeros(DIM, dtype=np.float32)
    v[: len(values)] = values
    return v / np.linalg.norm(v)


@pytest.fixture(params=["edge", "qdrant-memory"])
def index(request, tmp_path) -> Iterator[VectorIndex]:
    store = EdgeStore(tmp_path) if request.param == "edge" else QdrantStore.connect(":memory:", prefix="t_")
    yield store.open_index("things", DIM)
    store.close()


def _records():
    return [
        VectorRecord("a", _vec(1, 0), {"name": "alpha", "tags": ["x"], "ok": 1}),
        VectorRecord("b", _vec(0.9, 0.1), {"name": "beta", "tags": [], "ok": 0}),
        VectorRecord("c", _vec(0, 1), {"name": "gamma", "tags": ["y"], "ok": 1}),
    ]


def test_search_ranks_by_cosine_and_returns_record_ids(index):
    index.upsert(_records())
    hits = index.search(_vec(1, 0), limit=2)
    assert [h.id for h in hits] == ["a", "b"]
    assert hits[0].score == pytest.approx(1.0, abs=1e-5)
    assert hits[0].payload is None


def test_search_with_payload_and_equality_filter(index):
    index.upsert(_records())
    hits = index.search(_vec(1, 0), limit=3, with_payload=True, where={"ok": 1})
    assert [h.id for h in hits] == ["a", "c"]
    assert hits[0].payload is not None and hits[0].payload["name"] == "alpha"
    batch = index.search_batch(np.stack([_vec(1, 0), _vec(0, 1)]), limit=1, where={"ok": 1})
    assert [[h.id for h in row] for row in batch] == [["a"], ["c"]]


def test_get_returns_payloads_of_existing_records_only(index):
    index.upsert(_records())
    got = {p["id"]: p for p in index.get(["a", "c", "missing"])}
    assert set(got) == {"a", "c"}
    assert got["a"]["tags"] == ["x"]


def test_vectors_come_back_bit_for_bit(index):
    records = _records()
    index.upsert(records)
    got = index.vectors(["c", "a", "missing"])
    assert set(got) == {"a", "c"}
    assert got["a"].dtype == np.float32 and (got["a"] == records[0].vector).all()
    assert (got["c"] == records[2].vector).all()


def test_upsert_is_idempotent_and_delete_removes(index):
    index.upsert(_records())
    index.upsert(_records())
    assert index.count() == 3
    index.delete(["b", "never-there"])
    assert index.count() == 2
    assert sorted(p["id"] for p in index.scroll(batch_size=1)) == ["a", "c"]


def test_empty_index_answers_empty(index):
    assert index.search(_vec(1), limit=5) == []
    assert index.get([]) == [] and index.count() == 0
    assert list(index.scroll()) == []


def test_edge_index_survives_close_and_reopen(tmp_path):
    store = EdgeStore(tmp_path)
    store.open_index("things", DIM).upsert(_records())
    store.close()
    reopened = EdgeStore(tmp_path)
    index = reopened.open_index("things", DIM)
    assert index.count() == 3
    assert [h.id for h in index.search(_vec(0, 1), limit=1)] == ["c"]
    reopened.close()


def test_search_points_returns_point_ids_without_payload(index):
    from memrag.memory.ids import point_uuid

    index.upsert(_records())
    (hits,) = index.search_points(np.stack([_vec(0, 1)]), limit=2)
    assert [p for p, _ in hits] == [point_uuid("c"), point_uuid("b")]
    assert hits[0][1] == pytest.approx(1.0, abs=1e-5)


def test_min_score_drops_weak_hits(index):
    index.upsert(_records())
    (hits,) = index.search_batch(np.stack([_vec(1, 0)]), limit=3, min_score=0.9)
    assert [h.id for h in hits] == ["a", "b"]


@pytest.fixture(params=["edge", "qdrant-memory"])
def indexed(request, tmp_path, monkeypatch):
    """An index of 2,000 random vectors whose HNSW index is built (Edge; the client's local mode
    has none) and the vectors themselves."""
    monkeypatch.setattr(qdrant_edge, "_create", coarse_hnsw)
    # Edge optimises (builds the HNSW index) once the 2,000 records are written
    edge = request.param == "edge"
    store = EdgeStore(tmp_path, optimize_every=2000) if edge else QdrantStore.connect(":memory:", "t_")
    index = store.open_index("things", WIDE)
    vectors = np.random.default_rng(1).standard_normal((2000, WIDE)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    index.upsert([VectorRecord(f"r{i}", v, {}) for i, v in enumerate(vectors)])
    yield request.param, index, vectors
    store.close()


def _true_nearest(vectors, queries, limit):
    sims = queries.astype(np.float64) @ vectors.astype(np.float64).T
    return [[f"r{i}" for i in np.argsort(-row, kind="stable")[:limit]] for row in sims]


def test_exact_search_finds_the_true_nearest_where_hnsw_does_not(indexed):
    kind, index, vectors = indexed
    queries = np.random.default_rng(2).standard_normal((40, WIDE)).astype(np.float32)
    truth = _true_nearest(vectors, queries, 10)
    assert [[h.id for h in row] for row in index.search_batch(queries, 10, exact=True)] == truth
    by_point = [[point_uuid(i) for i in row] for row in truth]
    assert [[p for p, _ in row] for row in index.search_points(queries, 10, exact=True)] == by_point
    approximate = [[h.id for h in row] for row in index.search_batch(queries, 10, ef=10)]
    assert (approximate != truth) == (kind == "edge")  # Edge's coarse HNSW misses: the exact flag mattered
    assert index.count() == len(vectors)
