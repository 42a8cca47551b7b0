"""Exact against HNSW search in one Qdrant Edge collection: the figures behind
memory/storage/search_mode.py (EXACT_SEARCH_MAX_POINTS, WIDE_EF).

For each size: a collection of 384-d unit vectors is written and optimised (its HNSW index
built): real MiniLM embeddings read from an embedding cache (`--vectors-from`, e.g. the eval
cache ~/.cache/memrag/embeddings.sqlite: passages, entities and facts of the QA sets; the rows
in key order, i.e. a hash-random sample, the last 1,000 read as the new vectors), or by default
synthetic clusters (cosine to their centre spread around the synonym threshold). It is then asked
- a synonym batch: 1,000 new vectors, limit 100, min score 0.8 (what indexing asks per batch of
  new entities), timed exact, as the old first narrow search (limit 16, ef 16) and at limit 100
  with HNSW at WIDE_EF; recall is the share of the exact hits (at the same limit) HNSW found;
- single queries (what a question asks, limit 5): p50 exact and HNSW at WIDE_EF;
- count() (asked before each search to choose the mode): p50.
Times are CPU time of this process, all its threads (time.process_time), so that other work on
a shared machine does not inflate them; the build is the upsert and the optimisation. With
`--layouts float32 float16` each size is measured in both vector layouts in turn (float16: the
entities' layout of new embedded stores, edge_layout.ENTITY_LAYOUT, queried with the new vectors
rounded as stored, as indexing asks); "scan MB" is what one exact synonym batch brings back into
memory of the collection's files after they were handed back (storage/mapped_pages.py).

Run: nice -n 10 .venv/bin/python -m benchmarks.bench_exact_search [--sizes 10000 50000 100000]
         [--vectors-from ~/.cache/memrag/embeddings.sqlite] [--layouts float32 float16]
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.profile_eval_memory import by_mapping_kb
from memrag.memory.ports import VectorRecord
from memrag.memory.storage.edge_layout import DEFAULT_LAYOUT, ENTITY_LAYOUT, VectorLayout
from memrag.memory.storage.mapped_pages import page_out
from memrag.memory.storage.qdrant_edge import EdgeIndex, EdgeStore
from memrag.memory.storage.search_mode import WIDE_EF

DIM = 384
CLUSTER = 20  # points per cluster on average
THRESHOLD = 0.8
SYNONYM_LIMIT = 100
OLD_FIRST = 16  # the synonym search's first, narrow pass before search_mode.py
BATCH = 1_000
SINGLE = 200
LAYOUTS = {"float32": DEFAULT_LAYOUT, "float16": ENTITY_LAYOUT}


def clustered(n: int, centres: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Unit vectors near random centres; noise per dimension 0.015–0.04 puts cosines at ~0.6–0.9."""
    owner = rng.integers(0, len(centres), n)
    noise = rng.standard_normal((n, DIM)) * rng.uniform(0.015, 0.04, (n, 1))
    v = centres[owner] + noise
    return (v / np.linalg.norm(v, axis=1, keepdims=True)).astype(np.float32)


