"""Explanations on a six-node memory graph whose walk shares are worked out by hand.

Passages P1 (A rel B), P2 (B rel C), P3 (mentions C only): context edges weigh 1, relation
edges 2, so deg A = 3, deg B = 6, deg C = 4, deg P1 = deg P2 = 2, deg P3 = 1. The walk restarts
at A alone with damping 0.5 (no dangling node), so r[A] = 0.5 and a walk's share is
0.5 · Π 0.5·w/deg along it; e.g. A→B→P2 carries 0.5 · (0.5·2/3) · (0.5·1/6) = 1/72.
"""

import numpy as np
import pytest

from memrag.memory.graph.explain import ExplainLimits, converged_walk, explain_node
from memrag.memory.graph.memory_graph import MemoryGraph

D = 0.5


def _graph() -> MemoryGraph:
    g = MemoryGraph()
    g.add_passage("P1", ["A", "B"], [("f1", "A", "B")])
    g.add_passage("P2", ["B", "C"], [("f2", "B", "C")])
    g.add_passage("P3", ["C"], [])
    return g


def _solved(g: MemoryGraph, reset: np.ndarray) -> np.ndarray:
    """PPR by a direct linear solve, independent of the power iteration: p = (1-d)(I - d·W·D⁻¹)⁻¹ s."""
    n = g.size
    w = np.zeros((n, n))
    for u in range(n):
        for v, weight in g.neighbours(u).items():
            w[u, v] = weight
    walk = w / w.sum(axis=0)
    return (1 - D) * np.linalg.solve(np.eye(n) - D * walk, reset / reset.sum())


def _setup(g: MemoryGraph, seeds: dict[str, float]):
    reset = np.zeros(g.size)
    for node, weight in seeds.items():
        reset[g.node_index(node)] = weight
    return reset, converged_walk(g.rows().walk(g.size), g.degree, reset, D)


def _at(g: MemoryGraph, name: str) -> int:
    index = g.node_index(name)
    assert index is not None
    return index


def _names(g: MemoryGraph, nodes: tuple[int, ...]) -> tuple[str, ...]:
    return tuple(g.node_id(i) for i in nodes)


def test_the_heaviest_walks_to_a_passage_carry_the_shares_worked_out_by_hand():
    g = _graph()
    reset, walk = _setup(g, {"A": 1.0})
    found = explain_node(g, walk, _at(g, "P2"), ExplainLimits(max_paths=3))
    got = [(_names(g, p.nodes), p.share) for p in found.paths]
    want = [(("A", "B", "P2"), 1 / 72), (("A", "B", "C", "P2"), 1 / 288), (("A", "P1", "B", "P2"), 1 / 576)]
    assert [n for n, _ in got] == [n for n, _ in want]
    assert [s for _, s in got] == pytest.approx([s for _, s in want], abs=1e-12)
    exact = _solved(g, reset)[g.node_index("P2")]
    assert found.mass == pytest.approx(exact, abs=1e-12)
    assert found.unattributed == pytest.approx(exact - (1 / 72 + 1 / 288 + 1 / 576), abs=1e-9)


def test_shares_and_the_remainder_sum_to_the_mass_at_every_node_and_follow_edges():
    g = _graph()
    reset, walk = _setup(g, {"A": 1.0, "P3": 0.05, "C": 0.3})
    exact = _solved(g, reset)
    for limits in (ExplainLimits(), ExplainLimits(max_depth=1, width=1, max_paths=1), ExplainLimits(max_expansions=3)):
        for node in range(g.size):
            found = explain_node(g, walk, node, limits)
            assert sum(p.share for p in found.paths) + found.unattributed == pytest.approx(exact[node], abs=1e-9)
            assert found.unattributed >= -1e-12
            for path in found.paths:
                assert reset[path.nodes[0]] > 0 and path.nodes[-1] == node  # starts at a seed, ends here
                assert len(path.nodes) - 1 <= limits.max_depth
                assert all(b in g.neighbours(a) for a, b in zip(path.nodes, path.nodes[1:], strict=False))


def test_a_seeded_passage_lists_its_own_restart_and_a_walk_never_reached_has_none():
    g = _graph()
    g.add_passage("P4", ["D"], [])  # an island: no walk from the seeds reaches it
    _, walk = _setup(g, {"A": 1.0, "P1": 0.05})
    own = explain_node(g, walk, _at(g, "P1"))
    assert ("P1",) in [_names(g, p.nodes) for p in own.paths]
    assert [p.share for p in own.paths if len(p.nodes) == 1] == pytest.approx([0.5 * 0.05 / 1.05])
    island = explain_node(g, walk, _at(g, "P4"))
    assert island.mass == 0 and island.paths == () and island.unattributed == 0


def test_dangling_mass_restarts_at_the_seeds_so_the_decomposition_still_sums():
    g = _graph()
    g.add_passage("P5", [], [])  # no entities: a dangling node
    _, walk = _setup(g, {"A": 1.0, "P5": 0.5})
    found = explain_node(g, walk, _at(g, "P2"), ExplainLimits(12, 8, 5000, max_paths=10_000))
    assert walk.restart.sum() > 1 - D  # the dangling node's mass came back
    assert sum(p.share for p in found.paths) + found.unattributed == pytest.approx(walk.mass[g.node_index("P2")])
    assert found.unattributed < 0.01 * found.mass  # nearly all of it listed: the restarts account for it
