"""The synonym search above the exact-search bound, Edge rescoring its hits (before) or the writer (now).

Before, an HNSW synonym search asked Qdrant Edge to rescore twice the limit of candidates per
segment with the full vectors; now it ranks by the int8 copy alone, keeps candidates down to
`INT8_CANDIDATE_MARGIN` below the threshold, and the writer rescores those exactly
(`memory/storage/record_store.py`, `memory/indexing/synonyms.py`). On a copy of a stored entities
collection (above 50k entities: a `bench_soak --data-dir DIR` store's DIR/namespaces/soak/entities),
`--queries` stored entities are searched as new ones would be (limit 100, in batches of 160), each
way twice in turn. Printed per run: wall and CPU seconds (the exact rescoring included), the vector
file pages resident after the search (handed back before each run), candidates, and the pairs at
cosine ≥ 0.8 found; then the brute-force pairs and each way's share of them.

    .venv/bin/python -m benchmarks.bench_synonym_search DIR/namespaces/soak/entities [--queries 3200]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from memrag.memory.params import IndexParams
from memrag.memory.storage.mapped_pages import page_out
from memrag.memory.storage.qdrant_edge import EdgeIndex
from memrag.memory.storage.search_mode import INT8_CANDIDATE_MARGIN, search_mode

BATCH = 160  # about the new entities of a 16-document slice
Pairs = set[tuple[str, str]]


def vector_pages_mb() -> float:
    """Resident MB of this process's mapped vector files (full vectors and int8 copies)."""
    total, counting = 0, False
    for line in Path("/proc/self/smaps").read_text().splitlines():
        fields = line.split()
        if not fields[0].endswith(":"):
            counting = len(fields) > 5 and "/vector_storage/" in fields[5]
        elif fields[0] == "Rss:" and counting:
            total += int(fields[1])
    return total / 1024


def search(index: EdgeIndex, queries: np.ndarray, edge_rescores: bool) -> list[list[str]]:
    """Each query's candidate ids, searched as the writer did before (Edge rescoring) or does now."""
    threshold = IndexParams().synonym_threshold - 1e-3
    mode = search_mode(index.count(exact=False), 100)
    floor = threshold if edge_rescores else threshold - INT8_CANDIDATE_MARGIN
    found: list[list[str]] = []
    for start in range(0, len(queries), BATCH):
        hits = index.search_batch(
            queries[start : start + BATCH], 100, None, floor, False, ef=mode.ef, exact=mode.exact, rescore=edge_rescores
        )
        found += [[h.id for h in row] for row in hits]
    return found


def exact_pairs(index: EdgeIndex, query_ids: list[str], queries: np.ndarray, found: list[list[str]]) -> Pairs:
    """(query, other) pairs whose float64 cosine is ≥ the threshold, as the writer rescores them."""
    threshold = IndexParams().synonym_threshold
    stored = index.vectors(sorted({i for row in found for i in row}))
    return {
        (query_id, other)
        for query_id, query, row in zip(query_ids, queries.astype(np.float64), found, strict=True)
        for other in row
        if other != query_id and other in stored and float(stored[other].astype(np.float64) @ query) >= threshold
    }


def brute_force(index: EdgeIndex, ids: list[str], query_ids: list[str], queries: np.ndarray) -> Pairs:
    """Every pair at cosine ≥ the threshold, over every stored entity (no limit)."""
    threshold = IndexParams().synonym_threshold
    stored = {k: v for start in range(0, len(ids), 4096) for k, v in index.vectors(ids[start : start + 4096]).items()}
    names = list(stored)
    matrix = np.stack([stored[n] for n in names]).astype(np.float64)
    pairs: Pairs = set()
    for start in range(0, len(queries), 256):
        scores = matrix @ queries[start : start + 256].astype(np.float64).T
        for column, query_id in enumerate(query_ids[start : start + 256]):
            pairs |= {
                (query_id, names[r]) for r in np.flatnonzero(scores[:, column] >= threshold) if names[r] != query_id
            }
    return pairs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("entities", type=Path, help="a stored entities collection (it is copied, not changed)")
    parser.add_argument("--queries", type=int, default=3200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="memrag-synonyms-") as scratch:
        copy = Path(scratch) / "entities"
        shutil.copytree(args.entities, copy)
        index = EdgeIndex(copy, 384)
        ids = [str(p["id"]) for p in index.scroll()]
        picked = np.random.default_rng(2).choice(len(ids), size=min(args.queries, len(ids)), replace=False)
        stored = index.vectors([ids[i] for i in picked])
        query_ids = list(stored)
        queries = np.stack([stored[i] for i in query_ids])
        print(f"{len(ids):,} entities, {search_mode(len(ids), 100)}, {len(queries):,} queries")
        pairs: dict[bool, Pairs] = {}
        for edge_rescores in (True, False, True, False):
            page_out(copy)
            started, cpu = time.perf_counter(), time.process_time()
            found = search(index, queries, edge_rescores)
            resident = vector_pages_mb()
            pairs[edge_rescores] = exact_pairs(index, query_ids, queries, found)
            way = "Edge rescores (before)" if edge_rescores else "int8 candidates, rescored here (now)"
            print(
                f"{way}: {time.perf_counter() - started:.2f} s wall, {time.process_time() - cpu:.2f} s CPU, "
                f"vector pages resident {resident:.0f} MB, {sum(map(len, found)):,} candidates, "
                f"{len(pairs[edge_rescores]):,} pairs ≥ threshold",
                flush=True,
            )
        truth = brute_force(index, ids, query_ids, queries)
        before, now = pairs[True], pairs[False]
        print(
            f"brute force: {len(truth):,} pairs; found before {len(before & truth) / len(truth):.4f}, "
            f"now {len(now & truth) / len(truth):.4f}; before only {len(before - now)}, now only {len(now - before)}"
        )
        index.close()


if __name__ == "__main__":
    main()
