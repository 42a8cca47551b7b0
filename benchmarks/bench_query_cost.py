"""Query cost beside dense retrieval's, in one run: memrag p50/p95, dense p50/p95, their ratio.

Each query is timed as `memrag eval` times it (memory/eval/query_timing.py: query embedding +
ranking + the hits' passage texts, no reader), memrag and dense one right after the other, so
the ratio holds under a shared machine's load. Nothing is indexed here:

- `--data-dir DIR DATASET`: a memory that `memrag eval DATASET --data-dir DIR` built (namespace
  `eval`); also prints recall at k = 1, 2, 5, 10.
- `--synthetic DIR`: a store that `benchmarks.bench_scaling --keep` made (64-d random vectors);
  each query is still embedded by the real model (its cost is paid, its vector replaced by the
  store's kind), so the figures include the query embedding as on real data.

With either, `--rankings FILE` writes every question's ranking (passage ids), which `--compare FILE`
sets against an earlier run's (how many identical).

    OMP_NUM_THREADS=1 .venv/bin/python -m benchmarks.bench_query_cost --data-dir /tmp/mus ../shared/data/musique-100
    OMP_NUM_THREADS=1 .venv/bin/python -m benchmarks.bench_query_cost --synthetic /tmp/scalekeep/100000

`--split` adds where the ranking's CPU goes (query vectors computed beforehand, each question ranked
`--repeat` times, the fastest kept): memrag's and dense's ranking p50, split into the vector store's
searches and the rest (the graph lookups, the walk, the ordering).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.bench_scaling import DIM, RandomEmbedder
from memrag.memory.engine import Engine
from memrag.memory.eval.dataset import load_dataset
from memrag.memory.eval.harness import KS, eval_embedding_cache, passage_texts
from memrag.memory.eval.metrics import mean_recall
from memrag.memory.eval.query_timing import TIMED, retrieve_both
from memrag.memory.extraction.recorded import NoExtractor
from memrag.memory.indexing.chunking import WholeDocumentChunker
from memrag.memory.params import RetrievalParams
from memrag.memory.ports import Embedder, VectorIndex
from memrag.memory.retrieval.recognition import KeepTopFacts
from memrag.memory.settings import Settings
from memrag.memory.storage.qdrant_edge import EdgeStore
from memrag.memory.storage.record_store import RecordStore
from memrag.memory.wiring import make_embedder, open_engine, query_side

SYNTHETIC_QUESTIONS = 200


class PricedEmbedder:
    """Embeds with the real model (its cost is paid) and answers with the synthetic store's vectors."""

    name = "priced-random"
    dim = DIM

    def __init__(self, real: Embedder) -> None:
        self._real, self._random = real, RandomEmbedder()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self._real.embed(texts)
        return self._random.embed(texts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset", type=Path, nargs="?", help="the HippoRAG-layout set the data dir holds")
    parser.add_argument("--data-dir", type=Path, help="a data directory `memrag eval --data-dir` indexed")
    parser.add_argument("--synthetic", type=Path, help="a store `benchmarks.bench_scaling --keep` made")
    parser.add_argument("--threads", type=int, default=1, help="embedding threads")
    parser.add_argument("--top-k", type=int, default=max(KS))
    parser.add_argument("--repeat", type=int, default=1, help="ask each question N times, keep the fastest")
    parser.add_argument("--rankings", type=Path, help="write each question's ranking (passage ids) here")
    parser.add_argument("--compare", type=Path, help="count the rankings identical to this earlier file's")
    parser.add_argument("--split", action="store_true", help="also split the ranking's CPU: vector store and the rest")
    args = parser.parse_args()
    base = Settings()
    cache = eval_embedding_cache(base)  # as `memrag eval`
    update = {"qdrant_url": None, "embedding_threads": args.threads, "embedding_cache": cache}
    settings = base.model_copy(update=update)
    params = replace(RetrievalParams(), top_k=args.top_k)
    if args.synthetic:
        result = synthetic(args, settings, params)
    elif args.data_dir and args.dataset:
        result = on_dataset(args, settings, params)
    else:
        parser.error("give --synthetic DIR, or --data-dir DIR and the dataset")
    timed = TIMED + (f", the fastest of {args.repeat} runs" if args.repeat > 1 else "")
    print(json.dumps({"timed": timed, "load_average": os.getloadavg()[0], **result}, indent=2))


def on_dataset(args: argparse.Namespace, settings: Settings, params: RetrievalParams) -> dict[str, object]:
    dataset = load_dataset(args.dataset)
    where = settings.model_copy(update={"data_dir": args.data_dir})
    engine = open_engine(where, "eval", extractor=NoExtractor(), whole_documents=True, writer=False)
    try:
        questions = [q.question for q in dataset.questions]
        memrag, dense, times = retrieve_both(engine, questions, params, args.repeat)
        split = ranking_split(engine, questions, params, args.repeat) if args.split else {}
    finally:
        engine.close()
    texts = passage_texts(dataset)
    golds = [set(q.gold) for q in dataset.questions]
    rankings = [[h.passage_id for h in found.hits] for found in memrag]
    result: dict[str, object] = {"questions": len(rankings), **times.figures(), **split, **kept(rankings, args)}
    for name, found in (("memrag", memrag), ("dense", dense)):
        ranked = [[texts.get(h.passage_id, h.passage_id) for h in f.hits] for f in found]
        result[f"{name}_recall"] = {f"R@{k}": round(100 * mean_recall(ranked, golds, k), 1) for k in KS}
    return result


def synthetic(args: argparse.Namespace, settings: Settings, params: RetrievalParams) -> dict[str, object]:
    path, repeat = args.synthetic, args.repeat
    real = make_embedder(settings)  # its uncached model embeds the queries
    store = RecordStore(EdgeStore(path), DIM)
    engine = Engine(
        store,
        RandomEmbedder(),
        NoExtractor(),
        WholeDocumentChunker(),
        KeepTopFacts(),
        query_embedder=PricedEmbedder(query_side(real.inner)),
        writer=False,
    )
    try:
        questions = [f"which hub does thing {i} relate to?" for i in range(SYNTHETIC_QUESTIONS)]
        memrag, _, times = retrieve_both(engine, questions, params, repeat)
        shares = ranking_split(engine, questions, params, repeat) if args.split else {}
        nodes = engine.graph.size
    finally:
        engine.close()
        real.close()
    modes = sorted({found.mode for found in memrag})
    rankings = [[h.passage_id for h in found.hits] for found in memrag]
    return {
        "store": str(path),
        "graph_nodes": nodes,
        "modes": modes,
        **times.figures(),
        **shares,
        **kept(rankings, args),
    }


def kept(rankings: list[list[str]], args: argparse.Namespace) -> dict[str, str]:
    """Writes the rankings to `--rankings`; with `--compare`, how many equal that earlier file's."""
    if args.rankings:
        args.rankings.write_text(json.dumps(rankings))
    if not args.compare:
        return {}
    earlier = json.loads(args.compare.read_text())
    return {"identical_rankings": f"{sum(a == b for a, b in zip(earlier, rankings, strict=True))}/{len(rankings)}"}


class TimedIndex:
    """A vector index whose searches (and counts) add their CPU seconds to a shared tally."""

    def __init__(self, inner: VectorIndex, tally: list[float]) -> None:
        self._inner, self._tally = inner, tally

    def __getattr__(self, name: str) -> Any:
        found = getattr(self._inner, name)
        if name not in ("search_batch", "search_points", "count"):
            return found

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.process_time()
            try:
                return found(*args, **kwargs)
            finally:
                self._tally[0] += time.process_time() - started

        return timed


def ranking_split(engine: Engine, questions: Sequence[str], params: RetrievalParams, repeat: int) -> dict[str, float]:
    """CPU ms of `Engine.rank` alone, memrag's and dense's: p50 over questions of each one's fastest of
    `repeat` runs, and of that run's split into the vector store's calls and the rest."""
    vectors = engine.query_embedder.embed(list(questions))
    store, tally = engine.store, [0.0]
    inner = store.passages, store.facts
    store.passages, store.facts = TimedIndex(store.passages, tally), TimedIndex(store.facts, tally)
    figures: dict[str, float] = {}
    try:
        for name, now in (("memrag", params), ("dense", replace(params, strategy="dense"))):
            best: list[tuple[float, float]] = []  # (rank, store) seconds of each question's fastest run
            for question, vector in zip(questions, vectors, strict=True):
                runs = []
                for _ in range(max(repeat, 1)):
                    tally[0], started = 0.0, time.process_time()
                    engine.rank(question, now, vector)
                    runs.append((time.process_time() - started, tally[0]))
                best.append(min(runs))
            for part, seconds in (
                ("rank", [r for r, _ in best]),
                ("store", [s for _, s in best]),
                ("rest", [r - s for r, s in best]),
            ):
                figures[f"{name}_{part}_cpu_p50_ms"] = round(1000 * statistics.median(seconds), 2)
    finally:
        store.passages, store.facts = inner
    return figures


if __name__ == "__main__":
    main()
