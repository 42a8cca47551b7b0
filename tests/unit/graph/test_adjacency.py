"""The graph's adjacency rows for PPR: clean CSR rows and rows changed since the snapshot give the same walk."""

import numpy as np
import pytest

from memrag.memory.graph.memory_graph import MemoryGraph


def test_row_snapshot_serves_clean_and_dirty_rows_alike():
    graph = MemoryGraph(compact_ratio=10.0, compact_min_rows=10_000)
    for i in range(20):
        graph.add_passage(f"p{i}", [f"e{i}", f"e{i + 1}"], [(f"f{i}", f"e{i}", f"e{i + 1}")])
    graph.rows().merge(graph.size)
    graph.add_passage("late", ["e0", "e5"], [("g", "e0", "e5")])  # dirties rows of e0 and e5
    nodes = np.array([graph.node_index("e0"), graph.node_index("e3")])
    targets, values = graph.rows().spread(nodes, np.array([1.0, 2.0]))
    got: dict[int, float] = {}
    for t, v in zip(targets.tolist(), values.tolist(), strict=True):
        got[t] = got.get(t, 0.0) + v
    expected: dict[int, float] = {}
    for node, amount in zip(nodes.tolist(), [1.0, 2.0], strict=True):
        for t, w in graph.neighbours(node).items():
            expected[t] = expected.get(t, 0.0) + amount * w
    assert got == pytest.approx(expected)


def test_walk_equals_the_full_weight_matrix_with_dirty_and_new_rows():
    graph = MemoryGraph(compact_ratio=10.0, compact_min_rows=10_000)
    for i in range(15):
        graph.add_passage(f"p{i}", [f"e{i % 7}", f"e{(i + 3) % 7}"], [(f"f{i}", f"e{i % 7}", f"e{(i + 3) % 7}")])
    graph.rows().merge(graph.size)
    graph.remove_passage("p3")
    graph.add_passage("new", ["e1", "fresh"], [("g", "e1", "fresh")])
    graph.declare_synonyms("e2", [("e5", 0.9)])
    size = graph.size
    full = np.zeros((size, size))
    for u in range(size):
        for v, w in graph.neighbours(u).items():
            full[u, v] = w
    x = np.random.default_rng(1).random(size)
    assert np.allclose(graph.rows().walk(size)(x), full @ x)
