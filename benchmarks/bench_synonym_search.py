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
from collections import Counter
from pathlib import Path

import numpy as np

from memrag.memory.params import IndexParams
from memrag.memory.storage.mapped_pages import page_out
from memrag.memory.storage.qdrant_edge import EdgeIndex
from memrag.memory.storage.search_mode import INT8_CANDIDATE_MARGIN, search_mode

BATCH = 160  # about the new entities of a 16-document slice
LIMIT = IndexParams().synonym_max_neighbours
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


def run_way(
    index: EdgeIndex, path: Path, query_ids: list[str], queries: np.ndarray, edge_rescores: bool, hand_back: bool
) -> tuple[dict[tuple[str, str], tuple[float, float]], int, float]:
    """The writer's synonym search batch after batch, as before (Edge rescoring the limit's best) or now
    (twice the limit by the int8 copy, down to the margin), each batch's candidates rescored exactly
    and the `LIMIT` best at cosine ≥ the threshold kept; with `hand_back`, the collection's pages are
    handed back after every batch. Returns (query, other) → (the store's score, the cosine), the
    candidates, and the most vector pages resident after a batch (MB)."""
    threshold = IndexParams().synonym_threshold
    mode = search_mode(index.count(exact=False), LIMIT)
    limit, floor = (LIMIT, threshold - 1e-3) if edge_rescores else (2 * LIMIT, threshold - 1e-3 - INT8_CANDIDATE_MARGIN)
    kept: dict[tuple[str, str], tuple[float, float]] = {}
    candidates, most = 0, 0.0
    for start in range(0, len(queries), BATCH):
        batch = queries[start : start + BATCH]
        hits = index.search_batch(batch, limit, None, floor, False, ef=mode.ef, rescore=edge_rescores)
        stored = index.vectors(sorted({h.id for row in hits for h in row}))
        for query_id, query, row in zip(query_ids[start : start + BATCH], batch.astype(np.float64), hits, strict=True):
            scored = [(h.id, h.score, float(stored[h.id].astype(np.float64) @ query)) for h in row if h.id in stored]
            best = sorted((x for x in scored if x[2] >= threshold and x[0] != query_id), key=lambda x: -x[2])[:LIMIT]
            kept.update({(query_id, i): (score, exact) for i, score, exact in best})
            candidates += len(row)
        most = max(most, vector_pages_mb())
        if hand_back:
            page_out(path)
    return kept, candidates, most


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
        pairs: dict[bool, dict[tuple[str, str], tuple[float, float]]] = {}
        for edge_rescores, hand_back in [(True, False), (False, False), (True, True), (False, True)] * 2:
            page_out(copy)
            started, cpu = time.perf_counter(), time.process_time()
            pairs[edge_rescores], candidates, most = run_way(index, copy, query_ids, queries, edge_rescores, hand_back)
            way = "Edge rescores (before)" if edge_rescores else "int8 candidates rescored here (now)"
            print(
                f"{way}, pages handed back {'after every batch' if hand_back else 'at the end'}: "
                f"{time.perf_counter() - started:.2f} s wall, {time.process_time() - cpu:.2f} s CPU, "
                f"vector pages resident at most {most:.0f} MB, {candidates:,} candidates, "
                f"{len(pairs[edge_rescores]):,} pairs kept",
                flush=True,
            )
        truth = brute_force(index, ids, query_ids, queries)
        before, now = set(pairs[True]), set(pairs[False])
        per_query = Counter(q for q, _ in truth)
        crowded = {q for q, n in per_query.items() if n > LIMIT - 10}
        print(
            f"brute force: {len(truth):,} pairs; found before {len(before & truth) / len(truth):.4f}, now "
            f"{len(now & truth) / len(truth):.4f}; before only {len(before - now)}, now only {len(now - before)}; "
            f"misses of queries with over {LIMIT - 10} true neighbours: before "
            f"{sum(q in crowded for q, _ in truth - before)} of {len(truth - before)}, now "
            f"{sum(q in crowded for q, _ in truth - now)} of {len(truth - now)}"
        )
        gaps = [exact - int8 for int8, exact in pairs[False].values()]
        lowest = min(int8 for int8, _ in pairs[False].values())
        print(
            f"int8 scores of the pairs kept now: lowest {lowest:.4f} (floor "
            f"{IndexParams().synonym_threshold - 1e-3 - INT8_CANDIDATE_MARGIN:.4f}), largest underestimate "
            f"{max(gaps):.4f}, largest overestimate {-min(gaps):.4f}"
        )
        index.close()


if __name__ == "__main__":
    main()
