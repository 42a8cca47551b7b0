"""Exact search up to the size bound, HNSW at a wide breadth (never narrower than the limit) above it."""

from memrag.memory.storage.search_mode import EXACT_SEARCH_MAX_POINTS, WIDE_EF, SearchMode, search_mode


def test_collections_up_to_the_bound_are_searched_exactly():
    assert search_mode(0, 10) == search_mode(EXACT_SEARCH_MAX_POINTS, 10) == SearchMode(exact=True, ef=None)


def test_larger_collections_use_hnsw_at_least_as_wide_as_the_limit():
    assert search_mode(EXACT_SEARCH_MAX_POINTS + 1, 10) == SearchMode(exact=False, ef=WIDE_EF)
    assert search_mode(EXACT_SEARCH_MAX_POINTS + 1, WIDE_EF + 50) == SearchMode(exact=False, ef=WIDE_EF + 50)
