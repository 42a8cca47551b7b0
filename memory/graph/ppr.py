"""Personalized PageRank, exact (power iteration on CSR) and local (vectorised push).

Both compute p = (1 - d)·s + d·P·p with P the weight-normalised random walk of an
undirected graph and s the reset vector normalised to sum 1. PPR mass sums to ≤ 1.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, Protocol

import numpy as np

PprMode = Literal["auto", "local", "exact"]


class RowSource(Protocol):
    def spread(self, nodes: np.ndarray, amounts: np.ndarray) -> tuple[np.ndarray, np.ndarray]: ...

    def walk(self, size: int, single: bool = False) -> Callable[[np.ndarray], np.ndarray]: ...


@dataclass(frozen=True)
class PprSettings:
    """How to run the walk: `auto` is exact up to `exact_max_nodes` nodes and local (push) above."""

    damping: float
    mode: PprMode = "auto"
    exact_max_nodes: int = 50_000
    epsilon: float = 1e-5  # push threshold relative to node degree (local)
    tolerance: float = 1e-5  # L1 change per iteration that stops the exact walk
    max_iterations: int = 100


def personalized_pagerank(
    rows: RowSource, degree: np.ndarray, seeds: np.ndarray, weights: np.ndarray, settings: PprSettings
) -> tuple[np.ndarray, np.ndarray]:
    """PPR mass as (node indices, mass) for the nodes reached from the weighted seeds."""
    size = len(degree)
    if settings.mode == "exact" or (settings.mode == "auto" and size <= settings.exact_max_nodes):
        reset = np.zeros(size, dtype=np.float32)  # float32: 1.4x faster, the same rankings on musique-100
        np.add.at(reset, seeds, weights)
        walk = rows.walk(size, single=True)
        p = exact_ppr(
            walk, degree.astype(np.float32), reset, settings.damping, settings.tolerance, settings.max_iterations
        )
        reached = np.flatnonzero(p)
        return reached, p[reached]
    return push_ppr(rows, degree, seeds, weights, settings.damping, settings.epsilon)


def exact_ppr(
    walk: Callable[[np.ndarray], np.ndarray],
    degree: np.ndarray,
    reset: np.ndarray,
    damping: float,
    tolerance: float = 1e-8,
    max_iterations: int = 100,
) -> np.ndarray:
    """Global PPR by power iteration; `walk(x)` is W·x for the symmetric weight matrix W.

    Mass of dangling nodes returns to the reset distribution (as igraph's PRPACK does).
    """
    total = reset.sum()
    if total <= 0:
        return np.zeros_like(reset, dtype=np.float64)
    s = reset / total
    live = degree > 0
    dangling = np.flatnonzero(~live)
    inverse = np.divide(1.0, degree, out=np.zeros_like(degree), where=live)
    restart = (1.0 - damping) * s
    p, scratch = s.copy(), np.empty_like(s)
    for _ in range(max_iterations):  # in place: the same sums as (1-d)·s + d·(W·(p/deg) + dangling·s)
        following = walk(np.multiply(p, inverse, out=scratch))
        if len(dangling):
            following += np.multiply(s, p[dangling].sum(), out=scratch)
        following *= damping
        following += restart
        change = np.abs(np.subtract(following, p, out=scratch), out=scratch).sum()
        p = following
        if change < tolerance:
            break
    return np.asarray(p, dtype=np.float64)


def push_ppr(
    rows: RowSource,
    degree: np.ndarray,
    seeds: np.ndarray,
    weights: np.ndarray,
    damping: float,
    epsilon: float,
    max_rounds: int = 60,
) -> tuple[np.ndarray, np.ndarray]:
    """Local PPR by rounds of push (Andersen–Chung–Lang); only nodes near the seeds are touched.

    A node pushes while its residual exceeds `epsilon × degree`; returns (nodes, mass), the
    mass underestimating the exact PPR by at most the residual left behind.
    """
    total = weights.sum()
    if total <= 0 or len(seeds) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    r_nodes, r_mass = _merge(seeds.astype(np.int64), weights / total)
    settled_nodes: list[np.ndarray] = []
    settled_mass: list[np.ndarray] = []
    for _ in range(max_rounds):
        node_degree = degree[r_nodes]
        active = r_mass > epsilon * np.maximum(node_degree, 1.0)
        if not active.any():
            break
        a_nodes, a_mass, a_degree = r_nodes[active], r_mass[active], node_degree[active]
        settled_nodes.append(a_nodes)
        settled_mass.append((1.0 - damping) * a_mass)
        has_edges = a_degree > 0
        targets, values = rows.spread(a_nodes[has_edges], damping * a_mass[has_edges] / a_degree[has_edges])
        r_nodes, r_mass = _merge(np.concatenate([r_nodes[~active], targets]), np.concatenate([r_mass[~active], values]))
    if not settled_nodes:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    return _merge(np.concatenate(settled_nodes), np.concatenate(settled_mass))


def _merge(nodes: np.ndarray, mass: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sum the mass of repeated nodes."""
    unique, inverse = np.unique(nodes, return_inverse=True)
    return unique, np.bincount(inverse, weights=mass, minlength=len(unique))
