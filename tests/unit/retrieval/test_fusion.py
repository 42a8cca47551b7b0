from collections.abc import Mapping

import numpy as np
import pytest

from memrag.memory.params import RetrievalParams
from memrag.memory.retrieval.fusion import Evidence, best_fact, fact_lead, leading, states
from memrag.memory.retrieval.ordering import fuse_orders
from memrag.memory.types import Fact, ScoredFact

PARIS = ScoredFact(Fact("f1", "Paris", "capital of", "France", "e:paris", "e:france"), 1.0)
SEINE = ScoredFact(Fact("f2", "Seine", "flows through", "Paris", "e:seine", "e:paris"), 0.4)
MENTIONS = {
    "d1": ("e:paris",),  # names the subject only: does not state the fact
    "d2": ("e:seine",),
    "g1": ("e:paris", "e:france"),  # states the best fact
    "g2": ("e:france",),
}


def evidence(dense: list[str], facts: list[ScoredFact], mentions: Mapping[str, tuple[str, ...]] = MENTIONS) -> Evidence:
    scores = np.linspace(0.9, 0.5, len(dense))
    return Evidence(dense, scores, facts, lambda pid: mentions.get(pid, ()))


def test_a_passage_states_a_fact_when_it_mentions_both_ends():
    assert states(PARIS.fact, ("e:france", "e:paris", "e:x"))
    assert not states(PARIS.fact, ("e:paris",))
    assert not states(None, ("e:paris", "e:france"))


def test_the_best_fact_is_the_highest_scored_first_on_ties():
    assert best_fact([SEINE, PARIS]) == PARIS.fact
    tied = ScoredFact(SEINE.fact, 1.0)
    assert best_fact([tied, PARIS]) == SEINE.fact
    assert best_fact([]) is None


def test_the_walks_choice_takes_the_last_leading_place_when_it_alone_states_the_best_fact():
    head, promoted = fact_lead(["g1", "d1", "d2"], evidence(["d1", "d2", "d3"], [SEINE, PARIS]), anchor=2, promote=True)
    assert (head, promoted) == (["d1", "g1"], "g1")


def test_the_dense_lead_stands_without_that_evidence():
    dense = ["d1", "d2", "d3"]
    # the walk's choice names only one end of the best fact
    assert fact_lead(["g2", "d1"], evidence(dense, [PARIS]), 2, True) == (["d1", "d2"], None)
    # a leading passage already states it
    stating = MENTIONS | {"d2": ("e:paris", "e:france")}
    assert fact_lead(["g1", "d1"], evidence(dense, [PARIS], stating), 2, True) == (["d1", "d2"], None)
    # no fact kept, or the policy off
    assert fact_lead(["g1", "d1"], evidence(dense, []), 2, True) == (["d1", "d2"], None)
    assert fact_lead(["g1", "d1"], evidence(dense, [PARIS]), 2, False) == (["d1", "d2"], None)


def test_the_challenger_is_the_first_fused_passage_outside_the_lead():
    # g2 comes first in the fused order and does not state the fact: g1 behind it is not considered
    head, promoted = fact_lead(["d1", "g2", "g1"], evidence(["d1", "d2"], [PARIS]), 2, True)
    assert (head, promoted) == (["d1", "d2"], None)


def test_fused_order_leads_with_dense_then_fuses_ranks():
    params = RetrievalParams(top_k=5, dense_anchor=2, rrf_k=5.0, rrf_dense_weight=0.2, promote_fact_source=True)
    walk = [("g1", 0.5), ("d2", 0.3), ("g2", 0.2)]
    ordered = fuse_orders(walk, evidence(["d1", "d2", "d3"], [PARIS]), params)
    assert [p for p, _ in ordered.passages] == ["d1", "g1", "d2", "g2", "d3"]
    assert ordered.signals.promoted == "g1"
    assert ordered.signals.dense_top == pytest.approx(0.9)
    assert ordered.signals.dense_gap == pytest.approx(0.2)
    assert ordered.signals.walk_top_share == pytest.approx(0.5)
    assert ordered.signals.facts_kept == 1 and not ordered.signals.top_states_fact


