"""Recall and rankings at several walk tolerances, on a memory `memrag eval --data-dir` kept.

For each pair of `--tolerance` (the exact walk's) and `--epsilon` (the local walk's), every question
is ranked (top 10, the query vectors computed once) and the script prints recall at k = 1, 2, 5, 10,
how many top-10 and top-5 rankings are identical to the first pair's, and the ranking's CPU ms per
question. Nothing is written to the store.

    OMP_NUM_THREADS=1 .venv/bin/python -m benchmarks.bench_ppr_tolerance /tmp/mus ../shared/data/musique-100 \\
        --tolerance 1e-5 1e-4 3e-4 1e-3
    OMP_NUM_THREADS=1 .venv/bin/python -m benchmarks.bench_ppr_tolerance /tmp/2wiki ../shared/data/2wiki-101 \\
        --epsilon 1e-5 3e-5 1e-4

A graph above `exact_ppr_max_nodes` nodes walks locally (push), where only the epsilon plays a part;
at or below it, only the tolerance.
"""

from __future__ import annotations

import argparse
import itertools
import json
import time
from dataclasses import replace
from pathlib import Path

from memrag.memory.eval.dataset import load_dataset
from memrag.memory.eval.harness import KS, eval_embedding_cache, passage_texts
from memrag.memory.eval.metrics import mean_recall
from memrag.memory.extraction.recorded import NoExtractor
from memrag.memory.params import RetrievalParams
from memrag.memory.settings import Settings
from memrag.memory.wiring import open_engine

TOP_K = 10


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", type=Path, help="a data directory `memrag eval --data-dir` indexed")
    parser.add_argument("dataset", type=Path, help="the HippoRAG-layout set it holds")
    parser.add_argument("--tolerance", type=float, nargs="+", default=[RetrievalParams().ppr_tolerance])
    parser.add_argument("--epsilon", type=float, nargs="+", default=[RetrievalParams().ppr_epsilon])
    args = parser.parse_args()
    base = Settings()
    cache = eval_embedding_cache(base)  # as `memrag eval`
    settings = base.model_copy(update={"qdrant_url": None, "data_dir": args.data_dir, "embedding_cache": cache})
    dataset = load_dataset(args.dataset)
    engine = open_engine(settings, "eval", extractor=NoExtractor(), whole_documents=True, writer=False)
    try:
        questions = [q.question for q in dataset.questions]
        vectors = engine.query_embedder.embed(questions)
        texts, golds = passage_texts(dataset), [set(q.gold) for q in dataset.questions]
        for question, vector in zip(questions, vectors, strict=True):  # loads the store's copies and walk's arrays
            engine.rank(question, RetrievalParams(), vector)
        first: list[list[str]] = []
        print(json.dumps({"set": args.dataset.name, "graph_nodes": engine.graph.size}))
        for tolerance, epsilon in itertools.product(args.tolerance, args.epsilon):
            params = replace(RetrievalParams(), top_k=TOP_K, ppr_tolerance=tolerance, ppr_epsilon=epsilon)
            started = time.process_time()
            asked = zip(questions, vectors, strict=True)
            rankings = [[p for p, _ in engine.rank(q, params, v).passages] for q, v in asked]
            cpu_ms = 1000 * (time.process_time() - started) / len(questions)
            first = first or rankings
            ranked = [[texts.get(p, p) for p in ranking] for ranking in rankings]
            recall = {f"R@{k}": round(100 * mean_recall(ranked, golds, k), 1) for k in KS}
            same = {n: sum(a[:n] == b[:n] for a, b in zip(first, rankings, strict=True)) for n in (TOP_K, 5)}
            row = {"ppr_tolerance": tolerance, "ppr_epsilon": epsilon, **recall, "rank_cpu_ms": round(cpu_ms, 2)}
            row |= {f"identical_top{n}": f"{count}/{len(rankings)}" for n, count in same.items()}
            print(json.dumps(row), flush=True)
    finally:
        engine.close()


if __name__ == "__main__":
    main()
