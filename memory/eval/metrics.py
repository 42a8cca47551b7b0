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


def squad_normalize(text: str) -> str:
    """SQuAD answer normalisation: lower case, no punctuation, no articles, single spaces."""
    import re
    import string

    text = "".join(ch for ch in text.lower() if ch not in set(string.punctuation))
    text = re.sub(r"\b(a|an|the)\b", " ", text)
    return " ".join(text.split())


def exact_match(prediction: str, answers: Sequence[str]) -> float:
    return max((float(squad_normalize(prediction) == squad_normalize(a)) for a in answers), default=0.0)


def token_f1(prediction: str, answers: Sequence[str]) -> float:
    """Best token-overlap F1 against any of the answers."""
    from collections import Counter

    def f1(pred: str, gold: str) -> float:
        p, g = squad_normalize(pred).split(), squad_normalize(gold).split()
        common = sum((Counter(p) & Counter(g)).values())
        if common == 0:
            return 0.0
        precision, recall = common / len(p), common / len(g)
        return 2 * precision * recall / (precision + recall)

    return max((f1(prediction, a) for a in answers if a), default=0.0)
