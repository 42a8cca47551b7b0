"""The HippoRAG 2 retrieval pipeline (DESIGN §5): facts → recognition → seeds → PPR → passages."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from memrag.memory.graph.memory_graph import MemoryGraph
from memrag.memory.graph.ppr import personalized_pagerank
from memrag.memory.llm.usage import UsageMeter
from memrag.memory.params import RetrievalParams
from memrag.memory.ports import RecognitionFilter
from memrag.memory.retrieval.fusion import Evidence, QuerySignals
from memrag.memory.retrieval.ordering import order_passages
from memrag.memory.retrieval.seeds import entity_seed_weights, min_max, passage_seed_weights
from memrag.memory.storage.record_store import RecordStore
from memrag.memory.storage.records import fact_from
from memrag.memory.types import RetrievalMode, ScoredFact, Seed

NO_PROVENANCE: tuple[tuple[ScoredFact, ...], tuple[Seed, ...]] = ((), ())


@dataclass(frozen=True)
class RankedPassages:
    """Passage ids best first with scores (no texts), how they were found, and why each was.

    `facts`/`seeds` are the query's (what the walk started from); `provenance[i]` holds, for
    `passages[i]`, the seeds among that passage's entities and the kept facts that name them.
    `walk_seeds` is the walk's whole reset (entity and dense passage seeds, graph node id and
    weight before normalisation): what an explanation recomputes the walk from. `signals` are the
    fusion's view of the query's evidence (graph mode only), for callers judging an answer's support.
    """

    passages: tuple[tuple[str, float], ...]
    mode: RetrievalMode
    facts: tuple[ScoredFact, ...] = ()
    seeds: tuple[Seed, ...] = ()
    provenance: tuple[tuple[tuple[ScoredFact, ...], tuple[Seed, ...]], ...] = ()
    walk_seeds: tuple[tuple[str, float], ...] = ()
    signals: QuerySignals | None = None

    def why(self, index: int) -> tuple[tuple[ScoredFact, ...], tuple[Seed, ...]]:
        return self.provenance[index] if index < len(self.provenance) else NO_PROVENANCE


class Retriever:
    """Ranks passages for a query vector over one namespace's store and graph (callers hold the lock)."""

    def __init__(self, store: RecordStore, graph: MemoryGraph, recognition: RecognitionFilter) -> None:
        self._store, self._graph, self._recognition = store, graph, recognition

    def rank(
        self, query: str, query_vector: np.ndarray, params: RetrievalParams, meter: UsageMeter | None = None
    ) -> RankedPassages:
        """`meter`, when given, collects what recognition's LLM call cost (the answer's share of retrieval)."""
        if params.strategy == "dense":
            return self._dense(query_vector, params.top_k, "dense")
        kept = tuple(self._recognition.select(query, self._candidate_facts(query_vector, params.linking_top_k), meter))
        entity_weights = entity_seed_weights(kept, self._graph.mentions, params.seed_entity_top_k)
        if not entity_weights:
            fallback = self._dense(query_vector, params.top_k, "dense_fallback")
            return RankedPassages(fallback.passages, fallback.mode, kept)
        dense_ids, dense_scores, dense_low = self._dense_seeds(query_vector, params.dense_seed_top_n)
        seed_ids = list(entity_weights) + dense_ids
        weights = np.concatenate(
            [
                np.fromiter(entity_weights.values(), dtype=np.float64),
                passage_seed_weights(dense_scores, dense_low, params.passage_node_weight),
            ]
        )
        graph = self._graph
        known = [(graph.node_index(s), w) for s, w in zip(seed_ids, weights, strict=True)]
        nodes = np.array([i for i, _ in known if i is not None], dtype=np.int64)
        mass = np.array([w for i, w in known if i is not None], dtype=np.float64)
        reached = personalized_pagerank(graph.rows(), graph.degree, nodes, mass, params.ppr)
        evidence = Evidence(dense_ids, dense_scores, kept, graph.passage_entities)
        ordered = order_passages(reached, graph.live_passages, graph.node_id, evidence, params)
        ranked = ordered.passages
        names = {f.fact.subject_id: f.fact.subject for f in kept} | {f.fact.object_id: f.fact.object for f in kept}
        seeds = tuple(Seed(e, names.get(e, e), w) for e, w in entity_weights.items())
        why = tuple(self._provenance(pid, kept, seeds) for pid, _ in ranked)
        walk_seeds = tuple((graph.node_id(int(i)), float(w)) for i, w in zip(nodes, mass, strict=True))
        return RankedPassages(tuple(ranked), "graph", kept, seeds, why, walk_seeds, ordered.signals)

    def _provenance(
        self, passage_id: str, kept: tuple[ScoredFact, ...], seeds: tuple[Seed, ...]
    ) -> tuple[tuple[ScoredFact, ...], tuple[Seed, ...]]:
        """The seeds this passage mentions, and the kept facts that name one of them."""
        mentioned = set(self._graph.passage_entities(passage_id))
        own_seeds = tuple(s for s in seeds if s.node_id in mentioned)
        seeded = {s.node_id for s in own_seeds}
        own_facts = tuple(f for f in kept if f.fact.subject_id in seeded or f.fact.object_id in seeded)
        return own_facts, own_seeds

    def _dense(self, query_vector: np.ndarray, k: int, mode: RetrievalMode) -> RankedPassages:
        [hits] = self._store.nearest(self._store.passages, query_vector[None, :], k)
        return RankedPassages(tuple((h.id, h.score) for h in hits), mode)

    def _candidate_facts(self, query_vector: np.ndarray, k: int) -> list[ScoredFact]:
        [hits] = self._store.nearest(self._store.facts, query_vector[None, :], k, with_payload=True)
        if not hits:
            return []
        # The nearest fact to -q is the least similar one: the low end of the min-max scaling.
        low = -self._store.nearest_points(self._store.facts, -query_vector[None, :], 1)[0][0][1]
        scores = min_max(np.array([h.score for h in hits]), low, hits[0].score)
        return [ScoredFact(fact_from(h.payload or {}), float(s)) for h, s in zip(hits, scores, strict=True)]

    def _dense_seeds(self, query_vector: np.ndarray, n: int) -> tuple[list[str], np.ndarray, float]:
        """Top-n passages by cosine (ids via the graph, no payload read) and the lowest cosine."""
        [hits] = self._store.nearest_points(self._store.passages, query_vector[None, :], n)
        [opposite] = self._store.nearest_points(self._store.passages, -query_vector[None, :], 1)
        found = [(self._graph.passage_of_point(point), score) for point, score in hits]
        kept = [(pid, score) for pid, score in found if pid is not None]
        if not kept:
            return [], np.zeros(0), 0.0
        low = -opposite[0][1]  # the least similar passage: the low end of the min-max scaling
        return [pid for pid, _ in kept], np.array([s for _, s in kept]), low
