"""The HippoRAG 2 retrieval pipeline (DESIGN §5): facts → recognition → seeds → PPR → passages."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from memory.graph import GraphIndex
from memory.params import RetrievalParams
from memory.ports import RecognitionFilter
from memory.ppr import exact_ppr, push_ppr
from memory.records import fact_from
from memory.seeds import entity_seed_weights, min_max, passage_seed_weights
from memory.store import RecordStore
from memory.types import RetrievalMode, ScoredFact, Seed


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

    def __init__(self, store: RecordStore, graph: GraphIndex, recognition: RecognitionFilter) -> None:
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
        scores = self._ppr(seed_ids, seed_weights, params)
        ranked = self._order(scores, dense_ids, min_max(dense_scores, dense_low), params)
        names = {f.fact.subject_id: f.fact.subject for f in kept} | {f.fact.object_id: f.fact.object for f in kept}
        seeds = tuple(Seed(e, names.get(e, e), w) for e, w in entity_weights.items())
        return Ranking(tuple(ranked[: params.top_k]), "graph", kept, seeds)

    def _candidate_facts(self, query_vector: np.ndarray, k: int) -> list[ScoredFact]:
        hits = self._store.facts.search(query_vector, k, with_payload=True)
        if not hits:
            return []
        low = -self._store.facts.search(-query_vector, 1)[0].score  # the least similar fact
        scores = min_max(np.array([h.score for h in hits]), low, hits[0].score)
        return [ScoredFact(fact_from(h.payload or {}), float(s)) for h, s in zip(hits, scores, strict=True)]

    def _dense_seeds(self, query_vector: np.ndarray, n: int) -> tuple[list[str], np.ndarray, float]:
        hits = self._store.passages.search(query_vector, n)
        if not hits:
            return [], np.zeros(0), 0.0
        low = -self._store.passages.search(-query_vector, 1)[0].score
        return [h.id for h in hits], np.array([h.score for h in hits]), low

    def _ppr(self, seed_ids: list[str], weights: np.ndarray, params: RetrievalParams) -> dict[int, float]:
        graph = self._graph
        known = [(graph.node_index(s), w) for s, w in zip(seed_ids, weights, strict=True)]
        pairs = [(i, w) for i, w in known if i is not None]
        nodes = np.array([i for i, _ in pairs], dtype=np.int64)
        mass = np.array([w for _, w in pairs], dtype=np.float64)
        if params.ppr_mode == "exact":
            reset = np.zeros(graph.size)
            np.add.at(reset, nodes, mass)
            p = exact_ppr(
                graph.rows().matrix(graph.size), reset, params.damping, params.ppr_tolerance, params.ppr_max_iterations
            )
            reached = np.flatnonzero(p)
            return dict(zip(reached.tolist(), p[reached].tolist(), strict=True))
        out_nodes, out_mass = push_ppr(graph.rows(), graph.degree, nodes, mass, params.damping, params.ppr_epsilon)
        return dict(zip(out_nodes.tolist(), out_mass.tolist(), strict=True))

    def _order(
        self, scores: dict[int, float], dense_ids: list[str], dense_norm: np.ndarray, params: RetrievalParams
    ) -> list[tuple[str, float]]:
        """Passages by PPR mass (optionally blended with dense score), then dense order for the rest."""
        graph = self._graph
        ppr = {
            graph.node_id(i): m
            for i, m in scores.items()
            if graph.is_passage_node(i) and graph.has_passage(graph.node_id(i))
        }
        if params.dense_blend > 0 and ppr:
            top = max(ppr.values())
            dense = dict(zip(dense_ids, dense_norm.tolist(), strict=True))
            ppr = {p: m / top + params.dense_blend * dense.get(p, 0.0) for p, m in ppr.items()}
        ranked = sorted(ppr.items(), key=lambda item: (-item[1], item[0]))
        seen = set(ppr)
        ranked.extend((p, 0.0) for p in dense_ids if p not in seen)
        return ranked
