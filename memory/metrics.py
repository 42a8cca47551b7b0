"""Retrieval and latency metrics (pure)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def recall_at_k(ranked: Sequence[str], gold: set[str], k: int) -> float:
    """|top-k ∩ gold| / |gold|, as HippoRAG reports it; 0 when there is no gold."""
    if not gold:
        return 0.0
    return len(set(ranked[:k]) & gold) / len(gold)


def mean_recall(rankings: Sequence[Sequence[str]], golds: Sequence[set[str]], k: int) -> float:
    if not rankings:
        return 0.0
    return float(np.mean([recall_at_k(r, g, k) for r, g in zip(rankings, golds, strict=True)]))


def percentile_ms(seconds: Sequence[float], q: float) -> float:
    return float(np.percentile(np.asarray(seconds) * 1000.0, q)) if seconds else 0.0