def test_without_promotion_the_dense_top_two_lead():
    params = RetrievalParams(top_k=3, dense_anchor=2, rrf_k=5.0, promote_fact_source=False, lead_release_gap=1.0)
    ordered = fuse_orders([("g1", 0.9)], evidence(["d1", "d2", "d3"], [PARIS]), params)
    assert [p for p, _ in ordered.passages] == ["d1", "d2", "g1"]
    assert ordered.signals.promoted is None


def test_the_reference_preset_ranks_by_mass_alone():
    params = RetrievalParams.hipporag2(top_k=3)
    ordered = fuse_orders([("g1", 0.6), ("g2", 0.4)], evidence(["d1", "g2"], [PARIS]), params)
    assert [p for p, _ in ordered.passages] == ["g1", "g2", "d1"]
    assert ordered.signals.top_states_fact


def near_tie_evidence(gap: float, mentions: Mapping[str, tuple[str, ...]]) -> Evidence:
    return Evidence(["d1", "d2", "d3"], np.array([0.80, 0.80 - gap, 0.5]), [PARIS], lambda pid: mentions.get(pid, ()))


def test_a_near_tie_goes_to_the_passage_stating_the_best_fact_when_the_fused_order_agrees():
    d2_states = {"d1": ("e:paris",), "d2": ("e:paris", "e:france")}
    head, moved = fact_lead(["d2", "d1", "d3"], near_tie_evidence(0.005, d2_states), 2, True, tie_margin=0.01)
    assert (head, moved) == (["d2", "d1"], "d2")


def test_no_swap_outside_the_margin_against_the_fused_order_or_when_the_first_states_it_too():
    d2_states = {"d1": ("e:paris",), "d2": ("e:paris", "e:france")}
    assert fact_lead(["d2", "d1"], near_tie_evidence(0.02, d2_states), 2, True, 0.01) == (["d1", "d2"], None)
    assert fact_lead(["d1", "d2"], near_tie_evidence(0.005, d2_states), 2, True, 0.01) == (["d1", "d2"], None)
    both = d2_states | {"d1": ("e:paris", "e:france")}
    assert fact_lead(["d2", "d1"], near_tie_evidence(0.005, both), 2, True, 0.01) == (["d1", "d2"], None)
    assert fact_lead(["d2", "d1"], near_tie_evidence(0.005, d2_states), 2, True, 0.0) == (["d1", "d2"], None)


def test_a_wide_dense_gap_leaves_dense_first_to_lead_alone():
    params = RetrievalParams(dense_anchor=2, promote_fact_source=True, lead_release_gap=0.12)
    no_fact_anywhere = {"d1": ("e:paris",), "d2": ("e:seine",)}
    wide = near_tie_evidence(0.15, no_fact_anywhere)
    assert leading(["g2", "d2"], wide, params) == (["d1"], None)
    narrow = near_tie_evidence(0.05, no_fact_anywhere)
    assert leading(["g2", "d2"], narrow, params) == (["d1", "d2"], None)
    # a passage the best fact moved up keeps its place, whatever the gap
    assert leading(["g1", "d2"], near_tie_evidence(0.15, MENTIONS), params) == (["d1", "g1"], "g1")


def test_with_the_lead_released_the_fused_order_fills_the_second_place():
    params = RetrievalParams(top_k=3, dense_anchor=2, rrf_k=5.0, lead_release_gap=0.12)
    ordered = fuse_orders([("g2", 0.7), ("d1", 0.2)], near_tie_evidence(0.3, {}), params)
    assert [p for p, _ in ordered.passages] == ["d1", "g2", "d2"]
    assert ordered.signals.dense_gap == pytest.approx(0.3)
