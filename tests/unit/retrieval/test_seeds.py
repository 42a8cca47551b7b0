import numpy as np
import pytest

from memrag.memory.retrieval.seeds import entity_seed_weights, min_max, passage_seed_weights
from memrag.memory.types import Fact, ScoredFact


def _fact(s, o, score):
    return ScoredFact(Fact(f"f-{s}-{o}", s, "p", o, s, o), score)


def test_min_max_uses_given_bounds():
    assert list(min_max(np.array([0.5, 1.0]), low=0.0, high=1.0)) == [0.5, 1.0]
    assert list(min_max(np.array([0.5, 1.0]))) == [0.0, 1.0]
    assert list(min_max(np.array([0.3, 0.3]))) == [1.0, 1.0]


def test_entity_weight_is_fact_score_over_mentions_averaged_over_facts():
    mentions = {"a": 2, "b": 1, "c": 4}.get
    facts = [_fact("a", "b", 1.0), _fact("a", "c", 0.6)]
    weights = entity_seed_weights(facts, lambda e: mentions(e, 0), top_k=5)
    assert weights["a"] == pytest.approx((1.0 / 2 + 0.6 / 2) / 2)
    assert weights["b"] == pytest.approx(1.0)
    assert weights["c"] == pytest.approx(0.6 / 4)


def test_entities_outside_the_graph_get_no_weight_and_top_k_applies():
    mentions = {"a": 1, "b": 1, "c": 1}
    facts = [_fact("a", "b", 1.0), _fact("c", "zz", 0.2)]
    weights = entity_seed_weights(facts, lambda e: mentions.get(e, 0), top_k=2)
    assert set(weights) == {"a", "b"}


def test_passage_seeds_are_scaled_min_max_scores():
    weights = passage_seed_weights(np.array([0.9, 0.5]), low=0.1, passage_node_weight=0.05)
    assert weights[0] == pytest.approx(0.05)
    assert weights[1] == pytest.approx(0.05 * 0.4 / 0.8)
