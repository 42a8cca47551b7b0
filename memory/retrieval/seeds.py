"""Seed weighting of HippoRAG 2 (DESIGN §5 step 5): entity seeds from facts, passage seeds from dense scores."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from memrag.memory.types import ScoredFact


def min_max(scores: np.ndarray, low: float | None = None, high: float | None = None) -> np.ndarray:
    """Scale to [0, 1] with the given (or observed) bounds; all-equal scores map to 1."""
    if len(scores) == 0:
        return scores.astype(np.float64)
    lo = float(scores.min()) if low is None else low
    hi = float(scores.max()) if high is None else high
    if hi - lo <= 0:
        return np.ones(len(scores), dtype=np.float64)
    return np.clip((scores - lo) / (hi - lo), 0.0, 1.0)


def entity_seed_weights(facts: Sequence[ScoredFact], mentions: Callable[[str], int], top_k: int) -> dict[str, float]:
    """Seed weight of each fact's subject and object: fact score ÷ passages mentioning it, averaged.

    As in HippoRAG 2, the `top_k` entities kept are those with the best mean fact score (ties
    by first appearance in fact rank order), not the best weight. Entities that no passage
    mentions are not graph nodes and get nothing.
    """
    weighted: dict[str, list[float]] = {}
    raw: dict[str, list[float]] = {}
    for scored in facts:
        for entity in (scored.fact.subject_id, scored.fact.object_id):
            count = mentions(entity)
            if count <= 0:
                continue
            weighted.setdefault(entity, []).append(scored.score / count)
            raw.setdefault(entity, []).append(scored.score)
    chosen = sorted(raw, key=lambda e: -sum(raw[e]) / len(raw[e]))[:top_k]  # stable: keeps fact order on ties
    weights = {e: sum(weighted[e]) / len(weighted[e]) for e in chosen}
    return {e: w for e, w in weights.items() if w > 0}


def passage_seed_weights(scores: np.ndarray, low: float, passage_node_weight: float) -> np.ndarray:
    """passage_node_weight × min-max(dense score), the minimum taken over the whole memory."""
    high = float(scores.max()) if len(scores) else 0.0
    return passage_node_weight * min_max(scores, low, high)
