"""Per-vector limits in one search call (a query and its opposite together), on every VectorIndex."""

from collections.abc import Iterator

import numpy as np
import pytest

from memrag.memory.ids import point_uuid
from memrag.memory.ports import VectorIndex, VectorRecord
from memrag.memory.storage.points import per_vector
from memrag.memory.storage.qdrant_edge import EdgeStore
from memrag.memory.storage.qdrant_server import QdrantStore

DIM = 4


@pytest.fixture(params=["edge", "qdrant-memory"])
def index(request, tmp_path) -> Iterator[VectorIndex]:
    store = EdgeStore(tmp_path) if request.param == "edge" else QdrantStore.connect(":memory:", prefix="t_")
    index = store.open_index("things", DIM)
    angles = np.linspace(0.0, np.pi, 7)  # unit vectors on a half circle: cosines to (1, 0) fall off
    index.upsert([VectorRecord(f"r{i}", np.array([np.cos(a), np.sin(a), 0, 0]), {}) for i, a in enumerate(angles)])
    yield index
    store.close()


def test_each_vector_gets_its_own_limit(index):
    query = np.array([1.0, 0.0, 0.0, 0.0], dtype=np.float32)
    near, far = index.search_points(np.stack([query, -query]), [3, 1], exact=True)
    assert [p for p, _ in near] == [point_uuid(f"r{i}") for i in (0, 1, 2)]
    assert [p for p, _ in far] == [point_uuid("r6")]  # the least similar to the query
    assert -far[0][1] == pytest.approx(-1.0, abs=1e-5)


def test_one_limit_still_serves_every_vector(index):
    query = np.array([1.0, 0.0, 0.0, 0.0], dtype=np.float32)
    rows = index.search_points(np.stack([query, -query]), 2, exact=True)
    assert [len(row) for row in rows] == [2, 2]


def test_a_limit_count_unlike_the_vector_count_is_refused():
    assert per_vector(5, 2) == [5, 5]
    with pytest.raises(ValueError, match="one per vector"):
        per_vector([3], 2)
