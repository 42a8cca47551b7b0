"""The final passage order (pure): PPR mass, fused with dense ranks, the dense top anchored first.

Three policies, each switched by a RetrievalParams field (`hipporag2()` turns the last two off):
- rank by PPR mass (HippoRAG 2);
- reciprocal-rank fusion with the dense order (`rrf_dense_weight`, `rrf_k`);
- the dense top `dense_anchor` passages first (PPR's centrality bias tends to push the
  first-hop passage down).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from memrag.memory.params import RetrievalParams


def order_passages(
    reached: tuple[np.ndarray, np.ndarray],
    is_passage: np.ndarray,
    id_of: Callable[[int], str],
    dense_ids: list[str],
    params: RetrievalParams,
) -> list[tuple[str, float]]:
    """(passage id, score) best first, at most `params.top_k`; `reached` is (node indices, PPR mass)."""
    ranked = by_mass(reached, is_passage, id_of, depth=max(4 * params.top_k, params.dense_seed_top_n))
    if params.rrf_dense_weight > 0:
        ranked = fuse_ranks([p for p, _ in ranked], dense_ids, params.rrf_k, params.rrf_dense_weight)
    else:
        seen = {p for p, _ in ranked}
        ranked.extend((p, 0.0) for p in dense_ids if p not in seen)
    return anchor(ranked, dense_ids[: params.dense_anchor])[: params.top_k]


def by_mass(
    reached: tuple[np.ndarray, np.ndarray], is_passage: np.ndarray, id_of: Callable[[int], str], depth: int
) -> list[tuple[str, float]]:
    """The `depth` passages with the most PPR mass, best first (ties by id).

    Only the head of the PPR order can reach the top k, even after fusion with dense ranks.
    """
    nodes, mass = reached
    keep = is_passage[nodes]
    nodes, mass = nodes[keep], mass[keep]
    depth = min(len(mass), depth)
    head = np.argpartition(-mass, depth - 1)[:depth] if depth else np.zeros(0, dtype=np.int64)
    return sorted(((id_of(int(nodes[i])), float(mass[i])) for i in head), key=lambda item: (-item[1], item[0]))


def fuse_ranks(
    graph_order: list[str], dense_order: list[str], k: float, dense_weight: float
) -> list[tuple[str, float]]:
    """Reciprocal rank fusion: 1/(k + graph rank) + dense_weight/(k + dense rank), best first."""
    score: dict[str, float] = {}
    for rank, pid in enumerate(graph_order):
        score[pid] = 1.0 / (k + rank)
    for rank, pid in enumerate(dense_order):
        score[pid] = score.get(pid, 0.0) + dense_weight / (k + rank)
    return sorted(score.items(), key=lambda item: (-item[1], item[0]))


def anchor(ranked: list[tuple[str, float]], first: list[str]) -> list[tuple[str, float]]:
    """Move `first` to the front (sharing the top score), keeping the rest in order."""
    if not first or not ranked:
        return ranked
    top = ranked[0][1]
    front = [(pid, top) for pid in first]
    return front + [(pid, s) for pid, s in ranked if pid not in set(first)]
