"""Qdrant Edge lets go of the segments an optimisation replaced (else memory grows with the corpus squared)."""

import numpy as np
import qdrant_edge as qe

from memrag.memory.ports import VectorRecord
from memrag.memory.storage import qdrant_edge as edge

DIM = 8


def test_optimize_leaves_no_replaced_segment_behind(tmp_path, monkeypatch):
    def small_segments(path, dim, layout):  # so that a few hundred points already get optimised and merged
        path.mkdir(parents=True, exist_ok=True)
        config = qe.EdgeConfig(
            vectors=qe.EdgeVectorParams(size=dim, distance=qe.Distance.Cosine),
            optimizers=qe.EdgeOptimizersConfig(indexing_threshold=10),
        )
        return qe.EdgeShard.create(str(path), config)

    monkeypatch.setattr(edge, "_create", small_segments)
    store = edge.EdgeStore(tmp_path, optimize_every=300)
    index = store.open_index("things", DIM)
    rng = np.random.default_rng(0)
    for round_ in range(3):
        index.upsert(
            [VectorRecord(f"{round_}-{i}", rng.standard_normal(DIM).astype(np.float32), {}) for i in range(300)]
        )
    assert len(list((tmp_path / "things" / "segments").iterdir())) <= 2
    assert index.count() == 900
    store.close()