def synthetic(size: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """`size` stored vectors and BATCH new ones from the same clusters."""
    centres = rng.standard_normal((max(1, size // CLUSTER), DIM))
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    return clustered(size, centres, rng), clustered(BATCH, centres, rng)


def cached(path: Path, size: int) -> tuple[np.ndarray, np.ndarray]:
    """The first `size` + BATCH 384-d vectors of an embedding cache, in key order (read-only)."""
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    rows = db.execute(
        "SELECT vector FROM embedding WHERE length(vector) = ? ORDER BY key LIMIT ?", (4 * DIM, size + BATCH)
    ).fetchall()
    db.close()
    if len(rows) < size + BATCH:
        raise SystemExit(
            f"the cache holds {len(rows)} vectors of {DIM} dimensions: ask for at most {len(rows) - BATCH}"
        )
    vectors = np.frombuffer(b"".join(r[0] for r in rows), dtype=np.float32).reshape(len(rows), DIM)
    return vectors[:size], vectors[size:]


def build(path: Path, vectors: np.ndarray, layout: VectorLayout) -> tuple[EdgeStore, EdgeIndex, float]:
    store = EdgeStore(path, optimize_every=len(vectors) + 1)
    index = store.open_index("entities", DIM, layout)
    start = time.process_time()
    index.upsert([VectorRecord(f"e{i}", v, {}) for i, v in enumerate(vectors)])
    index.optimize()  # the HNSW index built now
    return store, index, time.process_time() - start


def timed_search(index: EdgeIndex, queries: np.ndarray, limit: int, ef: int | None) -> tuple[float, list[set[str]]]:
    """Seconds for one synonym batch (HNSW at `ef`, or exact when None) and the ids found per query."""
    start = time.process_time()
    hits = index.search_batch(queries, limit, min_score=THRESHOLD, ef=ef, exact=ef is None)
    return time.process_time() - start, [{h.id for h in row} for row in hits]


def recall(truth: list[set[str]], found: list[set[str]]) -> float:
    return sum(len(t & f) for t, f in zip(truth, found, strict=True)) / max(1, sum(len(t) for t in truth))


def synonym_batch(index: EdgeIndex, queries: np.ndarray) -> dict[str, float]:
    """Exact at limit 100; the old first search (limit and ef 16) and WIDE_EF, with their recall."""
    timed_search(index, queries[:10], SYNONYM_LIMIT, WIDE_EF)  # warm-up: the first search maps segments in
    exact_s, truth = timed_search(index, queries, SYNONYM_LIMIT, None)
    _, truth16 = timed_search(index, queries, OLD_FIRST, None)
    old_s, old = timed_search(index, queries, OLD_FIRST, OLD_FIRST)
    wide_s, wide = timed_search(index, queries, SYNONYM_LIMIT, WIDE_EF)
    return {
        "exact_s": exact_s,
        "pairs": sum(len(t) for t in truth),
        "old_s": old_s,
        "old_recall": recall(truth16, old),
        "wide_s": wide_s,
        "wide_recall": recall(truth, wide),
    }


def single_p50_ms(index: EdgeIndex, queries: np.ndarray, ef: int | None) -> float:
    """Median time of one question's search (limit 5): HNSW at `ef`, or exact when None."""
    times = []
    for q in queries:
        start = time.process_time()
        index.search_batch(q[None, :], 5, ef=ef, exact=ef is None)
        times.append(time.process_time() - start)
    return 1000 * statistics.median(times)


def count_p50_us(index: EdgeIndex) -> float:
    times = []
    for _ in range(SINGLE):
        start = time.process_time()
        index.count()
        times.append(time.process_time() - start)
    return 1e6 * statistics.median(times)


def pages_one_scan_reads_mb(path: Path, index: EdgeIndex, queries: np.ndarray) -> float:
    """Resident MB of the collection's files after its pages are handed back and one synonym
    batch is scanned exactly: what each batch of new entities brings back into memory."""
    page_out(path)
    index.search_batch(queries, SYNONYM_LIMIT, min_score=THRESHOLD, exact=True)
    return sum(kb for name, kb in by_mapping_kb().items() if name.startswith("store:entities")) / 1024


def measure(size: int, stored: np.ndarray, queries: np.ndarray, layout_name: str) -> None:
    layout = LAYOUTS[layout_name]
    queries = layout.as_stored(queries)
    with tempfile.TemporaryDirectory() as tmp:
        store, index, build_s = build(Path(tmp), stored, layout)
        scan_mb = pages_one_scan_reads_mb(Path(tmp), index, queries)
        indexed = index._shard.info().indexed_vectors_count  # points under HNSW
        batch = synonym_batch(index, queries)
        exact_ms = single_p50_ms(index, queries[:SINGLE], None)
        hnsw_ms = single_p50_ms(index, queries[:SINGLE], WIDE_EF)
        count_us = count_p50_us(index)
        store.close()
    print(
        f"{layout_name:>7} {scan_mb:8.1f} {size:>8,} {indexed:>8,} | {build_s:7.1f} | {batch['exact_s']:6.2f} | "
        f"{batch['old_s']:6.2f} {batch['old_recall']:6.3f} | {batch['wide_s']:6.2f} {batch['wide_recall']:6.3f} | "
        f"{batch['pairs']:>6} | {exact_ms:6.2f} {hnsw_ms:6.2f} | {count_us:5.0f}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 50_000, 100_000])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--vectors-from", type=Path, help="an embedding cache (SQLite) to take real vectors from")
    parser.add_argument("--layouts", nargs="+", choices=sorted(LAYOUTS), default=["float32"])
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    print(
        f"layout  scan MB points   indexed  | build s | "
        f"synonym batch ({BATCH} × limit {SYNONYM_LIMIT}, ≥ {THRESHOLD}): exact s | "
        f"old (limit 16, ef 16) s recall | ef{WIDE_EF} s recall | pairs ≥ {THRESHOLD} | "
        f"single query p50 ms: exact ef{WIDE_EF} | count µs   (CPU time)"
    )
    for size in args.sizes:
        stored, queries = cached(args.vectors_from, size) if args.vectors_from else synthetic(size, rng)
        for layout_name in args.layouts:
            measure(size, stored, queries, layout_name)


if __name__ == "__main__":
    main()
