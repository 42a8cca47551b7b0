"""The HippoRAG 2 retrieval pipeline (DESIGN §5): facts → recognition → seeds → PPR → passages."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from memrag.memory.graph.memory_graph import MemoryGraph
from memrag.memory.graph.ppr import exact_ppr, push_ppr
from memrag.memory.params import RetrievalParams
from memrag.memory.ports import RecognitionFilter
from memrag.memory.retrieval.seeds import entity_seed_weights, min_max, passage_seed_weights
from memrag.memory.storage.record_store import RecordStore
from memrag.memory.storage.records import fact_from
from memrag.memory.types import RetrievalMode, ScoredFact, Seed


@dataclass(frozen=True)
class Ranking:
    """Passage ids best first with scores, and how they were found."""

    passages: tuple[tuple[str, float], ...]
    mode: RetrievalMode
    facts: tuple[ScoredFact, ...] = ()
    seeds: tuple[Seed, ...] = ()


class KeepTopFacts:
    """Recognition without an LLM: keep the top candidates (all of them by default)."""

    def __init__(self, limit: int | None = None) -> None:
        self._limit = limit

    def select(self, query: str, candidates: Sequence[ScoredFact]) -> list[ScoredFact]:
        return list(candidates[: self._limit])


class Retriever:
    """Ranks passages for a query vector over one namespace's store and graph."""

    def __init__(self, store: RecordStore, graph: MemoryGraph, recognition: RecognitionFilter) -> None:
        self._store, self._graph, self._recognition = store, graph, recognition

    def dense(self, query_vector: np.ndarray, k: int) -> Ranking:
        hits = self._store.passages.search(query_vector, k)
        return Ranking(tuple((h.id, h.score) for h in hits), "dense")

    def rank(self, query: str, query_vector: np.ndarray, params: RetrievalParams) -> Ranking:
        candidates = self._candidate_facts(query_vector, params.linking_top_k)
        kept = tuple(self._recognition.select(query, candidates))
        entity_weights = entity_seed_weights(kept, self._graph.mentions, params.seed_entity_top_k)
        if not entity_weights:
            fallback = self.dense(query_vector, params.top_k)
            return Ranking(fallback.passages, "dense_fallback", kept)
        dense_ids, dense_scores, dense_low = self._dense_seeds(query_vector, params.dense_seed_top_n)
        passage_weights = passage_seed_weights(dense_scores, dense_low, params.passage_node_weight)
        seed_ids = list(entity_weights) + dense_ids
        seed_weights = np.concatenate([np.fromiter(entity_weights.values(), dtype=np.float64), passage_weights])
        reached = self._ppr(seed_ids, seed_weights, params)
        ranked = self._order(reached, dense_ids, params)
        names = {f.fact.subject_id: f.fact.subject for f in kept} | {f.fact.object_id: f.fact.object for f in kept}
        seeds = tuple(Seed(e, names.get(e, e), w) for e, w in entity_weights.items())
        return Ranking(tuple(ranked), "graph", kept, seeds)

    def _candidate_facts(self, query_vector: np.ndarray, k: int) -> list[ScoredFact]:
        hits = self._store.facts.search(query_vector, k, with_payload=True)
        if not hits:
            return []
        # The nearest fact to -q is the least similar one: the low end of the min-max scaling.
        low = -self._store.facts.search_points(-query_vector[None, :], 1)[0][0][1]
        scores = min_max(np.array([h.score for h in hits]), low, hits[0].score)
        return [ScoredFact(fact_from(h.payload or {}), float(s)) for h, s in zip(hits, scores, strict=True)]

    def _dense_seeds(self, query_vector: np.ndarray, n: int) -> tuple[list[str], np.ndarray, float]:
        """Top-n passages by cosine (ids via the graph, no payload read) and the lowest cosine."""
        hits = self._store.passages.search_points(query_vector[None, :], n)[0]
        opposite = self._store.passages.search_points(-query_vector[None, :], 1)[0]
        found = [(self._graph.passage_of_point(point), score) for point, score in hits]
        kept = [(pid, score) for pid, score in found if pid is not None]
        if not kept:
            return [], np.zeros(0), 0.0
        low = -opposite[0][1]  # the least similar passage: the low end of the min-max scaling
        return [pid for pid, _ in kept], np.array([s for _, s in kept]), low

    def _ppr(self, seed_ids: list[str], weights: np.ndarray, params: RetrievalParams) -> tuple[np.ndarray, np.ndarray]:
        """PPR mass as (node indices, mass) for the nodes it reached."""
        graph = self._graph
        known = [(graph.node_index(s), w) for s, w in zip(seed_ids, weights, strict=True)]
        nodes = np.array([i for i, _ in known if i is not None], dtype=np.int64)
        mass = np.array([w for i, w in known if i is not None], dtype=np.float64)
        if params.ppr_mode == "exact" or (params.ppr_mode == "auto" and graph.size <= params.exact_ppr_max_nodes):
            reset = np.zeros(graph.size)
            np.add.at(reset, nodes, mass)
            walk = graph.rows().walk(graph.size)
            p = exact_ppr(walk, graph.degree, reset, params.damping, params.ppr_tolerance, params.ppr_max_iterations)
            reached = np.flatnonzero(p)
            return reached, p[reached]
        return push_ppr(graph.rows(), graph.degree, nodes, mass, params.damping, params.ppr_epsilon)

    def _order(
        self, reached: tuple[np.ndarray, np.ndarray], dense_ids: list[str], params: RetrievalParams
    ) -> list[tuple[str, float]]:
        """Passages by PPR mass, fused with dense ranks and anchored (see RetrievalParams)."""
        graph = self._graph
        nodes, mass = reached
        keep = graph.live_passages[nodes]
        nodes, mass = nodes[keep], mass[keep]
        # Only the head of the PPR order can reach the top k, even after fusion with dense ranks.
        depth = min(len(mass), max(4 * params.top_k, params.dense_seed_top_n))
        head = np.argpartition(-mass, depth - 1)[:depth] if depth else np.zeros(0, dtype=np.int64)
        ranked = sorted(
            ((graph.node_id(int(nodes[i])), float(mass[i])) for i in head), key=lambda item: (-item[1], item[0])
        )
        if params.rrf_dense_weight > 0:
            ranked = fuse_ranks([p for p, _ in ranked], dense_ids, params.rrf_k, params.rrf_dense_weight)
        else:
            seen = {p for p, _ in ranked}
            ranked.extend((p, 0.0) for p in dense_ids if p not in seen)
        return anchor(ranked, dense_ids[: params.dense_anchor])[: params.top_k]


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
