import pytest

from memrag.memory.params import RetrievalParams
from memrag.memory.retrieval.ordering import anchor, fuse_ranks


def test_rank_fusion_adds_weighted_reciprocal_ranks():
    fused = dict(fuse_ranks(["a", "b", "c"], ["c", "d"], k=2.0, dense_weight=0.5))
    assert fused["a"] == pytest.approx(1 / 2)
    assert fused["c"] == pytest.approx(1 / 4 + 0.5 / 2)
    assert fused["d"] == pytest.approx(0.5 / 3)
    assert [p for p, _ in fuse_ranks(["a", "b", "c"], ["c", "d"], 2.0, 0.5)] == ["a", "c", "b", "d"]


def test_anchor_moves_dense_top_passages_first_without_duplicates():
    ranked = [("a", 0.9), ("b", 0.5), ("c", 0.1)]
    assert anchor(ranked, ["c"]) == [("c", 0.9), ("a", 0.9), ("b", 0.5)]
    assert anchor(ranked, []) == ranked


def test_the_reference_preset_turns_the_ordering_off():
    p = RetrievalParams.hipporag2(top_k=7)
    assert p.dense_anchor == 0 and p.rrf_dense_weight == 0 and p.top_k == 7
    assert p.damping == 0.5 and p.linking_top_k == 5 and p.passage_node_weight == 0.05
