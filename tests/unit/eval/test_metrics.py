"""Recall@k as the HippoRAG evaluation defines it: gold passages found in the top k over gold passages."""

from memrag.memory.eval.metrics import mean_recall, recall_at_k


def test_recall_at_k_is_hits_over_gold():
    assert recall_at_k(["a", "x", "b"], {"a", "b"}, 1) == 0.5
    assert recall_at_k(["a", "x", "b"], {"a", "b"}, 3) == 1.0
    assert mean_recall([["a"], ["z"]], [{"a"}, {"b", "c"}], 1) == 0.5
