import numpy as np

from memrag.memory.indexing.synonyms import batch_neighbours, merge_neighbours, rescore
from memrag.memory.ports import VectorHit


def _unit(*rows):
    m = np.array(rows, dtype=np.float32)
    return m / np.linalg.norm(m, axis=1, keepdims=True)


def test_batch_neighbours_respect_threshold_and_limit_best_first():
    vectors = _unit([1, 0], [0.99, 0.1], [0.95, 0.3], [0, 1])
    found = batch_neighbours(vectors, threshold=0.8, limit=1)
    assert [j for j, _ in found[0]] == [1]
    assert found[3] == []
    assert all(j != i for i, row in enumerate(found) for j, _ in row)


def test_merge_takes_both_sources_and_drops_weak_or_self_hits():
    in_batch = [[(1, 0.9)], [(0, 0.9)]]
    stored = [[("old", 0.85), ("weak", 0.5)], [("b", 1.0)]]
    merged = merge_neighbours(["a", "b"], in_batch, stored, threshold=0.8, limit=5)
    assert merged[0] == (("b", 0.9), ("old", 0.85))
    assert merged[1] == (("a", 0.9),)


def test_rescoring_gives_a_stored_pair_the_score_it_gets_in_batch():
    """Found in-batch in one run and through the store in another: the same weight, to the bit."""
    vectors = _unit([1, 0.2, 0.1], [0.9, 0.3, 0.1], [0.1, 1, 0])
    in_batch = batch_neighbours(vectors, threshold=0.5, limit=5)
    hits = [[VectorHit("v1", 0.97), VectorHit("gone", 0.9)]]  # the store's own, rounder, score
    rescored = rescore(vectors[:1], hits, {"v1": vectors[1]})
    assert rescored == [[("v1", in_batch[0][0][1])]]
