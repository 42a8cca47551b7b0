"""The exact walk's shortcuts give the walk's answer: Chebyshev iteration, and the hubs-first numbering."""

from collections.abc import Callable

import numpy as np
import pytest
import scipy.sparse as sp

from memrag.memory.graph.adjacency import HubsFirst, WeightedAdjacency
from memrag.memory.graph.memory_graph import MemoryGraph
from memrag.memory.graph.ppr import PprSettings, PushScratch, exact_ppr, personalized_pagerank, push_ppr

DAMPING = 0.5


def _weights() -> sp.csr_matrix:
    """A star around 0 (with a weighted spoke), a tail 3-4-5, and node 6 with no edge at all (dangling)."""
    edges = [(0, 1, 1.0), (0, 2, 3.0), (0, 3, 1.0), (3, 4, 2.0), (4, 5, 1.0), (1, 2, 0.5)]
    rows = [a for a, _, _ in edges] + [b for _, b, _ in edges]
    cols = [b for _, b, _ in edges] + [a for a, _, _ in edges]
    data = [w for _, _, w in edges] * 2
    return sp.csr_matrix((data, (rows, cols)), shape=(7, 7))


def _direct_solve(weights: np.ndarray, reset: np.ndarray) -> np.ndarray:
    """p = (1-d)·s + d·(W·D⁺·p + s·Σ dangling p), solved as one linear system."""
    degree = weights.sum(axis=1)
    s = reset / reset.sum()
    step = weights * np.divide(1.0, degree, out=np.zeros_like(degree), where=degree > 0)[None, :]
    step += np.outer(s, degree == 0)  # a dangling node's mass returns to the reset distribution
    return np.linalg.solve(np.eye(len(s)) - DAMPING * step, (1 - DAMPING) * s)


def _graph(passages: int = 40) -> MemoryGraph:
    graph = MemoryGraph(compact_ratio=10.0, compact_min_rows=10_000)
    for i in range(passages):
        entities = [f"e{i % 11}", f"e{(i * 5) % 11}", "hub"]
        graph.add_passage(f"p{i}", entities, [(f"f{i}", entities[0], entities[1]), (f"h{i}", entities[1], "hub")])
    graph.rows().merge(graph.size)
    return graph


def test_exact_walk_with_a_dangling_seed_matches_the_direct_solution():
    matrix = _weights()
    reset = np.array([0.0, 0.2, 0.0, 0.0, 0.5, 0.0, 0.3])  # node 6 has no edge: its mass goes back to the seeds
    degree = np.asarray(matrix.sum(axis=1)).ravel()
    p = exact_ppr(lambda x: matrix @ x, degree, reset, DAMPING, tolerance=1e-13, max_iterations=500)
    assert p == pytest.approx(_direct_solve(matrix.toarray(), reset), abs=1e-12)
    assert p.sum() == pytest.approx(1.0, abs=1e-12)


def test_exact_walk_converges_in_about_half_the_walks_of_power_iteration():
    matrix = _weights()
    degree = np.asarray(matrix.sum(axis=1)).ravel()
    walks = []

    def counted(x: np.ndarray) -> np.ndarray:
        walks.append(1)
        return matrix @ x

    exact_ppr(counted, degree, np.eye(7)[4], DAMPING, tolerance=1e-10, max_iterations=500)
    assert len(walks) <= 22  # power iteration needs about 34 at d = 0.5: 0.5^34 ≈ 1e-10


def test_hubs_first_numbering_gives_the_same_product():
    graph = _graph()
    rows, size = graph.rows(), graph.size
    hubs = rows.hubs_first(size)
    assert hubs is not None
    assert np.array_equal(hubs.position[hubs.order], np.arange(size))
    counts = np.array([len(graph.neighbours(int(n))) for n in hubs.order])
    assert np.all(np.diff(counts) <= 0)  # the most connected first
    x = np.random.default_rng(5).random(size).astype(np.float32)
    expected = rows.walk(size, single=True)(x)
    assert hubs.walk(x[hubs.order]) == pytest.approx(expected[hubs.order], rel=1e-6)


