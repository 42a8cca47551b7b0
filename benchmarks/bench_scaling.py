"""Scaling benchmark: synthetic musique-shaped memories from 1k up to a million passages (real engine,
Qdrant Edge, random 64-d vectors standing in for embeddings; `scaling_store.py` makes the stores).

For each size, in a fresh process (so the peak is the reopen's alone), it prints one JSON line:
- reopen: wall and CPU seconds to open the engine (the graph rebuilt from the store, streamed in
  batches: `memory/indexing/reopen.py`) and the peak RSS while doing so (VmHWM);
- resident size once open (VmRSS, after a GC and `malloc_trim`), split into the heap (RssAnon:
  the graph and the documents' passage lists) and the store's mapped files (RssFile), each also
  per 100k passages;
- retrieval p50/p95 (query embedding excluded: random vectors) and the median cost of adding one
  more document, with its ratio to the smallest size of the run; each also in CPU time of the
  process (all its threads), which a loaded shared machine inflates far less than wall time.
Then, between the smallest and the largest size, the exponent each CPU or memory figure grows with (≈1: linear
in the number of passages, ≈0: flat). Measured to 100k: reopen CPU grows linearly (10k → 100k:
x = 1.05), RSS and heap by a fixed part plus a linear one (about 790 MB of RSS and 280 MB of heap
per further 100k passages); adding a document and retrieving grow sub-linearly (x ≈ 0.35), all
of it in the vector searches: up to 50k records they are exact scans, above it HNSW at ef 256
(`memory/storage/search_mode.py`), which at 100k is ~80% of an add (the new entities' synonym
search) and of a query; the graph's part (PPR walk, adding a passage) stays small and flat.

The adds are deleted again afterwards, so a kept store can be measured again (`--keep`, default
/tmp/memrag-scale: populating is the slow part: 100k passages took 42 min at load 12–15 on 2
cores, 34 of them building the HNSW indexes of 1.5M points; 1M took 995 s of writes and 3,896 s of
HNSW building on a shared machine, and its reopen 502–532 s: README; it prints its write and index times).
`--unbatched` also reopens each size reading every record at once (the old rebuild), side by side.

    OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python -m benchmarks.bench_scaling --sizes 1000 100000 1000000
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import numpy as np

from benchmarks.process_memory import reset_peak_rss, rss_mb
from benchmarks.scaling_store import (
    DIM,
    RandomEmbedder,
    kept_store,
    synthetic_document,
)
from memrag.memory.engine import Engine
from memrag.memory.extraction.recorded import RecordedExtractor
from memrag.memory.indexing.chunking import WholeDocumentChunker
from memrag.memory.indexing.reopen import BATCH_SIZE
from memrag.memory.params import RetrievalParams
from memrag.memory.retrieval.recognition import KeepTopFacts
from memrag.memory.storage.qdrant_edge import EdgeStore
from memrag.memory.storage.record_store import RecordStore
from memrag.memory.types import DocumentInput, Extraction

__all__ = ["DIM", "RandomEmbedder", "synthetic_document"]  # imported from here by other benchmarks
RETRIEVE_P50_GOAL_MS = 50.0  # issue 16's goals at a million passages: retrieval p50 at most this,
ADD_RATIO_GOAL = 1.5  # and adding one document at most this many times its wall time at the smallest size
EVERYTHING = 1 << 40  # a reopen batch larger than any store: every record read at once


def open_engine(path: Path, extras: dict[str, Extraction], reopen_batch: int) -> Engine:
    store = RecordStore(EdgeStore(path), DIM)
    extractor = RecordedExtractor(extras)
    return Engine(store, RandomEmbedder(), extractor, WholeDocumentChunker(), KeepTopFacts(), reopen_batch=reopen_batch)


def measure_reopen(path: Path, extras: dict[str, Extraction], reopen_batch: int, queries: int) -> dict[str, object]:
    """Open the memory at `path` (in this fresh process), then add the extras one at a time and query it."""
    before_anon, before_file = rss_mb("RssAnon"), rss_mb("RssFile")
    reset_peak_rss()
    started, cpu0 = time.perf_counter(), time.process_time()
    engine = open_engine(path, extras, reopen_batch)
    reopen_s, reopen_cpu = time.perf_counter() - started, time.process_time() - cpu0
    peak = rss_mb("VmHWM")
    rss, anon, mapped = rss_mb("VmRSS"), rss_mb("RssAnon"), rss_mb("RssFile")
    passages = engine.graph.stats().passages
    row: dict[str, object] = {
        "passages": passages,
        "graph_nodes": engine.graph.size,
        "reopen_batch": reopen_batch if reopen_batch < EVERYTHING else "everything",
        "reopen_s": round(reopen_s, 1),
        "reopen_cpu_s": round(reopen_cpu, 1),
        "reopen_peak_rss_mb": round(peak),
        "rss_open_mb": round(rss),
        "heap_growth_mb": round(anon - before_anon),
        "mapped_store_mb": round(mapped - before_file),
        "rss_mb_per_100k_passages": round(rss * 100_000 / max(passages, 1)),
        "heap_mb_per_100k_passages": round((anon - before_anon) * 100_000 / max(passages, 1)),
    }
    if queries:
        row |= adds_and_queries(engine, list(extras), queries)
    engine.close()
    return row | {"load_average": [round(x, 1) for x in os.getloadavg()]}


def adds_and_queries(engine: Engine, texts: list[str], queries: int) -> dict[str, object]:
    """Median cost of adding one document (each alone), retrieval p50/p95; the adds deleted afterwards."""
    params = RetrievalParams(top_k=10)
    for q in range(3):  # warm up: the first queries compact the graph rows
        engine.rank(f"warm up {q}", params)
    added = []
    add_times, add_cpu = [], []
    for text in texts:
        started, cpu0 = time.perf_counter(), time.process_time()
        added.extend(engine.add([DocumentInput(text)]).documents_added)
        add_times.append(time.perf_counter() - started)
        add_cpu.append(time.process_time() - cpu0)
    engine.rank("warm up after adds", params)
    latencies: list[float] = []
    query_cpu: list[float] = []
    modes: dict[str, int] = {}
    for q in range(queries):
        started, cpu0 = time.perf_counter(), time.process_time()
        ranking = engine.rank(f"question {q}", params)
        latencies.append(time.perf_counter() - started)
        query_cpu.append(time.process_time() - cpu0)
        modes[ranking.mode] = modes.get(ranking.mode, 0) + 1
    for doc_id in added:  # the kept store as it was, for the next run
        engine.delete(doc_id)
    if len(added) != len(texts):
        raise RuntimeError("some extra documents were already in the store: its adds were not measured")
    return {
        "add_one_document_ms": round(1000 * statistics.median(add_times), 2),
        "add_one_document_cpu_ms": round(1000 * statistics.median(add_cpu), 2),
        "retrieve_p50_ms": round(1000 * statistics.median(latencies), 2),
        "retrieve_p95_ms": round(1000 * float(np.percentile(latencies, 95)), 2),
        "retrieve_cpu_p50_ms": round(1000 * statistics.median(query_cpu), 2),
        "modes": modes,
    }


def in_fresh_process(path: Path, extras: dict[str, Extraction], reopen_batch: int, queries: int) -> dict[str, object]:
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        return pool.submit(measure_reopen, path, extras, reopen_batch, queries).result()


def growth(rows: list[dict[str, object]]) -> dict[str, float]:
    """The exponent x of each figure ~ passages^x between the smallest and the largest size."""
    first, last = rows[0], rows[-1]
    span = math.log(figure(last, "passages") / figure(first, "passages"))
    keys = ["reopen_cpu_s", "reopen_peak_rss_mb", "rss_open_mb", "heap_growth_mb"]
    keys += ["add_one_document_cpu_ms", "retrieve_cpu_p50_ms"]
    return {k: round(math.log(figure(last, k) / figure(first, k)) / span, 2) for k in keys if k in first}


def figure(row: dict[str, object], key: str) -> float:
    value = row[key]
    if not isinstance(value, int | float):
        raise TypeError(f"{key} is not a number: {value!r}")
    return float(value)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--adds", type=int, default=50)
    parser.add_argument("--queries", type=int, default=50)
    parser.add_argument("--keep", type=Path, default=Path("/tmp/memrag-scale"), help="where the stores are kept")
    parser.add_argument("--reopen-batch", type=int, default=BATCH_SIZE)
    parser.add_argument("--unbatched", action="store_true", help="also reopen reading every record at once")
    args = parser.parse_args()
    rows = []
    for size in args.sizes:
        path, extras, made = kept_store(size, args.keep)
        if made is not None:
            print(json.dumps({"populated": size, "write_s": round(made.write_s), "index_s": round(made.index_s)}))
        extras = dict(list(extras.items())[: args.adds])
        rows.append(in_fresh_process(path, extras, args.reopen_batch, args.queries))
        if "add_one_document_ms" in rows[0]:
            add_ms = figure(rows[-1], "add_one_document_ms") / figure(rows[0], "add_one_document_ms")
            rows[-1]["add_ratio_to_smallest"] = round(add_ms, 2)
            add_cpu = figure(rows[-1], "add_one_document_cpu_ms") / figure(rows[0], "add_one_document_cpu_ms")
            rows[-1]["add_cpu_ratio_to_smallest"] = round(add_cpu, 2)
        print(json.dumps(rows[-1]), flush=True)
        if args.unbatched:
            print(json.dumps(in_fresh_process(path, extras, EVERYTHING, 0)), flush=True)
    if len(rows) > 1:
        print(json.dumps({"grows_as_passages_to_the": growth(rows)}))
        if "add_one_document_ms" in rows[0]:
            print(json.dumps(goals(rows[-1])))


def goals(largest: dict[str, object]) -> dict[str, object]:
    """The largest size's figures beside issue 16's goals, stated for a million passages: retrieval p50
    <= 50 ms, adding one document within 1.5x of its wall time at the smallest size (the CPU ratio is
    printed beside it); `met_at_this_size` judges the largest size measured, whatever it is."""
    keys = ("retrieve_p50_ms", "add_ratio_to_smallest", "add_cpu_ratio_to_smallest")
    p50, add, add_cpu = (figure(largest, k) for k in keys)
    return {
        "passages": largest["passages"],
        "retrieve_p50_ms": p50,
        "retrieve_p50_goal_ms": RETRIEVE_P50_GOAL_MS,
        "add_ratio_to_smallest": add,
        "add_cpu_ratio_to_smallest": add_cpu,
        "add_ratio_goal": ADD_RATIO_GOAL,
        "met_at_this_size": p50 <= RETRIEVE_P50_GOAL_MS and add <= ADD_RATIO_GOAL,
    }


if __name__ == "__main__":
    main()
