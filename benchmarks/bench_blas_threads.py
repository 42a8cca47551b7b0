"""A query's exact scans with OpenBLAS's default threads against one thread, in turn: CPU per query.

Builds the scan mirror's copies (storage/scan_mirror.py) at musique-100's sizes (17,234 facts and
1,890 passages, random 384-d unit vectors) and asks, per query, what retrieval asks of them: the
top 5 facts, and the top 200 passages with the least similar one. A short idle gap follows each
query, as a server has between requests. In turn, for `--rounds` rounds: with the BLAS libraries
at their default thread count (one a core) and limited to one (memory/blas_threads.py: what an
engine sets), each after 50 uncounted queries. Prints CPU and wall milliseconds per query (the gap
left out): the difference is OpenBLAS's helper threads spinning after each product.

    .venv/bin/python -m benchmarks.bench_blas_threads [--queries 300] [--rounds 2]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

from memrag.memory.storage.vector_copy import VectorCopy

DIM = 384
FACTS, PASSAGES = 17_234, 1_890
GAP_S = 0.002
WARM_UP = 50  # queries run and not counted after each switch


def copy_of(rows: int, rng: np.random.Generator) -> VectorCopy:
    vectors = rng.standard_normal((rows, DIM)).astype(np.float32)
    copy = VectorCopy(DIM)
    copy.put([f"r{i}" for i in range(rows)], vectors)
    return copy


def per_query_ms(facts: VectorCopy, passages: VectorCopy, queries: np.ndarray) -> tuple[float, float]:
    """CPU and wall milliseconds per query, the idle gaps left out."""
    cpu, wall = time.process_time(), time.perf_counter()
    for q in queries:
        list(facts.nearest(q[None, :], [5]))
        list(passages.nearest(np.stack([q, -q]), [200, 1]))
        time.sleep(GAP_S)
    n = len(queries)
    return 1000 * (time.process_time() - cpu) / n, 1000 * (time.perf_counter() - wall - GAP_S * n) / n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    facts, passages = copy_of(FACTS, rng), copy_of(PASSAGES, rng)
    queries = rng.standard_normal((args.queries, DIM)).astype(np.float32)
    default = max((lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"), default=1)
    print(f"{'BLAS threads':>12} {'CPU ms/query':>13} {'wall ms/query':>14}")
    for _ in range(args.rounds):
        for threads in (default, 1):
            with threadpool_limits(limits=threads, user_api="blas"):
                per_query_ms(facts, passages, queries[:WARM_UP])  # the other setting's threads wind down
                cpu, wall = per_query_ms(facts, passages, queries)
            print(f"{threads:>12} {cpu:>13.2f} {wall:>14.2f}", flush=True)


if __name__ == "__main__":
    main()
