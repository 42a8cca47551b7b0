"""The numpy mirror of a small collection answers exact searches as Qdrant Edge's own exact scan does."""

from collections.abc import Iterator

import numpy as np
import pytest

from memrag.memory.ports import VectorRecord
from memrag.memory.storage.qdrant_edge import EdgeIndex, EdgeStore
from memrag.memory.storage.scan_mirror import MirroredIndex

DIM = 16


def _records(start: int, count: int, seed: int) -> list[VectorRecord]:
    rng = np.random.default_rng(seed)
    vectors = rng.standard_normal((count, DIM)).astype(np.float32)
    return [VectorRecord(f"r{i}", v, {"name": f"n{i}", "group": i % 3}) for i, v in enumerate(vectors, start=start)]


@pytest.fixture
def edge(tmp_path) -> Iterator[EdgeIndex]:
    store = EdgeStore(tmp_path)
    yield store.open_index("things", DIM)
    store.close()


def _queries(seed: int, count: int = 12) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((count, DIM)).astype(np.float32)


def _assert_same_answers(mirror: MirroredIndex, edge: EdgeIndex) -> None:
    """Every exact search through the mirror equals Edge's exact scan: ids in order, scores, payloads."""
    for q in _queries(7):
        pair = np.stack([q, -q])
        mine, theirs = mirror.search_points(pair, [20, 1], exact=True), edge.search_points(pair, [20, 1], exact=True)
        assert [[p for p, _ in hits] for hits in mine] == [[p for p, _ in hits] for hits in theirs]
        assert np.allclose([s for hits in mine for _, s in hits], [s for hits in theirs for _, s in hits], atol=1e-6)
        for with_payload, min_score in ((True, None), (["name"], 0.2), (False, None)):
            got = mirror.search_batch(q[None], 7, None, min_score, with_payload, exact=True)
            want = edge.search_batch(q[None], 7, None, min_score, with_payload, exact=True)
            assert [(h.id, h.payload) for h in got[0]] == [(h.id, h.payload) for h in want[0]]


def edge_points(edge: EdgeIndex, batch: np.ndarray) -> list[list[tuple[str, object]]]:
    """Edge's exact top 3 of each query, each score to within float32's error of the mirror's float64 one."""
    return [[(p, pytest.approx(s, abs=1e-6)) for p, s in hits] for hits in edge.search_points(batch, 3, exact=True)]


def test_exact_searches_equal_edges_exact_scan(edge):
    mirror = MirroredIndex(edge, DIM)
    mirror.upsert(_records(0, 200, seed=1))
    _assert_same_answers(mirror, edge)
    assert mirror.mirrored


def test_a_query_after_its_opposite_is_scored_as_itself(edge):
    """Bug caught: in a batch q, -q, q the third query reused the second's negated scores (those of -q)."""
    mirror = MirroredIndex(edge, DIM)
    mirror.upsert(_records(0, 100, seed=1))
    q = _queries(5)[0]
    batch = np.stack([q, -q, q, -q])
    assert mirror.search_points(batch, 3, exact=True) == edge_points(edge, batch)


def test_writes_after_the_copy_was_loaded_are_followed(edge):
    mirror = MirroredIndex(edge, DIM)
    mirror.upsert(_records(0, 150, seed=1))
    mirror.search_points(_queries(3)[:1], 5, exact=True)  # loads the copy
    mirror.upsert(_records(100, 100, seed=2))  # 50 replaced, 50 new
    mirror.delete([f"r{i}" for i in range(0, 200, 3)])  # rows from the middle and the end move
    _assert_same_answers(mirror, edge)
    assert mirror.count() == edge.count() == 200 - len(range(0, 200, 3))


def test_a_collection_past_the_budget_is_searched_by_edge(edge):
    mirror = MirroredIndex(edge, DIM, max_bytes=100 * DIM * 4)
    mirror.upsert(_records(0, 80, seed=1))
    mirror.search_points(_queries(3)[:1], 5, exact=True)
    assert mirror.mirrored
    mirror.upsert(_records(80, 40, seed=4))  # 120 rows: over the budget, the copy is let go
    assert not mirror.mirrored
    _assert_same_answers(mirror, edge)
    assert not mirror.mirrored


