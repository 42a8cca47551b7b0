"""Seed weighting of HippoRAG 2 (DESIGN §5 step 5): entity seeds from facts, passage seeds from dense scores."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from memory.types import ScoredFact


def min_max(scores: np.ndarray, low: float | None = None, high: float | None = None) -> np.ndarray:
    """Scale to [0, 1] with the given (or observed) bounds; all-equal scores map to 1."""
    if len(scores) == 0:
        return scores.astype(np.float64)
    lo = float(scores.min()) if low is None else low
    hi = float(scores.max()) if high is None else high
    if hi - lo <= 0:
        return np.ones(len(scores), dtype=np.float64)
    return np.clip((scores - lo) / (hi - lo), 0.0, 1.0)


def entity_seed_weights(
    facts: Sequence[ScoredFact], mentions: Callable[[str], int], top_k: int
) -> dict[str, float]:
    """Each fact's subject and object get score ÷ passages mentioning them, averaged; top_k kept.

    Entities that no passage mentions are not graph nodes and get nothing.
    """
    total: dict[str, float] = {}
    occurrences: dict[str, int] = {}
    for scored in facts:
        for entity in (scored.fact.subject_id, scored.fact.object_id):
            count = mentions(entity)
            if count <= 0:
                continue
            total[entity] = total.get(entity, 0.0) + scored.score / count
            occurrences[entity] = occurrences.get(entity, 0) + 1
    averaged = {e: total[e] / occurrences[e] for e in total}
    ranked = sorted(averaged.items(), key=lambda item: (-item[1], item[0]))
    return {e: w for e, w in ranked[:top_k] if w > 0}


def passage_seed_weights(scores: np.ndarray, low: float, passage_node_weight: float) -> np.ndarray:
    """passage_node_weight × min-max(dense score), the minimum taken over the whole memory."""
    high = float(scores.max()) if len(scores) else 0.0
    return passage_node_weight * min_max(scores, low, high)
