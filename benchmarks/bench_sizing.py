"""Sizing figures for deploy/README.md: RAM of a graph, disk of a store, ingest and query cost per core.

Two measurements, each printed as one JSON line:

- `graph --store DIR`: RAM of a process holding the graph of a store that `bench_scaling --keep`
  made (synthetic passages, 64-d random vectors): RSS after the imports, after opening the store
  (no graph), after building the engine (graph rebuilt from the store) and a few queries — each
  after a GC and `malloc_trim` so that freed temporaries do not count; `graph_anon_mb` is the
  growth of the heap alone (RssAnon: the graph), `graph_mb` adds the store's pages mapped while
  reading it (RssFile); the peak RSS while rebuilding (VmHWM, reset after opening the store: the
  figure a memory limit must hold); the rebuild's wall and CPU seconds; the store's disk per
  collection; and retrieval p50 (no query embedding).
- `ingest --docs N`: real text (MuSiQue, 2Wiki, HotpotQA passages under shared/data) through
  in-process jobs with the offline extractor and MiniLM on ONNX Runtime with `--threads` embedding
  threads, into a fresh data directory: documents/s by wall clock and per CPU-second of the process
  (every thread: load-independent on a shared machine), the store's size on disk; then questions:
  retrieval (query embedded) and extractive answers (no LLM), p50 by wall clock and CPU time.

    OMP_NUM_THREADS=1 .venv/bin/python -m benchmarks.bench_sizing graph --store /tmp/scalekeep/10000
    OMP_NUM_THREADS=1 .venv/bin/python -m benchmarks.bench_sizing ingest --docs 300 --threads 1
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks.bench_ingest import DATA, load_documents
from benchmarks.bench_scaling import DIM, RandomEmbedder
from benchmarks.process_memory import reset_peak_rss, rss_mb
from memrag.ingest.local_jobs import LocalJobs
from memrag.memory.engine import Engine
from memrag.memory.extraction.recorded import RecordedExtractor
from memrag.memory.indexing.chunking import WholeDocumentChunker
from memrag.memory.params import RetrievalParams
from memrag.memory.retrieval.recognition import KeepTopFacts
from memrag.memory.settings import Settings
from memrag.memory.storage.qdrant_edge import EdgeStore
from memrag.memory.storage.record_store import RecordStore
from memrag.memory.wiring import make_embedder, make_llm_parts, open_engine


def disk_mb(path: Path) -> float:
    """Disk blocks under `path` (du), in MB."""
    return (
        int(subprocess.run(["du", "-sk", str(path)], capture_output=True, text=True, check=True).stdout.split()[0])
        / 1024
    )


def collections_disk_mb(store_path: Path) -> dict[str, float]:
    """Disk of each collection directory of a store (not bench_scaling's `recorded.pkl` beside them)."""
    return {d.name: round(disk_mb(d), 1) for d in sorted(store_path.iterdir()) if d.is_dir()}


def measure_graph(store_path: Path, queries: int) -> dict[str, object]:
    base = rss_mb()
    store = RecordStore(EdgeStore(store_path), DIM)
    opened, opened_anon = rss_mb(), rss_mb("RssAnon")
    reset_peak_rss()
    started, cpu0 = time.perf_counter(), time.process_time()
    engine = Engine(store, RandomEmbedder(), RecordedExtractor({}), WholeDocumentChunker(), KeepTopFacts())
    build_s, build_cpu_s = time.perf_counter() - started, time.process_time() - cpu0
    peak = rss_mb("VmHWM")
    built = rss_mb()
    params = RetrievalParams(top_k=10)
    for q in range(3):
        engine.rank(f"warm up {q}", params)
    latencies = []
    for q in range(queries):
        t0 = time.perf_counter()
        engine.rank(f"question {q}", params)
        latencies.append(time.perf_counter() - t0)
    served, served_anon, served_file = rss_mb(), rss_mb("RssAnon"), rss_mb("RssFile")
    stats = engine.graph.stats()
    engine.close()
    collections = collections_disk_mb(store_path)
    return {
        "store": str(store_path),
        "store_disk_mb": round(sum(collections.values()), 1),
        "collections_disk_mb": collections,
        "passages": stats.passages,
        "entities": stats.entities,
        "graph_nodes": stats.passages + stats.entities,
        "rss_imports_mb": round(base, 1),
        "rss_store_open_mb": round(opened, 1),
        "rss_peak_during_build_mb": round(peak, 1),
        "rss_graph_built_mb": round(built, 1),
        "rss_after_queries_mb": round(served, 1),
        "graph_mb": round(served - opened, 1),
        "graph_anon_mb": round(served_anon - opened_anon, 1),
        "rss_file_after_queries_mb": round(served_file, 1),
        "graph_build_s": round(build_s, 1),
        "graph_build_cpu_s": round(build_cpu_s, 1),
        "retrieve_p50_ms": round(1000 * statistics.median(latencies), 2),
    }


def questions(limit: int) -> list[str]:
    found: list[str] = []
    for name in ("musique-100", "2wiki-101", "hotpotqa-300"):
        path = DATA / name / "questions.json"
        if path.exists():
            found += [row["question"] for row in json.loads(path.read_text())]
    return found[:limit]


def timed(call: Callable[[str], object], items: list[str]) -> tuple[float, float]:
    """p50 wall seconds and mean CPU seconds (the whole process) per call."""
    walls, cpu0 = [], time.process_time()
    for item in items:
        t0 = time.perf_counter()
        call(item)
        walls.append(time.perf_counter() - t0)
    return statistics.median(walls), (time.process_time() - cpu0) / len(items)


def measure_ingest(n_docs: int, threads: int, n_questions: int) -> dict[str, object]:
    docs = load_documents(n_docs)
    asked = questions(n_questions)
    with tempfile.TemporaryDirectory(prefix="memrag-sizing-") as scratch:
        settings = Settings(data_dir=Path(scratch), embedding_threads=threads)
        llm, embedder = make_llm_parts(settings), make_embedder(settings)
        engine = open_engine(settings, "bench", embedder=embedder, extractor=llm.extractor)
        engine.rank("warm up the embedder", RetrievalParams())
        jobs = LocalJobs(lambda namespace: engine)
        cpu0, started = time.process_time(), time.perf_counter()
        job = jobs.submit_add("bench", docs)
        while jobs.get(job.id).status not in ("done", "failed"):
            time.sleep(0.05)
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu0
        jobs.close()
        engine.store.flush()
        done = jobs.get(job.id)
        counts = {
            kind: sum(1 for _ in getattr(engine.store, kind).scroll()) for kind in ("passages", "entities", "facts")
        }
        store_mb = disk_mb(Path(scratch) / "namespaces" / "bench")
        params = RetrievalParams()
        rank_p50, rank_cpu = timed(lambda q: engine.rank(q, params), asked)
        ask_p50, ask_cpu = timed(lambda q: engine.ask(q, params), asked)
        engine.close()
        llm.close()
        embedder.close()
    return {
        "documents": len(docs),
        "status": done.status,
        "indexed": done.indexed,
        **counts,
        "embedding_threads": threads,
        "ingest_wall_s": round(wall, 1),
        "ingest_cpu_s": round(cpu, 1),
        "docs_per_s_wall": round(done.indexed / wall, 2),
        "docs_per_cpu_s": round(done.indexed / cpu, 2),
        "store_disk_mb": round(store_mb, 1),
        "questions": len(asked),
        "retrieve_p50_ms": round(1000 * rank_p50, 1),
        "retrieve_cpu_ms": round(1000 * rank_cpu, 1),
        "answer_p50_ms": round(1000 * ask_p50, 1),
        "answer_cpu_ms": round(1000 * ask_cpu, 1),
        "answers_per_cpu_s": round(1 / ask_cpu, 1),
        "load_average": os.getloadavg(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="what", required=True)
    graph = sub.add_parser("graph")
    graph.add_argument("--store", type=Path, required=True)
    graph.add_argument("--queries", type=int, default=30)
    ingest = sub.add_parser("ingest")
    ingest.add_argument("--docs", type=int, default=300)
    ingest.add_argument("--threads", type=int, default=1)
    ingest.add_argument("--questions", type=int, default=50)
    args = parser.parse_args()
    if args.what == "graph":
        row = measure_graph(args.store, args.queries)
    else:
        row = measure_ingest(args.docs, args.threads, args.questions)
    row["load_average"] = os.getloadavg()
    print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