def test_filtered_and_hnsw_searches_go_to_edge(edge):
    mirror = MirroredIndex(edge, DIM)
    mirror.upsert(_records(0, 60, seed=1))
    q = _queries(5)[:1]
    got = mirror.search_batch(q, 5, where={"group": 1}, with_payload=True, exact=True)
    assert got and all(h.payload is not None and h.payload["group"] == 1 for h in got[0])
    assert not mirror.mirrored  # a filtered search does not load the copy
    assert mirror.search_points(q, 5, ef=64) == edge.search_points(q, 5, ef=64)
    assert not mirror.mirrored


class RefusingIndex:
    """Stores nothing and fails every write, as a full disk would (everything else from `inner`)."""

    def __init__(self, inner: EdgeIndex) -> None:
        self.inner, self.refuse = inner, False

    def upsert(self, records):
        if self.refuse:
            self.inner.upsert(records[:1])  # a part landed before the failure
            raise OSError("no space left")
        self.inner.upsert(records)

    def __getattr__(self, name):
        return getattr(self.inner, name)


def test_a_failed_write_lets_the_copy_go_and_the_next_search_sees_the_store(edge):
    refusing = RefusingIndex(edge)
    mirror = MirroredIndex(refusing, DIM)
    mirror.upsert(_records(0, 50, seed=1))
    mirror.search_points(_queries(3)[:1], 5, exact=True)
    refusing.refuse = True
    with pytest.raises(OSError):
        mirror.upsert(_records(50, 10, seed=6))
    assert not mirror.mirrored
    _assert_same_answers(mirror, edge)  # r50, the part that landed, is found


def test_equal_cosines_come_in_the_order_of_their_ids_whatever_the_rows_history(edge):
    """Catches ties broken by row order: a delete moves rows and a reload reads them in another order, so
    the same records gave another top 3 before and after a restart."""
    rng = np.random.default_rng(11)
    same = rng.standard_normal(DIM).astype(np.float32)
    others = rng.standard_normal((6, DIM)).astype(np.float32)
    mirror = MirroredIndex(edge, DIM)
    mirror.upsert([VectorRecord(f"o{i}", v, {}) for i, v in enumerate(others)])
    mirror.search_points(same[None], 1, exact=True)  # the copy is loaded: later writes go through it
    mirror.upsert([VectorRecord(name, same, {}) for name in ("twin-d", "twin-b", "gone", "twin-c", "twin-a")])
    mirror.delete(["gone"])  # the last row moves into its hole
    [hits] = mirror.search_batch(same[None], 3, exact=True)
    assert [h.id for h in hits] == ["twin-a", "twin-b", "twin-c"]
    fresh = MirroredIndex(edge, DIM)  # as after a restart: rows in the store's scroll order
    [again] = fresh.search_batch(same[None], 3, exact=True)
    assert [h.id for h in again] == ["twin-a", "twin-b", "twin-c"]


def test_the_copy_allocates_within_its_budget_and_shrinks_after_deletes(edge):
    """Bug caught: the matrix grew by doubling past the budget (up to twice it allocated) and never shrank."""
    budget = 100 * DIM * 4
    mirror = MirroredIndex(edge, DIM, max_bytes=budget)
    mirror.upsert(_records(0, 70, seed=1))
    mirror.search_points(_queries(3)[:1], 5, exact=True)  # loads the copy
    mirror.upsert(_records(70, 25, seed=2))  # 95 rows: within the budget
    assert mirror.mirrored and mirror.copy_bytes <= budget
    mirror.delete([f"r{i}" for i in range(80)])  # 15 rows left
    assert mirror.copy_bytes <= 64 * DIM * 4
    _assert_same_answers(mirror, edge)
