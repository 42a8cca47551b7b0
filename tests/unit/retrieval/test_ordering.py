import numpy as np
import pytest

from memrag.memory.params import RetrievalParams
from memrag.memory.retrieval.ordering import anchor, by_mass, fuse_ranks


def test_rank_fusion_adds_weighted_reciprocal_ranks():
    fused = dict(fuse_ranks(["a", "b", "c"], ["c", "d"], k=2.0, dense_weight=0.5))
    assert fused["a"] == pytest.approx(1 / 2)
    assert fused["c"] == pytest.approx(1 / 4 + 0.5 / 2)
    assert fused["d"] == pytest.approx(0.5 / 3)
    assert [p for p, _ in fuse_ranks(["a", "b", "c"], ["c", "d"], 2.0, 0.5)] == ["a", "c", "b", "d"]


def test_rank_fusion_breaks_equal_scores_by_id():
    """Bug caught: equal fused scores (ranks swapped between the two orders) came in insertion order."""
    fused = fuse_ranks(["d", "b", "x"], ["b", "d"], k=2.0, dense_weight=1.0)
    assert [p for p, _ in fused] == ["b", "d", "x"] and fused[0][1] == fused[1][1]


def test_anchor_moves_dense_top_passages_first_without_duplicates():
    ranked = [("a", 0.9), ("b", 0.5), ("c", 0.1)]
    assert anchor(ranked, ["c"]) == [("c", 0.9), ("a", 0.9), ("b", 0.5)]
    assert anchor(ranked, []) == ranked


def test_the_reference_preset_turns_the_ordering_off():
    p = RetrievalParams.hipporag2(top_k=7)
    assert p.dense_anchor == 0 and p.rrf_dense_weight == 0 and p.top_k == 7
    assert p.damping == 0.5 and p.linking_top_k == 5 and p.passage_node_weight == 0.05


def test_the_walks_head_is_its_passages_by_mass_and_equal_masses_by_id():
    """Bug caught: passages of equal mass kept the order the partition left them in."""
    ids = ["p-e", "p-c", "p-a", "p-z", "p-b", "entity", "p-y"]
    nodes = np.array([0, 1, 2, 3, 4, 5, 6])
    is_passage = np.array([True, True, True, True, True, False, True])
    mass = np.array([0.1, 0.3, 0.3, 0.05, 0.3, 0.9, 0.2])
    head = by_mass((nodes, mass), is_passage, lambda node: ids[node], depth=5)
    assert head == [("p-a", 0.3), ("p-b", 0.3), ("p-c", 0.3), ("p-y", 0.2), ("p-e", 0.1)]
    distinct = by_mass((nodes, mass + nodes * 1e-3), is_passage, lambda node: ids[node], depth=3)
    assert [pid for pid, _ in distinct] == ["p-b", "p-a", "p-c"]


def test_equal_masses_across_the_walks_depth_are_cut_by_id():
    """Bug caught: which of several equal masses made the cut was where the partition left them (the
    nodes' numbering, which a reopened graph may change), not their ids."""
    ids = ["p-d", "p-b", "p-c", "p-a", "p-top"]
    nodes, is_passage = np.arange(5), np.ones(5, dtype=bool)
    mass = np.array([0.2, 0.2, 0.2, 0.2, 0.9])
    for order in (nodes, nodes[::-1]):
        head = by_mass((order, mass[order]), is_passage, lambda node: ids[node], depth=3)
        assert head == [("p-top", 0.9), ("p-a", 0.2), ("p-b", 0.2)]
