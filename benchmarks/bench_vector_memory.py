"""What a Qdrant Edge collection keeps in RAM per point, by vector placement: RSS, recall, latency.

For each layout it builds a collection of `--points` random unit vectors (`--dim`, MiniLM's 384 by
default) in a child process, then opens it again in a fresh child and prints, as one JSON line:
RssAnon / RssFile after opening and after `--queries` HNSW searches (breadth 256, as above the
exact-search bound), recall@10 of those searches against exact numpy cosine, search p50, and the
collection's disk. Layouts:

- `default`: what `storage/qdrant_edge.py` created before (vectors memory-mapped and pre-warmed);
- `cold_int8`: full vectors on disk, not pre-warmed (`Memory.Cold`), an int8 scalar-quantized
  copy pinned in RAM (a quarter of the float32 size) that the HNSW walk scores with, and the top
  `oversampling × limit` candidates rescored with the full vectors (collections made before
  December 2026);
- `mapped_int8`: the same, the int8 copy mapped from its file instead of pinned (today's default):
  its pages count as file-backed (RssFile), which the kernel can reclaim and an indexer hands back.

    OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python -m benchmarks.bench_vector_memory --points 60000
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.bench_sizing import disk_mb
from benchmarks.process_memory import rss_mb
from memrag.memory.ids import point_uuid
from memrag.memory.ports import VectorRecord
from memrag.memory.storage.edge_layout import VectorLayout
from memrag.memory.storage.qdrant_edge import EdgeIndex
from memrag.memory.storage.search_mode import WIDE_EF

LAYOUTS = {
    "default": VectorLayout(quantized=False),
    "cold_int8": VectorLayout(quantized=True, pinned_int8=True),
    "mapped_int8": VectorLayout(quantized=True),
}


def vectors(points: int, dim: int, seed: int) -> np.ndarray:
    v = np.random.default_rng(seed).standard_normal((points, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def build(path: Path, layout: str, points: int, dim: int) -> None:
    index = EdgeIndex(path, dim, optimize_every=10**12, layout=LAYOUTS[layout])
    data = vectors(points, dim, 0)
    for start in range(0, points, 5000):
        index.upsert([VectorRecord(f"p{i}", data[i], {}) for i in range(start, min(points, start + 5000))])
    index.optimize()
    index.close()


def probe(path: Path, layout: str, points: int, dim: int, queries: int, out: multiprocessing.Queue) -> None:
    base_anon, base_file = rss_mb("RssAnon"), rss_mb("RssFile")
    data = vectors(points, dim, 0)  # ground truth only: counted before the collection opens
    truth_base_anon = rss_mb("RssAnon")
    started = time.perf_counter()
    index = EdgeIndex(path, dim, layout=LAYOUTS[layout])
    open_s = time.perf_counter() - started
    opened_anon, opened_file = rss_mb("RssAnon") - truth_base_anon, rss_mb("RssFile") - base_file
    asked = vectors(queries, dim, 1)
    hits, walls = [], []
    for q in asked:
        t0 = time.perf_counter()
        [found] = index.search_points(q[None, :], 10, ef=WIDE_EF)
        walls.append(time.perf_counter() - t0)
        hits.append({point for point, _ in found})
    served_anon, served_file = rss_mb("RssAnon") - truth_base_anon, rss_mb("RssFile") - base_file
    truth = np.argsort(-(asked @ data.T), axis=1)[:, :10]
    true_points = [{point_uuid(f"p{int(r)}") for r in row} for row in truth]
    recall = statistics.mean(len(h & t) / 10 for h, t in zip(hits, true_points, strict=True))
    out.put(
        {
            "layout": layout,
            "points": points,
            "dim": dim,
            "open_s": round(open_s, 2),
            "rss_anon_after_open_mb": round(opened_anon, 1),
            "rss_file_after_open_mb": round(opened_file, 1),
            "rss_anon_after_queries_mb": round(served_anon, 1),
            "rss_file_after_queries_mb": round(served_file, 1),
            "recall_at_10": round(recall, 4),
            "search_p50_ms": round(1000 * statistics.median(walls), 2),
            "disk_mb": round(disk_mb(path), 1),
            "process_base_anon_mb": round(base_anon, 1),
            "load_average": os.getloadavg(),
        }
    )
    index.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=60_000)
    parser.add_argument("--dim", type=int, default=384)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--layouts", nargs="+", default=list(LAYOUTS))
    args = parser.parse_args()
    context = multiprocessing.get_context("spawn")
    for layout in args.layouts:
        with tempfile.TemporaryDirectory(prefix="memrag-vecmem-") as scratch:
            path = Path(scratch) / "collection"
            child = context.Process(target=build, args=(path, layout, args.points, args.dim))
            child.start()
            child.join()
            out = context.Queue()
            child = context.Process(target=probe, args=(path, layout, args.points, args.dim, args.queries, out))
            child.start()
            print(json.dumps(out.get()), flush=True)
            child.join()


if __name__ == "__main__":
    main()
