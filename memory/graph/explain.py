"""Why a node holds its PPR mass: the walks that carried the mass there, each with its share (pure).

At the fixed point of the walk in `ppr.py`, p = r + d·M·p, where M is the column-normalised
weight matrix (M[v, u] = W[u, v] / deg u) and r = (1 − d)·s + d·δ·s is what restarts at each
seed (δ: the mass on dangling nodes, which returns to the seeds). Unrolled, p = Σₖ (d·M)ᵏ r: the
mass at v is a sum over walks x₀ → x₁ → … → v, one term each,

    share(x₀ … v) = r[x₀] · Πᵢ d · W[xᵢ, xᵢ₊₁] / deg xᵢ,

so every walk starts at a seed and the shares of all walks ending at v sum to p[v] exactly. The
walks are enumerated backwards from v, heaviest first: an open suffix (xⱼ … v) carries
p[xⱼ] · Πᵢ≥ⱼ d·W/deg, which splits into the walk that starts at xⱼ (r[xⱼ] · Π) plus one suffix
per neighbour w of xⱼ (p[w] · d·W[w, xⱼ]/deg w · Π). What the bounds stop the search from
splitting (deeper walks, thinner neighbours, more paths than asked for) is reported whole as
`unattributed`, so the listed shares plus it equal p[v] up to the walk's convergence error.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from memrag.memory.graph.ppr import exact_ppr


class Neighbourhood(Protocol):
    def neighbours(self, index: int) -> Mapping[int, float]: ...


@dataclass(frozen=True)
class WalkMass:
    """The converged walk: PPR mass per node (sums to 1), what restarts at each node, and the
    degrees and damping it was computed with."""

    mass: np.ndarray
    restart: np.ndarray
    degree: np.ndarray
    damping: float


@dataclass(frozen=True)
class ExplainLimits:
    """How far the backward search goes: edges per path, neighbours split per node, nodes split
    in all, and paths listed (the rest is `unattributed`)."""

    max_depth: int = 4
    width: int = 8
    max_expansions: int = 256
    max_paths: int = 5


@dataclass(frozen=True)
class WalkPath:
    """Walks that restart at `nodes[0]` and step along `nodes` to the explained node; `share` is the
    PPR mass they carry there."""

    nodes: tuple[int, ...]
    share: float


@dataclass(frozen=True)
class NodeExplanation:
    """`mass` = Σ paths' shares + `unattributed` (up to the walk's convergence error)."""

    node: int
    mass: float
    paths: tuple[WalkPath, ...]
    unattributed: float


def converged_walk(
    walk: Callable[[np.ndarray], np.ndarray],
    degree: np.ndarray,
    reset: np.ndarray,
    damping: float,
    tolerance: float = 1e-13,
    max_iterations: int = 2000,
) -> WalkMass:
    """PPR to (near) exact convergence, with the restart vector r its fixed point satisfies."""
    mass = exact_ppr(walk, degree, reset, damping, tolerance, max_iterations)
    total = reset.sum()
    if total <= 0:
        return WalkMass(mass, np.zeros_like(mass), degree, damping)
    dangling = float(mass[degree <= 0].sum())
    restart = ((1.0 - damping) + damping * dangling) * (reset / total)
    return WalkMass(mass, restart, degree, damping)


def explain_node(
    graph: Neighbourhood, walk: WalkMass, node: int, limits: ExplainLimits | None = None
) -> NodeExplanation:
    """The heaviest walks ending at `node`, best first, and the mass of the walks not listed."""
    limits = limits or ExplainLimits()
    p, r = walk.mass, walk.restart
    found: list[WalkPath] = []
    left_over = 0.0
    expansions = 0
    # (−suffix mass, suffix, Π d·W/deg along the suffix)
    frontier: list[tuple[float, tuple[int, ...], float]] = [(-float(p[node]), (node,), 1.0)]
    while frontier:
        _, suffix, factor = heapq.heappop(frontier)
        head = suffix[0]
        if r[head] > 0:
            found.append(WalkPath(suffix, float(r[head]) * factor))
        if len(suffix) > limits.max_depth or expansions >= limits.max_expansions:
            left_over += (float(p[head]) - float(r[head])) * factor
            continue
        expansions += 1
        children, thin = _in_flows(graph, walk, head, factor, limits.width)
        left_over += thin
        for source, flow in children:
            heapq.heappush(frontier, (-flow, (source, *suffix), flow / float(p[source])))
    found.sort(key=lambda path: (-path.share, path.nodes))
    listed = tuple(found[: limits.max_paths])
    left_over += sum(path.share for path in found[limits.max_paths :])
    return NodeExplanation(node, float(p[node]), listed, left_over)


def _in_flows(
    graph: Neighbourhood, walk: WalkMass, head: int, factor: float, width: int
) -> tuple[list[tuple[int, float]], float]:
    """The `width` heaviest in-flows d·p[w]·W[w, head]/deg w (× factor) as (w, flow), and the sum of
    the others. Only neighbours holding mass are kept (a flow of 0 explains nothing)."""
    row = graph.neighbours(head)
    if not row:
        return [], 0.0
    sources = np.fromiter(row.keys(), dtype=np.int64, count=len(row))
    weights = np.fromiter(row.values(), dtype=np.float64, count=len(row))
    degree = walk.degree[sources]
    flows = np.where(degree > 0, walk.damping * walk.mass[sources] * weights / np.where(degree > 0, degree, 1.0), 0.0)
    flows = flows * factor
    order = np.lexsort((sources, -flows))  # heaviest first, ties by node index
    kept = [int(i) for i in order[:width] if flows[i] > 0]
    thin = float(flows.sum() - flows[kept].sum())
    return [(int(sources[i]), float(flows[i])) for i in kept], thin
