"""The final passage order (pure): PPR mass, fused with dense ranks, a per-query leading set first.

Three policies, each switched by a RetrievalParams field (`hipporag2()` turns them off):
- rank by PPR mass (HippoRAG 2);
- reciprocal-rank fusion with the dense order (`rrf_dense_weight`, `rrf_k`);
- the leading passages (`dense_anchor`, `promote_fact_source`): the dense top ones, or the walk's
  choice when it states the best-matching fact and they do not (retrieval/fusion.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from operator import itemgetter

import numpy as np

from memrag.memory.params import RetrievalParams
from memrag.memory.retrieval.fusion import Evidence, QuerySignals, leading, signals


@dataclass(frozen=True)
class Ordered:
    """Passages (id, score) best first, at most `top_k`, and the signals the order was decided from."""

    passages: list[tuple[str, float]]
    signals: QuerySignals


def order_passages(
    reached: tuple[np.ndarray, np.ndarray],
    is_passage: np.ndarray,
    id_of: Callable[[int], str],
    evidence: Evidence,
    params: RetrievalParams,
) -> Ordered:
    """The final order; `reached` is (node indices, PPR mass)."""
    walk = by_mass(reached, is_passage, id_of, depth=max(4 * params.top_k, params.dense_seed_top_n))
    return fuse_orders(walk, evidence, params)


def fuse_orders(walk: list[tuple[str, float]], evidence: Evidence, params: RetrievalParams) -> Ordered:
    """The final order from the walk's head (id, PPR mass), best first, and the dense evidence."""
    dense_ids = list(evidence.dense_ids)
    if params.rrf_dense_weight > 0:
        ranked = fuse_ranks([p for p, _ in walk], dense_ids, params.rrf_k, params.rrf_dense_weight)
    else:
        seen = {p for p, _ in walk}
        ranked = walk + [(p, 0.0) for p in dense_ids if p not in seen]
    fused = [p for p, _ in ranked]
    head, promoted = leading(fused, evidence, params)
    final = anchor(ranked, head)[: params.top_k]
    return Ordered(final, signals([p for p, _ in final], evidence, [m for _, m in walk], promoted))


def by_mass(
    reached: tuple[np.ndarray, np.ndarray], is_passage: np.ndarray, id_of: Callable[[int], str], depth: int
) -> list[tuple[str, float]]:
    """The `depth` passages with the most PPR mass, best first (ties by id).

    Only the head of the PPR order can reach the top k, even after fusion with dense ranks.
    """
    nodes, mass = reached
    keep = is_passage[nodes]
    nodes, mass = nodes[keep], mass[keep]
    head = _heaviest(mass, min(len(mass), depth))
    head = head[np.argsort(-mass[head], kind="stable")]
    ranked = mass[head]
    walk = [(id_of(node), m) for node, m in zip(nodes[head].tolist(), ranked.tolist(), strict=True)]
    if (ranked[1:] == ranked[:-1]).any():  # equal masses: by id (ids compared only then)
        walk.sort(key=lambda item: (-item[1], item[0]))
    return walk[:depth]


def _heaviest(mass: np.ndarray, depth: int) -> np.ndarray:
    """The positions of the `depth` largest masses, and of every mass equal to the last of them (which of
    equal masses make the cut is then decided by id, not by where the partition left them)."""
    if depth == 0:
        return np.zeros(0, dtype=np.int64)
    if depth == len(mass):
        return np.arange(depth)
    split = np.argpartition(-mass, [depth - 1, depth])
    if mass[split[depth - 1]] == mass[split[depth]]:
        return np.flatnonzero(mass >= mass[split[depth - 1]])
    return split[:depth]


def fuse_ranks(
    graph_order: list[str], dense_order: list[str], k: float, dense_weight: float
) -> list[tuple[str, float]]:
    """Reciprocal rank fusion: 1/(k + graph rank) + dense_weight/(k + dense rank), best first."""
    score: dict[str, float] = {}
    for rank, pid in enumerate(graph_order):
        score[pid] = 1.0 / (k + rank)
    for rank, pid in enumerate(dense_order):
        score[pid] = score.get(pid, 0.0) + dense_weight / (k + rank)
    fused = sorted(score.items())  # by id: ids are distinct
    fused.sort(key=itemgetter(1), reverse=True)  # then by score, equal scores staying in id order (a stable sort)
    return fused


def anchor(ranked: list[tuple[str, float]], first: list[str]) -> list[tuple[str, float]]:
    """Move `first` to the front (sharing the top score), keeping the rest in order."""
    if not first or not ranked:
        return ranked
    top = ranked[0][1]
    front = [(pid, top) for pid in first]
    chosen = set(first)
    return front + [(pid, s) for pid, s in ranked if pid not in chosen]
