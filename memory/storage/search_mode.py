"""Exact or HNSW: how a collection is searched, so that its answers follow from its records alone.

HNSW answers depend on how the index was built (which writes came together, when segments were
optimised): the same records added in parts or at once can give a query different neighbours,
so a streamed memory would not equal one indexed at once, nor a memory that forgot a part one
that never had it. Up to EXACT_SEARCH_MAX_POINTS a search is a full scan (exact); above it,
HNSW with a breadth of at least WIDE_EF. Costs: benchmarks/bench_exact_search.py.
"""

from __future__ import annotations

from dataclasses import dataclass

# Why 50k (benchmarks/bench_exact_search.py, real MiniLM vectors, CPU seconds on a loaded 2-core
# machine): a synonym batch (1,000 new entities, limit 100) costs 0.71 s exact against 3.6 s with
# HNSW at WIDE_EF at 10k points, 2.6 s against 3.4 s at 50k, 4.3 s against 2.2 s at 100k: up to
# here exactness is cheaper than the breadth HNSW needs to find every pair; beyond it a full scan
# grows with the collection, HNSW barely. One question's search costs 7 ms exact against 2.7 ms at
# 10k, 17 against 2 at 50k (CPU, the search pool's idle spinning included).
EXACT_SEARCH_MAX_POINTS = 50_000
# HNSW breadth above the bound. The synonym search used 16 and found 98.6–99.2% of the pairs at
# cosine ≥ 0.8 (the misses broke streamed ≡ batch on musique-100); at 256 it found all of them.
WIDE_EF = 256


@dataclass(frozen=True)
class SearchMode:
    """`exact`: a full scan; else HNSW with breadth `ef`."""

    exact: bool
    ef: int | None


def search_mode(points: int, limit: int) -> SearchMode:
    """The mode for a collection of `points` records asked for `limit` neighbours."""
    if points <= EXACT_SEARCH_MAX_POINTS:
        return SearchMode(exact=True, ef=None)
    return SearchMode(exact=False, ef=max(WIDE_EF, limit))
