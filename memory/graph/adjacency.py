"""Rows of the graph's weighted adjacency for PPR: a CSR snapshot plus rows changed since."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import scipy.sparse as sp


class AdjacencySnapshot:
    """Gathers weighted neighbours of many nodes at once; rebuilt when many rows are dirty.

    Clean rows come from the CSR arrays (vectorised), dirty rows from the live dicts, so an
    update costs O(1) and a rebuild happens after a fraction of the rows changed (amortised).
    """

    def __init__(self, compact_ratio: float, compact_min_rows: int) -> None:
        self._ratio = compact_ratio
        self._min_rows = compact_min_rows
        self._indptr = np.zeros(1, dtype=np.int64)
        self._indices = np.zeros(0, dtype=np.int64)
        self._data = np.zeros(0, dtype=np.float64)
        self._dirty: set[int] = set()
        self._dirty_mask = np.zeros(0, dtype=bool)
        self._adj: list[dict[int, float]] = []
        self._changes = 0
        self._matrix = sp.csr_matrix((0, 0))
        self._changed_cache: tuple[tuple[int, int, int], np.ndarray, sp.csr_matrix] | None = None
        self.rebuilds = 0

    @property
    def snapshot_rows(self) -> int:
        return len(self._indptr) - 1

    def mark_dirty(self, u: int, v: int) -> None:
        self._changes += 1
        self._dirty.add(u)
        self._dirty.add(v)
        for node in (u, v):
            if node < len(self._dirty_mask):
                self._dirty_mask[node] = True

    def refresh(self, adj: list[dict[int, float]], size: int) -> None:
        self._adj = adj
        stale = len(self._dirty) + (size - self.snapshot_rows)
        if stale > max(self._min_rows, self._ratio * size):
            self.rebuild(adj, size)

    def rebuild(self, adj: list[dict[int, float]], size: int) -> None:
        counts = np.fromiter((len(adj[u]) for u in range(size)), dtype=np.int64, count=size)
        self._indptr = np.concatenate([[0], np.cumsum(counts)])
        total = int(self._indptr[-1])
        self._indices = np.fromiter((v for u in range(size) for v in adj[u]), dtype=np.int64, count=total)
        self._data = np.fromiter((w for u in range(size) for w in adj[u].values()), dtype=np.float64, count=total)
        self._dirty = set()
        self._dirty_mask = np.zeros(size, dtype=bool)
        self._adj = adj
        self._matrix = sp.csr_matrix((self._data, self._indices, self._indptr), shape=(size, size))
        self.rebuilds += 1

    def walk(self, size: int) -> Callable[[np.ndarray], np.ndarray]:
        """x ↦ W·x over the current weights: snapshot rows, with changed rows replaced.

        Edges change in pairs (u, v) and both ends are marked dirty, so every clean row is
        exactly as it was in the snapshot.
        """
        clean, snap = self._matrix, self.snapshot_rows  # clean rows only reach nodes < snap
        rows, changed = self._changed_rows(size)

        def apply(x: np.ndarray) -> np.ndarray:
            y = np.zeros(size)
            y[:snap] = clean @ x[:snap]
            if len(rows):
                y[rows] = changed @ x
            return y

        return apply

    def _changed_rows(self, size: int) -> tuple[np.ndarray, sp.csr_matrix]:
        key = (len(self._dirty), size, self._changes)
        if self._changed_cache is None or self._changed_cache[0] != key:
            rows = np.array(sorted(self._dirty | set(range(self.snapshot_rows, size))), dtype=np.int64)
            indptr = np.concatenate([[0], np.cumsum([len(self._adj[r]) for r in rows])]).astype(np.int64)
            indices = np.fromiter((v for r in rows for v in self._adj[r]), dtype=np.int64, count=int(indptr[-1]))
            data = np.fromiter((w for r in rows for w in self._adj[r].values()), dtype=np.float64, count=len(indices))
            self._changed_cache = (key, rows, sp.csr_matrix((data, indices, indptr), shape=(len(rows), size)))
        return self._changed_cache[1], self._changed_cache[2]

    def spread(self, nodes: np.ndarray, amounts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Targets and values of sending `amounts[i] * weight(nodes[i], t)` to every neighbour t."""
        in_snapshot = nodes < self.snapshot_rows
        clean = in_snapshot.copy()
        clean[in_snapshot] = ~self._dirty_mask[nodes[in_snapshot]]
        targets, values = self._gather(nodes[clean], amounts[clean])
        dirty_nodes = nodes[~clean]
        if len(dirty_nodes) == 0:
            return targets, values
        extra_t: list[int] = []
        extra_v: list[float] = []
        for node, amount in zip(dirty_nodes.tolist(), amounts[~clean].tolist(), strict=True):
            for target, weight in self._adj[node].items():
                extra_t.append(target)
                extra_v.append(amount * weight)
        return (
            np.concatenate([targets, np.asarray(extra_t, dtype=np.int64)]),
            np.concatenate([values, np.asarray(extra_v, dtype=np.float64)]),
        )

    def _gather(self, nodes: np.ndarray, amounts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        starts = self._indptr[nodes]
        counts = self._indptr[nodes + 1] - starts
        total = int(counts.sum())
        if total == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
        row_starts = np.repeat(starts - (np.cumsum(counts) - counts), counts)
        positions = row_starts + np.arange(total)
        return self._indices[positions], self._data[positions] * np.repeat(amounts, counts)
