"""Ingestion throughput: documents per second through the job path, offline extractor, cold caches.

2,000 documents (MuSiQue passages, then 2Wiki ones) go through in-process jobs (the embedded
mode: slices of 16 documents, each chunked, extracted by spaCy, embedded by MiniLM on ONNX
Runtime, and written) into a fresh data directory with an empty embedding cache. Each run given
indexes the same documents in turn, named GRAPH[+lanes][+ahead]: GRAPH is the ONNX graph (plain:
the default fp32 export; fused: fp32 with ONNX Runtime's transformer fusions; int8: per-channel
weights), +lanes shares each embedding call's batches among `--threads` threads on one single-threaded session
(`OnnxEmbedder(lanes=N)`) instead of one session splitting each batch over `--threads` threads;
+ahead lets the job thread have the next slice parsed on a helper thread while it
embeds and writes (`LocalJobs(extract_ahead=True)`, `memory/indexing/ahead.py`; off by default). Each
prints its throughput and where the time went (extraction on both threads, embedding, and the
rest: store writes, synonym search, graph), then the throughputs side by side.

    .venv/bin/python -m benchmarks.bench_ingest [--docs 2000] [--threads 2]
        [--runs plain plain+ahead fused+ahead int8+ahead] [--token-budgets N ...] [--export-dir DIR]

A run may be named twice (`--runs plain plain+ahead plain plain+ahead`): alternating repeats
show how much the machine's load moved the figures. `--token-budgets 1024 256` runs each run at
each budget of padded tokens per embedding batch, in turn (default: the embedder's TOKEN_BUDGET).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from memrag.ingest.local_jobs import LocalJobs
from memrag.memory.embedding.cache import CachedEmbedder
from memrag.memory.embedding.onnx import TOKEN_BUDGET, OnnxEmbedder
from memrag.memory.eval.harness import peak_rss_mb
from memrag.memory.extraction.offline import SpacyExtractor
from memrag.memory.ports import Embedder
from memrag.memory.settings import Settings
from memrag.memory.types import DocumentInput, Extraction
from memrag.memory.wiring import open_engine

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
RUNS = [
    f"{graph}{lanes}{ahead}"
    for graph in ("plain", "fused", "int8")
    for lanes in ("", "+lanes")
    for ahead in ("", "+ahead")
]


class TimedSpacy(SpacyExtractor):
    """The offline extractor, with the seconds spent in it on every thread (it extracts ahead)."""

    def __init__(self) -> None:
        super().__init__()
        self.seconds = 0.0

    def extract(self, passages: Sequence[str]) -> list[Extraction]:
        started = time.perf_counter()
        try:
            return super().extract(passages)
        finally:
            self.seconds += time.perf_counter() - started


class TimedEmbedder:
    """The configured embedder (with its cache), with the seconds spent in it."""

    def __init__(self, inner: Embedder) -> None:
        self.inner, self.seconds = inner, 0.0
        self.name, self.dim = inner.name, inner.dim

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        started = time.perf_counter()
        try:
            return self.inner.embed(texts)
        finally:
            self.seconds += time.perf_counter() - started


def load_documents(limit: int) -> list[DocumentInput]:
    docs: list[DocumentInput] = []
    for name in ("musique-100", "2wiki-101", "hotpotqa-300"):
        path = DATA / name / "corpus.json"
        if path.exists():
            for i, row in enumerate(json.loads(path.read_text())):
                docs.append(DocumentInput(row["text"], f"{name}/{i}", row["title"]))
    return docs[:limit]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=2, help="embedding threads")
    parser.add_argument("--runs", nargs="+", choices=RUNS, default=["plain", "plain+ahead", "fused+ahead"])
    parser.add_argument("--export-dir", type=Path, help="keep the ONNX export here (default: made afresh)")
    parser.add_argument("--token-budgets", type=int, nargs="+", default=[TOKEN_BUDGET], help="padded tokens a batch")
    args = parser.parse_args()
    docs = load_documents(args.docs)
    if len(docs) < args.docs:
        print(f"only {len(docs)} documents under {DATA}; nothing to measure")
        return
    rates = [
        (f"{run}@{budget}", *measure(docs, args.threads, run, args.export_dir, budget))
        for run in args.runs
        for budget in args.token_budgets
    ]
    load = "{:.1f} {:.1f} {:.1f}".format(*os.getloadavg())
    print(f"\n{len(docs)} documents, {args.threads} embedding threads, load average now {load}")
    first_rate, first_cpu = rates[0][1], rates[0][2]
    for run, rate, cpu in rates:
        print(
            f"  {run:<24} {rate:6.1f} documents/s  {rate / first_rate:.2f}x   CPU {cpu:6.1f} s  {cpu / first_cpu:.2f}x"
        )
    print(f"peak RSS {peak_rss_mb():.0f} MB")


def measure(
    docs: list[DocumentInput], threads: int, run: str, export_dir: Path | None, token_budget: int = TOKEN_BUDGET
) -> tuple[float, float]:
    """Index `docs` into a fresh data directory; print the split and return documents per second and
    the CPU seconds the process spent (all threads; the figure the machine's load moves least)."""
    graph, ahead, lanes = run.partition("+")[0], run.endswith("+ahead"), "+lanes" in run
    with tempfile.TemporaryDirectory(prefix="memrag-ingest-") as scratch:
        settings = Settings(data_dir=Path(scratch), embedding_threads=threads)
        model = OnnxEmbedder(
            settings.embedding_model,
            export_dir or Path(scratch) / "onnx",
            quantize=graph == "int8",
            threads=threads,
            fused=graph == "fused",
            lanes=threads if lanes else 1,
            token_budget=token_budget,
        )
        cached = CachedEmbedder(model, Path(scratch) / "embeddings.sqlite")
        timed = TimedSpacy()
        embedder = TimedEmbedder(cached)
        engine = open_engine(settings, "bench", embedder=embedder, extractor=timed)
        jobs = LocalJobs(lambda namespace: engine, extract_ahead=ahead)
        started, cpu_started = time.perf_counter(), time.process_time()
        job = jobs.submit_add("bench", docs)
        while jobs.get(job.id).status not in ("done", "failed"):
            time.sleep(0.05)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        done = jobs.get(job.id)
        jobs.close()
        passages, entities, facts = (
            sum(1 for _ in c.scroll()) for c in (engine.store.passages, engine.store.entities, engine.store.facts)
        )
        engine.close()
        cached.close()
        model.close()
    counts = f"{done.indexed} indexed, {len(done.errors)} failed, {done.unchanged} unchanged"
    print(f"{run} (token budget {token_budget}): {done.status}: {counts}")
    print(f"passages {passages}, entities {entities}, facts {facts}")
    print(f"total {elapsed:.1f} s -> {done.indexed / elapsed:.1f} documents/s")
    rest = elapsed - timed.seconds - embedder.seconds  # extraction ahead overlaps: the rest may be < 0
    parts = (
        ("extraction (spaCy)", timed.seconds),
        (f"embedding (MiniLM, {graph})", embedder.seconds),
        ("rest (after overlap)", rest),
    )
    for label, seconds in parts:
        print(f"  {label:<26} {seconds:7.1f} s  {100 * seconds / elapsed:5.1f} %")
    print(f"  CPU (all threads)          {cpu:7.1f} s  {done.indexed / cpu:.1f} documents per CPU-second")
    return done.indexed / elapsed, cpu


if __name__ == "__main__":
    main()
