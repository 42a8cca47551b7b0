"""Per-query trust between the walk and dense retrieval (pure): which passages lead, decided from the query's evidence.

Measured on musique-100 (benchmarks/tune_fusion.py): dense retrieval's first two passages are the
surest single guesses, and the walk's favourite put in their place cost recall at k = 1, 2 whenever
the walk was unsure; deeper down, the walk finds what dense misses. So the dense top `dense_anchor`
passages lead, then the rank fusion of both orders. One piece of evidence reorders the lead: the
query's best-matching fact, and which passages state it (mention both its subject and object). A
passage that states it beats one that does not in a near tie of dense scores, and when no leading
passage states it, the fused order's best other passage that does takes the last leading place.
And one signal shortens the lead: when dense's first passage leads its second by a wide cosine
gap, the second is a weak guess, and the fused order fills the places after the first.
The signals behind the decision are kept (`QuerySignals`) for callers that judge an answer's
support, such as abstention.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from memrag.memory.params import RetrievalParams
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


def leading(fused: Sequence[str], evidence: Evidence, params: RetrievalParams) -> tuple[list[str], str | None]:
    """The passages placed first, and the one the best fact moved up (None when the dense lead stood).

    The lead is the dense top `dense_anchor`, reordered by the best fact (`fact_lead`). When it stands
    and dense's first passage leads its second by `lead_release_gap` cosine or more, dense's second
    guess is a weak one: only the first leads, and the fused order fills the places after it.
    """
    head, moved = fact_lead(fused, evidence, params.dense_anchor, params.promote_fact_source, params.lead_tie_margin)
    if moved is None and len(head) > 1 and dense_gap(evidence.dense_scores) >= params.lead_release_gap:
        return head[:1], None
    return head, moved


def dense_gap(scores: np.ndarray) -> float:
    """The dense top passage's cosine lead over the second (its whole cosine when alone, 0 when none)."""
    if len(scores) == 0:
        return 0.0
    return float(scores[0]) - (float(scores[1]) if len(scores) > 1 else 0.0)


def fact_lead(
    fused: Sequence[str], evidence: Evidence, anchor: int, promote: bool, tie_margin: float = 0.0
) -> tuple[list[str], str | None]:
    """The dense top `anchor` and, with `promote`, the best kept fact's reordering of it, in one of two ways:
    - a near tie: dense's second states the fact, its first does not, their cosines differ by less than
      `tie_margin` and the fused order agrees (ranks the second higher): the two swap;
    - none of the lead states it and the fused order's best passage outside the lead does: that passage
      takes the last place of the lead.
    """
    head = list(evidence.dense_ids[:anchor])
    fact = best_fact(evidence.facts) if promote else None
    if fact is None or not head:
        return head, None
    stating = [states(fact, evidence.entities_of(pid)) for pid in head]
    if any(stating):
        return near_tie(head, stating, fused, evidence.dense_scores, tie_margin)
    challenger = next((pid for pid in fused if pid not in head), None)
    if challenger is None or not states(fact, evidence.entities_of(challenger)):
        return head, None
    return [*head[:-1], challenger], challenger


def near_tie(
    head: list[str], stating: list[bool], fused: Sequence[str], scores: np.ndarray, margin: float
) -> tuple[list[str], str | None]:
    """The lead with its first two swapped when only the second states the best fact, dense barely
    prefers the first (cosine lead < `margin`) and the fused order prefers the second."""
    if len(head) < 2 or stating[0] or not stating[1] or len(scores) < 2 or scores[0] - scores[1] >= margin:
        return head, None
    position = {pid: i for i, pid in enumerate(fused)}
    if position.get(head[1], len(fused)) >= position.get(head[0], len(fused)):
        return head, None
    return [head[1], head[0], *head[2:]], head[1]


def signals(
    ranked: Sequence[str], evidence: Evidence, walk_mass: Sequence[float], promoted: str | None
) -> QuerySignals:
    """The signals of one fused ranking (`walk_mass`: the walk's passage masses, best first)."""
    scores = evidence.dense_scores
    top = float(scores[0]) if len(scores) else 0.0
    total = float(sum(walk_mass))
    fact = best_fact(evidence.facts)
    return QuerySignals(
        dense_top=top,
        dense_gap=dense_gap(scores),
        facts_kept=len(evidence.facts),
        top_states_fact=bool(ranked) and states(fact, evidence.entities_of(ranked[0])),
        walk_top_share=float(walk_mass[0]) / total if total > 0 else 0.0,
        promoted=promoted,
    )
