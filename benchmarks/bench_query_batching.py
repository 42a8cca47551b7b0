"""Query embedding CPU: each question in its own call vs concurrent questions through QueryBatcher.

Loads the configured embedder (the ONNX export beside `--embedding-cache`; made there if missing)
and embeds `--questions` short questions three ways, printing CPU milliseconds per question (this
process, every thread) and wall time: one call each from one thread; one call each from
`--threads` threads at once; the same threads through `QueryBatcher` (with its number of calls).

    .venv/bin/python -m benchmarks.bench_query_batching [--embedding-cache PATH] [--threads 20]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from memrag.memory.embedding.query_batcher import QueryBatcher
from memrag.memory.ports import Embedder
from memrag.memory.settings import Settings
from memrag.memory.wiring import make_embedder, query_side


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--embedding-cache", type=Path, help="embedding cache path (the ONNX export beside it)")
    parser.add_argument("--threads", type=int, default=20, help="concurrent askers")
    parser.add_argument("--questions", type=int, default=200)
    args = parser.parse_args()
    questions = [f"Who founded the record label number {i}?" for i in range(args.questions)]
    with tempfile.TemporaryDirectory(prefix="memrag-qb-") as scratch:
        cache = args.embedding_cache or Path(scratch) / "embeddings.sqlite"
        cached = make_embedder(Settings(data_dir=Path(scratch), embedding_cache=cache))
        try:
            model = query_side(cached.inner)  # as the engines embed questions
            model.embed(questions[:20])  # warm
            _report("one call each, one thread", questions, lambda: [model.embed([q]) for q in questions])
            _report(f"one call each, {args.threads} threads", questions, lambda: _asked(model, questions, args.threads))
            batcher = QueryBatcher(model)
            _report(
                f"{args.threads} threads through QueryBatcher",
                questions,
                lambda: _asked(batcher, questions, args.threads),
                lambda: f", {batcher.calls} calls",
            )
        finally:
            cached.close()


def _asked(embedder: Embedder, questions: list[str], threads: int) -> None:
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(lambda q: embedder.embed([q]), questions))


def _report(label: str, questions: list[str], run: Callable[[], object], extra: Callable[[], str] = str) -> None:
    cpu, wall = time.process_time(), time.perf_counter()
    run()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    n = len(questions)
    print(f"{label}: CPU {1000 * cpu / n:.2f} ms per question, wall {1000 * wall / n:.2f} ms per question{extra()}")


if __name__ == "__main__":
    main()
