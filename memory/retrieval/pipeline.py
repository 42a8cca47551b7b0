"""The HippoRAG 2 retrieval pipeline (DESIGN §5): facts → recognition → seeds → PPR → passages."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from memrag.memory.graph.memory_graph import MemoryGraph
from memrag.memory.graph.ppr import PushScratch, personalized_pagerank
from memrag.memory.llm.usage import UsageMeter
from memrag.memory.params import RetrievalParams
from memrag.memory.ports import RecognitionFilter
from memrag.memory.retrieval.fusion import Evidence, QuerySignals
from memrag.memory.retrieval.ordering import order_passages
from memrag.memory.retrieval.seeds import entity_seed_weights, min_max, passage_seed_weights
from memrag.memory.storage.record_store import RecordStore
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
        self._scratch = PushScratch()  # the local walk's arrays, reused: callers hold the lock

    def rank(
        self, query: str, query_vector: np.ndarray, params: RetrievalParams, meter: UsageMeter | None = None
    ) -> RankedPassages:
        """`meter`, when given, collects what recognition's LLM call cost (the answer's share of retrieval).

        Three store calls: the dense top-n passages, the least similar passage (the low end of both
        min-max scalings), the top facts. The dense fallback is the head of the same top-n.
        """
        if params.strategy == "dense":
            return self._dense(query_vector, params.top_k, "dense")
        dense = self._dense_seeds(query_vector, max(params.dense_seed_top_n, params.top_k))
        candidates = self._candidate_facts(query_vector, params.linking_top_k, dense.low)
        kept = tuple(self._recognition.select(query, candidates, meter))
        entity_weights = entity_seed_weights(kept, self._graph.mentions, params.seed_entity_top_k)
        if not entity_weights:
            head = tuple(zip(dense.ids[: params.top_k], dense.scores[: params.top_k].tolist(), strict=True))
            return RankedPassages(head, "dense_fallback", kept)
        dense_ids = dense.ids[: params.dense_seed_top_n]
        graph = self._graph
        entity_ids = list(entity_weights)
        entity_nodes = [graph.node_index(e) for e in entity_ids]
        placed = [(e, i, w) for (e, w), i in zip(entity_weights.items(), entity_nodes, strict=True) if i is not None]
        seed_ids = [e for e, _, _ in placed] + dense_ids
        nodes = np.concatenate([np.array([i for _, i, _ in placed], dtype=np.int64), dense.nodes[: len(dense_ids)]])
        mass = np.concatenate(
            [
                np.array([w for _, _, w in placed]),
                passage_seed_weights(dense.scores[: len(dense_ids)], dense.low or 0.0, params.passage_node_weight),
            ]
        )
        reached = personalized_pagerank(graph.rows(), graph.degree, nodes, mass, params.ppr, self._scratch)
        evidence = Evidence(dense_ids, dense.scores[: len(dense_ids)], kept, graph.passage_entities)
        known = dict(zip(dense.nodes.tolist(), dense.ids, strict=True))  # most of the walk's head: no unpacking
        ordered = order_passages(
            reached, graph.live_passages, lambda n: known.get(n) or graph.node_id(n), evidence, params
        )
        ranked = ordered.passages
        names = {f.fact.subject_id: f.fact.subject for f in kept} | {f.fact.object_id: f.fact.object for f in kept}
        seeds = tuple(Seed(e, names.get(e, e), w) for e, w in entity_weights.items())
        seed_nodes = dict(zip(entity_ids, entity_nodes, strict=True))
        why = tuple(self._provenance(pid, kept, seeds, seed_nodes) for pid, _ in ranked)
        walk_seeds = tuple(zip(seed_ids, mass.tolist(), strict=True))
        return RankedPassages(tuple(ranked), "graph", kept, seeds, why, walk_seeds, ordered.signals)

    def _provenance(
        self, passage_id: str, kept: tuple[ScoredFact, ...], seeds: tuple[Seed, ...], seed_nodes: dict[str, int | None]
    ) -> tuple[tuple[ScoredFact, ...], tuple[Seed, ...]]:
        """The seeds this passage mentions, and the kept facts that name one of them (seeds compared as nodes)."""
        node = self._graph.node_index(passage_id)
        mentioned = set() if node is None else set(self._graph.passage_entity_nodes(node).tolist())
        own_seeds = tuple(s for s in seeds if seed_nodes.get(s.node_id) in mentioned)
        seeded = {s.node_id for s in own_seeds}
        own_facts = tuple(f for f in kept if f.fact.subject_id in seeded or f.fact.object_id in seeded)
        return own_facts, own_seeds

    def _dense(self, query_vector: np.ndarray, k: int, mode: RetrievalMode) -> RankedPassages:
        [hits] = self._store.nearest(self._store.passages, query_vector[None, :], k)
        return RankedPassages(tuple((h.id, h.score) for h in hits), mode)

    def _candidate_facts(self, query_vector: np.ndarray, k: int, low: float | None) -> list[ScoredFact]:
        """The top-k facts, min-max scaled from `low` (the least similar passage's cosine) to the best.

        The reference scales by the least similar *fact*; that took a second scan of the largest
        collection per query. The passages' low end stands in for it: on musique-100 the two differ
        by 0.01 at the median, and recall at k = 1, 2, 5, 10 is unchanged (benchmarks/bench_query_cost.py).
        """
        [hits] = self._store.nearest(self._store.facts, query_vector[None, :], k, with_payload=True)
        found = self._store.fact_hits(hits)  # a fact the store cannot decode is quarantined, not fatal
        if not found:
            return []
        scores = np.array([score for _, score in found])
        scaled = min_max(scores, min(low, float(scores.min())) if low is not None else None, found[0][1])
        return [ScoredFact(fact, float(s)) for (fact, _), s in zip(found, scaled, strict=True)]

    def _dense_seeds(self, query_vector: np.ndarray, n: int) -> DenseSeeds:
        """Top-n passages of the graph by cosine (ids and nodes via the graph, no payload read), and the
        lowest cosine of any passage (the nearest to -q): the low end of the min-max scalings."""
        both = self._store.nearest_points(self._store.passages, np.stack([query_vector, -query_vector]), [n, 1])
        [hits, opposite] = both
        nodes = self._graph.passage_nodes([point for point, _ in hits])
        in_graph = nodes >= 0
        scores = np.fromiter((score for _, score in hits), dtype=np.float64, count=len(hits))[in_graph]
        low = -opposite[0][1] if opposite else None
        return DenseSeeds(self._graph.node_ids(nodes[in_graph]), nodes[in_graph], scores, low)


@dataclass(frozen=True)
class DenseSeeds:
    """The dense top-n passages in the graph, best first: ids, graph nodes, cosines; `low` is the
    least similar passage's cosine (None when the store had none)."""

    ids: list[str]
    nodes: np.ndarray  # int64
    scores: np.ndarray
    low: float | None
