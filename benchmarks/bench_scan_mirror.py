"""A query's exact searches through the numpy mirror beside Qdrant Edge's own scan, one after the other.

On a memory `memrag eval DATASET --data-dir DIR` kept (namespace `eval`), each question's vector is
searched as a query searches (the facts' top 5 with payloads; the passages' top 200 with the least
similar one; dense retrieval's top 10), through storage/scan_mirror.py, through a second mirror of
the same collection that never prunes (every row scored: vector_copy.py, row_bounds.py), and by the
Edge collection they wrap. Between searches a 16 MB array is summed, cooling the caches as a query's
other work (the walk, the ordering) does; the three go in reverse order every other question (the
first finds the code cold). Prints CPU ms p50 and mean of each, the rows each mirror read whole (p50
and p95), and the copies' MB (bounds included).

    OMP_NUM_THREADS=1 .venv/bin/python -m benchmarks.bench_scan_mirror --data-dir KEPT ../shared/data/musique-100
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from memrag.memory.eval.dataset import load_dataset
from memrag.memory.eval.harness import eval_embedding_cache
from memrag.memory.extraction.recorded import NoExtractor
from memrag.memory.ports import VectorIndex
from memrag.memory.settings import Settings
from memrag.memory.storage.scan_mirror import MirroredIndex
from memrag.memory.storage.vector_copy import PRUNE_MIN_ROWS
from memrag.memory.wiring import open_engine

COOLER = np.ones(4_000_000, dtype=np.float32)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset", type=Path)
    parser.add_argument("--data-dir", type=Path, required=True)
    args = parser.parse_args()
    base = Settings()
    cache = eval_embedding_cache(base)  # as `memrag eval`
    update = {"qdrant_url": None, "embedding_threads": 1, "embedding_cache": cache, "data_dir": args.data_dir}
    engine = open_engine(base.model_copy(update=update), "eval", extractor=NoExtractor(), whole_documents=True)
    try:
        vectors = engine.query_embedder.embed([q.question for q in load_dataset(args.dataset).questions])
        facts, passages = engine.store.facts, engine.store.passages
        if not isinstance(facts, MirroredIndex) or not isinstance(passages, MirroredIndex):
            parser.error("the store is not mirrored (not an embedded store)")
        print(json.dumps({"load_average": os.getloadavg()[0], **compared(facts, passages, vectors)}, indent=2))
    finally:
        engine.close()


def compared(facts: MirroredIndex, passages: MirroredIndex, vectors: np.ndarray) -> dict[str, object]:
    """CPU ms p50/mean of each search, through the mirror and through Edge, over the query vectors."""
    unpruned = {id(m): MirroredIndex(m.inner, vectors.shape[1], prune_min_rows=2**62) for m in (facts, passages)}
    for loaded in (facts, passages, *unpruned.values()):
        loaded.search_points(vectors[:1], 1, exact=True)  # the copies load on the first exact search
    searches: dict[str, Callable[[VectorIndex, np.ndarray], object]] = {
        "facts_top5_payload": lambda index, v: index.search_batch(v[None], 5, None, None, True, exact=True),
        "passages_top200_and_opposite": lambda index, v: index.search_points(np.stack([v, -v]), [200, 1], exact=True),
        "dense_top10": lambda index, v: index.search_batch(v[None], 10, exact=True),
    }
    seconds: dict[str, list[float]] = {}
    rows: dict[str, list[int]] = {}
    for turn, vector in enumerate(vectors):
        for name, search in searches.items():
            mirror = facts if name.startswith("facts") else passages
            sides: tuple[tuple[str, VectorIndex], ...] = (
                ("mirror", mirror),
                ("mirror_unpruned", unpruned[id(mirror)]),
                ("edge", mirror.inner),
            )
            for side, index in sides if turn % 2 else sides[::-1]:  # who goes first finds the code cold
                COOLER.sum()
                started = time.process_time()
                search(index, vector)
                seconds.setdefault(f"{name}_{side}", []).append(time.process_time() - started)
                if isinstance(index, MirroredIndex):
                    rows.setdefault(f"{name}_{side}", []).append(index.rows_scored)
    figures: dict[str, object] = {
        f"{name}_cpu_ms": {"p50": round(1000 * statistics.median(s), 3), "mean": round(1000 * statistics.mean(s), 3)}
        for name, s in seconds.items()
    }
    for name, read in rows.items():
        figures[f"{name}_rows_read"] = {"p50": float(np.percentile(read, 50)), "p95": float(np.percentile(read, 95))}
    figures["copies_mb"] = round((facts.copy_bytes + passages.copy_bytes) / 2**20, 1)
    figures["prune_min_rows"] = PRUNE_MIN_ROWS
    figures["collection_rows"] = {"facts": facts.count(), "passages": passages.count()}
    return figures


if __name__ == "__main__":
    main()