def test_hubs_first_waits_for_pending_changes_and_follows_the_merge():
    graph = _graph()
    rows, size = graph.rows(), graph.size
    before = rows.hubs_first(size)
    graph.declare_synonyms("e2", [("e7", 0.9)])  # new weights between nodes already there
    assert graph.size == size and rows.hubs_first(size) is None  # the change is not in the base yet
    rows.merge(size)
    after = rows.hubs_first(size)
    assert after is not None and after is not before
    x = np.random.default_rng(2).random(size).astype(np.float32)
    assert after.walk(x[after.order]) == pytest.approx(rows.walk(size, single=True)(x)[after.order], rel=1e-6)


def test_walk_through_the_hubs_first_numbering_gives_the_walks_mass():
    graph = _graph()
    size = graph.size
    assert graph.rows().hubs_first(size) is not None  # the path under test
    seeds, weights = np.array([graph.node_index("p3"), graph.node_index("e2")]), np.array([0.05, 0.6])
    nodes, mass = personalized_pagerank(graph.rows(), graph.degree, seeds, weights, PprSettings(DAMPING, "exact"))
    reset = np.zeros(size)
    reset[seeds] = weights
    reference = exact_ppr(graph.rows().walk(size), graph.degree, reset, DAMPING, tolerance=1e-12)
    assert np.array_equal(nodes, np.flatnonzero(reference))  # every reached node, in node order
    assert mass == pytest.approx(reference[nodes], abs=1e-6)


def test_local_walks_sharing_work_arrays_give_what_fresh_ones_give():
    graph = _graph()
    rows, degree, scratch = graph.rows(), graph.degree, PushScratch()
    walks = [([graph.node_index("p3"), graph.node_index("e2")], [0.05, 0.6]), ([graph.node_index("hub")], [1.0])]
    for seeds, weights in walks * 2:  # every walk after the first starts from arrays another walk used
        shared = push_ppr(rows, degree, np.array(seeds), np.array(weights), DAMPING, 1e-6, scratch=scratch)
        fresh = push_ppr(rows, degree, np.array(seeds), np.array(weights), DAMPING, 1e-6)
        assert np.array_equal(shared[0], fresh[0]) and np.array_equal(shared[1], fresh[1])
    assert not scratch.residual.any()


class FailingRows:
    """The graph's rows, but the second spread fails (a walk cut short)."""

    def __init__(self, inner: WeightedAdjacency) -> None:
        self._inner, self._calls = inner, 0

    def spread(self, nodes: np.ndarray, amounts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        self._calls += 1
        if self._calls == 2:
            raise RuntimeError("cut short")
        return self._inner.spread(nodes, amounts)

    def walk(self, size: int, single: bool = False) -> Callable[[np.ndarray], np.ndarray]:
        return self._inner.walk(size, single)

    def hubs_first(self, size: int) -> HubsFirst | None:
        return self._inner.hubs_first(size)


def test_a_local_walk_cut_short_leaves_the_work_arrays_clean():
    graph = _graph()
    scratch = PushScratch()
    with pytest.raises(RuntimeError):
        push_ppr(
            FailingRows(graph.rows()), graph.degree, np.array([0]), np.array([1.0]), DAMPING, 0.01, scratch=scratch
        )
    assert len(scratch.residual) >= graph.size and not scratch.residual.any()


def test_each_hubs_first_walk_scales_by_its_own_damping_and_the_degrees_after_a_change():
    """Bugs caught: the per-node scale the walk keeps with the hubs-first weights served another damping,
    or outlived a change of degrees (kept past the merge that replaced those weights)."""
    graph = _graph()

    def assert_walk_is_exact(damping: float) -> None:
        size = graph.size
        assert graph.rows().hubs_first(size) is not None  # the path under test
        seeds, weights = np.array([graph.node_index("p3"), graph.node_index("e2")]), np.array([0.05, 0.6])
        settings = PprSettings(damping, "exact", tolerance=1e-9)
        nodes, mass = personalized_pagerank(graph.rows(), graph.degree, seeds, weights, settings)
        reset = np.zeros(size)
        reset[seeds] = weights
        reference = exact_ppr(graph.rows().walk(size), graph.degree, reset, damping, tolerance=1e-12)
        assert mass == pytest.approx(reference[nodes], abs=1e-6)

    for damping in (0.5, 0.85, 0.5):
        assert_walk_is_exact(damping)
    size = graph.size
    for i in range(0, 40, 3):  # the nodes stay (ids are never removed); their neighbours' degrees fall
        graph.remove_passage(f"p{i}")
    graph.rows().merge(graph.size)
    assert graph.size == size
    assert_walk_is_exact(0.5)
