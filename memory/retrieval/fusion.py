"""Per-query trust between the walk and dense retrieval (pure): which passages lead, decided from the query's evidence.

Measured on musique-100 (benchmarks/tune_fusion.py): dense retrieval's first two passages are the
surest single guesses, and the walk's favourite put in their place cost recall at k = 1, 2 whenever
the walk was unsure; deeper down, the walk finds what dense misses. So the dense top `dense_anchor`
passages lead, then the rank fusion of both orders. One piece of evidence lets the walk in earlier:
when none of the leading passages states the query's best-matching fact (mentions both its
subject and object) and the walk's best other passage does, that passage takes the last leading
place. The signals behind the decision are kept (`QuerySignals`) for callers that judge an answer's
support, such as abstention.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from memrag.memory.types import Fact, ScoredFact


@dataclass(frozen=True)
class Evidence:
    """What the pipeline knows beside the walk: the dense order (ids, cosines, best first), the facts
    recognition kept (scores min-max scaled, the best is 1), and the entity ids each passage mentions."""

    dense_ids: Sequence[str]
    dense_scores: np.ndarray
    facts: Sequence[ScoredFact] = ()
    entities_of: Callable[[str], Sequence[str]] = lambda _pid: ()


@dataclass(frozen=True)
class QuerySignals:
    """One query's confidence signals, as the fusion saw them.

    `dense_top`: cosine of the best passage (0 when none); `dense_gap`: its lead over the second;
    `facts_kept`: facts recognition kept; `top_states_fact`: whether the first passage returned
    states the best kept fact; `walk_top_share`: the walk's top passage's share of the mass on the
    passages it ranked (1: one passage took everything); `promoted`: the passage that the best fact
    let into the leading places (None when the dense lead stood).
    """

    dense_top: float
    dense_gap: float
    facts_kept: int
    top_states_fact: bool
    walk_top_share: float
    promoted: str | None


def best_fact(facts: Sequence[ScoredFact]) -> Fact | None:
    """The kept fact with the highest score (the first on ties), None when none was kept."""
    if not facts:
        return None
    return max(facts, key=lambda f: f.score).fact  # max keeps the first of equals


def states(fact: Fact | None, entities: Sequence[str]) -> bool:
    """Whether a passage mentioning `entities` states `fact`: it mentions both its subject and object."""
    return fact is not None and fact.subject_id in entities and fact.object_id in entities


def leading(fused: Sequence[str], evidence: Evidence, anchor: int, promote: bool) -> tuple[list[str], str | None]:
    """The passages placed first (dense top `anchor`, or the fact-stating walk choice in the last place)
    and the promoted passage, if any."""
    head = list(evidence.dense_ids[:anchor])
    if not promote or not head:
        return head, None
    fact = best_fact(evidence.facts)
    if fact is None or any(states(fact, evidence.entities_of(pid)) for pid in head):
        return head, None
    challenger = next((pid for pid in fused if pid not in head), None)
    if challenger is None or not states(fact, evidence.entities_of(challenger)):
        return head, None
    return [*head[:-1], challenger], challenger


def signals(
    ranked: Sequence[str], evidence: Evidence, walk_mass: Sequence[float], promoted: str | None
) -> QuerySignals:
    """The signals of one fused ranking (`walk_mass`: the walk's passage masses, best first)."""
    scores = evidence.dense_scores
    top = float(scores[0]) if len(scores) else 0.0
    gap = top - float(scores[1]) if len(scores) > 1 else top
    total = float(sum(walk_mass))
    fact = best_fact(evidence.facts)
    return QuerySignals(
        dense_top=top,
        dense_gap=gap,
        facts_kept=len(evidence.facts),
        top_states_fact=bool(ranked) and states(fact, evidence.entities_of(ranked[0])),
        walk_top_share=float(walk_mass[0]) / total if total > 0 else 0.0,
        promoted=promoted,
    )
