"""Exact or HNSW: how a collection is searched, so that its answers follow from its records alone.

HNSW answers depend on how the index was built (which writes came together, when segments were
optimised): the same records added in parts or at once can give a query different neighbours,
so a streamed memory would not equal one indexed at once, nor a memory that forgot a part one
that never had it. Up to EXACT_SEARCH_MAX_POINTS a search is a full scan (exact); above it,
HNSW with a breadth of at least WIDE_EF. Costs: benchmarks/bench_exact_search.py.
"""

from __future__ import annotations

from dataclasses import dataclass

# Measured with benchmarks/bench_exact_search.py (384-d, 2-core machine): see the figures there.
# Below this size an exact batch search costs little more than HNSW at WIDE_EF.
EXACT_SEARCH_MAX_POINTS = 50_000
# HNSW breadth above the bound: the synonym search once used 16 and missed true neighbours
# (cosine 0.80–0.87) on musique-100; at 256 HNSW found (see the benchmark's recall column).
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
