"""The synonym candidates of new entities are the true ones, whatever HNSW index the store has built."""

import numpy as np
import pytest

from memrag.memory.storage import qdrant_edge
from memrag.memory.storage.qdrant_edge import EdgeStore
from memrag.memory.storage.qdrant_server import QdrantStore
from memrag.memory.storage.record_store import RecordStore
from memrag.memory.types import Entity
from tests.coarse_hnsw import coarse_hnsw

DIM = 24
THRESHOLD = 0.8


def near_names(rng: np.random.Generator) -> np.ndarray:
    """120 groups of near names (cosine ~0.7–0.95 within a group) and a crowd of 40 near-copies."""
    centres = rng.standard_normal((120, DIM))
    groups = np.repeat(centres, 6, axis=0) + rng.uniform(0.3, 0.6, (720, 1)) * rng.standard_normal((720, DIM))
    crowd = centres[:1] + 0.05 * rng.standard_normal((40, DIM))
    vectors = np.concatenate([groups, crowd])
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


@pytest.fixture(params=["edge", "qdrant-memory"])
def store(request, tmp_path, monkeypatch):
    monkeypatch.setattr(qdrant_edge, "_create", coarse_hnsw)
    vectors = (
        EdgeStore(tmp_path, optimize_every=200) if request.param == "edge" else QdrantStore.connect(":memory:", "t_")
    )
    records = RecordStore(vectors, DIM)
    yield records
    records.close()


def test_synonym_candidates_are_every_eligible_entity_above_the_threshold(store):
    rng = np.random.default_rng(3)
    stored = near_names(rng)
    eligible = rng.random(len(stored)) > 0.1  # a tenth have names too short for synonyms
    for start in range(0, len(stored), 190):  # written in batches, the index optimised between them
        rows = range(start, min(start + 190, len(stored)))
        store.put_entities([Entity(f"e{i}", f"name {i}") for i in rows], stored[list(rows)], eligible[list(rows)])
    new = stored[::7] + 0.05 * rng.standard_normal((len(stored[::7]), DIM)).astype(np.float32)
    new /= np.linalg.norm(new, axis=1, keepdims=True)
    kept = store.entities.as_stored  # the vectors as the collection keeps them (float16 on Edge)
    new = kept(new)
    sims = new.astype(np.float64) @ kept(stored).astype(np.float64).T
    truth = [{f"e{j}" for j in np.flatnonzero((row >= THRESHOLD) & eligible)} for row in sims]
    found = store.search_synonym_candidates(new, limit=100, threshold=THRESHOLD)
    assert [{h.id for h in hits} for hits in found] == truth
    assert max(len(t) for t in truth) > 16  # the crowd: more than one narrow search would return
    assert all(h.score >= THRESHOLD - 1e-5 for hits in found for h in hits)
