"""What one Qdrant Edge optimisation costs the process: its rise over the resident size, and how long it holds the GIL.

A float16 384-d collection (the entities' layout) is written 512 random vectors at a time, with a
synonym-like search every fourth write; every `--every` points it is optimised by hand, and the
benchmark prints the resident size just before (after handing the store's pages back, as the
optimisation first does), the high-water mark during (VmHWM, reset first), the
size after, the seconds it took, and the longest stall of a thread ticking every millisecond meanwhile
(Edge holds the GIL through its calls, so a stall as long as the call means nothing else in the
process ran). Then the worst rise, which the segment cap bounds, not the collection's size:

    OMP_NUM_THREADS=1 python -m benchmarks.bench_optimize_memory --points 60000 --every 5000
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from benchmarks.process_memory import reset_peak_rss, rss_mb
from memrag.memory.params import IndexParams
from memrag.memory.ports import VectorRecord
from memrag.memory.storage.edge_layout import ENTITY_LAYOUT
from memrag.memory.storage.qdrant_edge import EdgeIndex, EdgeStore
from memrag.memory.storage.search_mode import search_mode

DIM = 384
WRITE = 512
SYNONYM_LIMIT = IndexParams().synonym_max_neighbours
SYNONYM_THRESHOLD = IndexParams().synonym_threshold


def timed_with_longest_stall(call: Callable[[], None]) -> tuple[float, float]:
    """Seconds `call` took, and the longest gap (ms) of a thread sleeping 1 ms at a time meanwhile."""
    gaps: list[float] = []
    stop = threading.Event()

    def tick() -> None:
        last = time.perf_counter()
        while not stop.is_set():
            time.sleep(0.001)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    ticker = threading.Thread(target=tick)
    ticker.start()
    time.sleep(0.02)
    started = time.perf_counter()
    call()
    took = time.perf_counter() - started
    time.sleep(0.02)
    stop.set()
    ticker.join()
    return took, 1000 * max(gaps, default=0.0)


def one_optimisation(store: EdgeStore, index: EdgeIndex, points: int) -> float:
    store.page_out()  # as the optimisation itself first does: the rise is over what stays resident after
    before = rss_mb()
    reset_peak_rss()
    took, stall = timed_with_longest_stall(index.optimize)
    peak, after = rss_mb("VmHWM"), rss_mb()
    print(
        f"{points:>8,} points: before {before:5.0f} MB, peak {peak:5.0f} ({peak - before:+4.0f}), after {after:5.0f}, "
        f"{took:4.1f} s, longest stall of a 1 ms ticker {stall:6.0f} ms",
        flush=True,
    )
    return peak - before


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=60_000)
    parser.add_argument("--every", type=int, default=5_000, help="points written between optimisations")
    args = parser.parse_args()
    if args.every <= 0 or args.points <= 0:
        parser.error("--points and --every must be positive")
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        store = EdgeStore(Path(tmp), optimize_every=10**12)
        index = store.open_index("entities", DIM, ENTITY_LAYOUT)
        worst, written = 0.0, 0
        while written < args.points:
            vectors = rng.standard_normal((WRITE, DIM)).astype(np.float32)
            index.upsert([VectorRecord(f"e{written + i}", v, {"synonym_eligible": 1}) for i, v in enumerate(vectors)])
            if (written // WRITE) % 4 == 0:
                mode = search_mode(written, SYNONYM_LIMIT)
                index.search_batch(
                    vectors[:64], SYNONYM_LIMIT, min_score=SYNONYM_THRESHOLD, ef=mode.ef, exact=mode.exact
                )
            written += WRITE
            if written % args.every < WRITE:
                worst = max(worst, one_optimisation(store, index, written))
        store.close()
    print(f"worst rise over the resident size: {worst:.0f} MB")


if __name__ == "__main__":
    main()
