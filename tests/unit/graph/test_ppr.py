"""PPR on a six-node graph small enough to check by hand."""

from collections.abc import Callable

import numpy as np
import pytest
import scipy.sparse as sp

from memrag.memory.graph.ppr import exact_ppr, push_ppr

# A path 0-1-2-3-4 with a pendant 5 hanging on 1; unit weights.
EDGES = [(0, 1), (1, 2), (2, 3), (3, 4), (1, 5)]


def _matrix(edges=EDGES, n=6, weights=None):
    weights = weights or [1.0] * len(edges)
    rows = [a for a, b in edges] + [b for a, b in edges]
    cols = [b for a, b in edges] + [a for a, b in edges]
    return sp.csr_matrix((weights * 2, (rows, cols)), shape=(n, n))


def _exact(matrix, reset, tolerance=1e-8):
    degree = np.asarray(matrix.sum(axis=1)).ravel()
    return exact_ppr(CsrRows(matrix).walk(len(degree)), degree, reset, damping=0.5, tolerance=tolerance)


class CsrRows:
    """The rows of a scipy CSR matrix as a `RowSource`, the reference the graph's own rows are held to."""

    def __init__(self, matrix: sp.csr_matrix) -> None:
        self.m = matrix

    def spread(self, nodes: np.ndarray, amounts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        coo = self.m[nodes].tocoo()
        return coo.col.astype(np.int64), coo.data * amounts[coo.row]

    def walk(self, size: int, single: bool = False) -> Callable[[np.ndarray], np.ndarray]:
        assert self.m.shape == (size, size)
        return lambda x: np.asarray(self.m @ x)

    def hubs_first(self, size: int) -> None:
        """No renumbered copy: the walk runs over the rows as given."""
        return None


def test_exact_ppr_orders_nodes_by_distance_from_the_seed():
    reset = np.zeros(6)
    reset[0] = 1.0
    p = _exact(_matrix(), reset)
    assert p.sum() == pytest.approx(1.0, abs=1e-6)
    # node 0 keeps most; 1 is next; 2 and 5 both hang one step past 1 but 2 has degree 2, 5 degree 1
    order = list(np.argsort(-p))
    assert order[:2] == [0, 1]
    assert order[-1] == 4


def test_exact_ppr_matches_the_closed_form_on_two_nodes():
    # 0-1 single edge, seed on 0: p0 = (1-d) + d*p1, p1 = d*p0 → p0 = (1-d)/(1-d²)
    reset = np.array([1.0, 0.0])
    p = _exact(_matrix([(0, 1)], 2), reset)
    assert p[0] == pytest.approx(0.5 / 0.75, abs=1e-7)
    assert p[1] == pytest.approx(0.25 / 0.75, abs=1e-7)


def test_weights_steer_the_walk():
    reset = np.zeros(6)
    reset[1] = 1.0
    heavy_to_5 = _matrix(weights=[1.0, 1.0, 1.0, 1.0, 10.0])
    p = _exact(heavy_to_5, reset)
    assert p[5] > p[2] > p[0] * 0  # weight 10 on edge 1-5 beats weight 1 on 1-2
    assert p[5] > p[0]


def test_push_approximates_exact_ppr_from_below():
    matrix = _matrix()
    reset = np.zeros(6)
    reset[[0, 3]] = [0.7, 0.3]
    exact = _exact(matrix, reset, tolerance=1e-12)
    degree = np.asarray(matrix.sum(axis=1)).ravel()
    nodes, mass = push_ppr(CsrRows(matrix), degree, np.array([0, 3]), np.array([0.7, 0.3]), 0.5, 1e-9)
    approx = np.zeros(6)
    approx[nodes] = mass
    assert np.all(approx <= exact + 1e-12)
    assert np.abs(approx - exact).max() < 1e-6
    assert list(np.argsort(-approx)) == list(np.argsort(-exact))


def test_push_with_a_coarse_threshold_touches_only_the_neighbourhood():
    matrix = _matrix()
    degree = np.asarray(matrix.sum(axis=1)).ravel()
    nodes, _ = push_ppr(CsrRows(matrix), degree, np.array([4]), np.array([1.0]), 0.5, 0.05)
    assert 4 in nodes and 0 not in nodes


def test_no_seed_mass_gives_nothing():
    matrix = _matrix()
    assert _exact(matrix, np.zeros(6)).sum() == 0
    nodes, _ = push_ppr(CsrRows(matrix), np.ones(6), np.array([], dtype=np.int64), np.array([]), 0.5, 1e-6)
    assert len(nodes) == 0
