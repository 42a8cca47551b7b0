"""Graph-only scaling: heap, add cost and PPR time of the memory graph at up to a million passages.

The graph is fed the synthetic passages of `bench_scaling` (musique-shaped: 6 entities, two of
them Zipf-popular hubs, 9 facts) straight through `MemoryGraph.add_passage`, with no vector store,
so that a million passages fit in minutes and in the RAM of a shared machine. It prints, as one
JSON line: the heap the graph holds (RssAnon growth after a GC and `malloc_trim`), the peak RSS
while building (VmHWM), the build's CPU seconds, the median cost of adding one more passage to
the graph (the graph's share of adding a document), and the p50 of one query's walk (local push
PPR from 5 entity seeds and 200 passage seeds, as the pipeline seeds it, plus picking the top
passages; no vector search: see `bench_scaling` for that part).

    OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python -m benchmarks.bench_graph_scale --passages 100000
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time

import numpy as np

from benchmarks.process_memory import reset_peak_rss, rss_mb
from benchmarks.scaling_store import synthetic_document
from memrag.memory.graph.memory_graph import MemoryGraph
from memrag.memory.graph.ppr import PprSettings, personalized_pagerank
from memrag.memory.ids import document_id, entity_id, fact_id, passage_id


def passage_of(i: int, hubs: int, rng: np.random.Generator) -> tuple[str, list[str], list[tuple[str, str, str]]]:
    """The graph's view of synthetic passage `i`: its id, entity ids and (fact, subject, object) ids
    (the synthetic names are already in normal form: `normalise_extraction` would give these ids)."""
    text, triples = synthetic_document(i, hubs, rng)
    facts = {fact_id(t.subject, t.predicate, t.object): (entity_id(t.subject), entity_id(t.object)) for t in triples}
    entities = list(dict.fromkeys(e for pair in facts.values() for e in pair))
    return passage_id(document_id("", text), text), entities, [(f, s, o) for f, (s, o) in facts.items()]


def build(graph: MemoryGraph, passages: int, rng: np.random.Generator) -> list[str]:
    """Add `passages` synthetic passages; returns the ids of every 10th (query seeds come from them)."""
    hubs = max(passages // 10, 10)
    sampled = []
    for i in range(passages):
        pid, entities, facts = passage_of(i, hubs, rng)
        graph.add_passage(pid, entities, facts)
        if i % 10 == 0:
            sampled.append(pid)
    return sampled


def query_times(
    graph: MemoryGraph, sampled: list[str], queries: int, rng: np.random.Generator
) -> tuple[list[float], float]:
    """Wall seconds of each query's walk, and the mean CPU seconds of one (what a loaded machine does not inflate)."""
    settings = PprSettings(damping=0.5)
    times = []
    cpu0 = time.process_time()
    for _ in range(queries):
        seeds_from = rng.choice(len(sampled), size=200, replace=False)
        passage_nodes = [graph.node_index(sampled[k]) for k in seeds_from]
        entity_ids = [e for k in seeds_from[:3] for e in graph.passage_entities(sampled[k])][:5]
        t0 = time.perf_counter()
        nodes = np.array([graph.node_index(e) for e in entity_ids] + passage_nodes, dtype=np.int64)
        mass = np.concatenate([np.full(len(entity_ids), 1.0), 0.05 * rng.random(len(passage_nodes))])
        reached, ppr = personalized_pagerank(graph.rows(), graph.degree, nodes, mass, settings)
        live = graph.live_passages[reached]
        top = np.argsort(-ppr[live])[:10]
        [graph.node_id(int(n)) for n in reached[live][top]]
        times.append(time.perf_counter() - t0)
    return times, (time.process_time() - cpu0) / queries


def measure(passages: int, adds: int, queries: int) -> dict[str, object]:
    rng = np.random.default_rng(passages)
    base_anon = rss_mb("RssAnon")
    reset_peak_rss()
    graph = MemoryGraph()
    started, cpu0 = time.perf_counter(), time.process_time()
    sampled = build(graph, passages, rng)
    build_s, build_cpu = time.perf_counter() - started, time.process_time() - cpu0
    peak = rss_mb("VmHWM")
    graph.rows()  # the first query's merge, outside the timings
    heap = rss_mb("RssAnon") - base_anon
    add_times = []
    for k in range(adds):
        pid, entities, facts = passage_of(passages + k, max(passages // 10, 10), rng)
        t0 = time.perf_counter()
        graph.add_passage(pid, entities, facts)
        add_times.append(time.perf_counter() - t0)
    latencies, walk_cpu = query_times(graph, sampled, queries, rng)
    stats = graph.stats()
    return {
        "passages": stats.passages,
        "entities": stats.entities,
        "graph_nodes": graph.size,
        "context_edges": stats.context_edges,
        "relation_pairs": stats.relation_pairs,
        "graph_heap_mb": round(heap, 1),
        "graph_heap_mb_per_100k_passages": round(heap * 100_000 / passages, 1),
        "peak_rss_mb": round(peak, 1),
        "build_s": round(build_s, 1),
        "build_cpu_s": round(build_cpu, 1),
        "add_one_passage_ms": round(1000 * statistics.median(add_times), 3),
        "add_one_passage_p99_ms": round(1000 * float(np.percentile(add_times, 99)), 3),
        "walk_p50_ms": round(1000 * statistics.median(latencies), 2),
        "walk_p95_ms": round(1000 * float(np.percentile(latencies, 95)), 2),
        "walk_cpu_ms": round(1000 * walk_cpu, 2),
        "load_average": os.getloadavg(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, default=100_000)
    parser.add_argument("--adds", type=int, default=200)
    parser.add_argument("--queries", type=int, default=50)
    args = parser.parse_args()
    print(json.dumps(measure(args.passages, args.adds, args.queries)), flush=True)


if __name__ == "__main__":
    main()
