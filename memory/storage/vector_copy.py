"""An in-memory float32 copy of a collection's unit vectors, searched exactly: a row per record, rows packed.

Scores are the cosines of the unit vectors Qdrant stores, and an answer depends on the records alone,
never on the rows' order (scan_mirror.py keeps the copy in step with the store).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

from memrag.memory.ids import point_uuid
from memrag.memory.storage.row_bounds import RowBounds, resized

RESCORE_MARGIN = 1e-5  # far above float32's ~1e-7 error on a unit-vector cosine
# Rows past which searches bound the rows first (row_bounds.py); below, a plain product costs less. With the
# caches cooled as in a query (benchmarks/bench_scan_mirror.py): at 6,119 rows (2wiki-101's passages) a
# pruned top 10 took 0.78 ms against 0.57 ms, at 17,033 (musique-100's facts) a pruned top 5 1.08 against
# 1.45 ms. The bound sits between the two (their geometric mean, rounded).
PRUNE_MIN_ROWS = 10_000
RESCORE_ALL = 512  # bounds leaving at most this many rows: each is rescored in float64, no float32 pass first


class VectorCopy:
    """Unit float32 vectors by record id, rows packed (a delete moves the last row into the hole).

    The matrix grows by doubling but never past `max_rows` (while the rows fit), and shrinks to half
    when deletes leave it a quarter full: what it allocates stays within the budget it was given. Past
    `prune_min_rows` rows the rows' bounds (row_bounds.py) take a third as much again, beside it."""

    def __init__(self, dim: int, max_rows: int | None = None, prune_min_rows: int = PRUNE_MIN_ROWS) -> None:
        self.matrix = np.zeros((0, dim), dtype=np.float32)
        self.max_rows = max_rows
        self.ids: list[str] = []
        self.points: list[str] = []
        self._row: dict[str, int] = {}
        self.prune_min_rows = prune_min_rows
        self._bounds: RowBounds | None = None  # fitted by the first search past prune_min_rows rows
        self._unbounded_below = 0  # bounds found not worth keeping: not fitted again before this many rows
        self.rows_scored = 0  # rows whose whole vector the last `nearest` call read, its queries summed

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def nbytes(self) -> int:
        """Bytes the rows in use hold."""
        return len(self.ids) * self.matrix.shape[1] * 4

    @property
    def allocated_bytes(self) -> int:
        """Bytes the matrix and the rows' bounds hold, spare rows included."""
        bounds = self._bounds
        return int(self.matrix.nbytes) + (0 if bounds is None else int(bounds.columns.nbytes))

    def put(self, ids: Sequence[str], vectors: np.ndarray) -> None:
        """Each id's row set to its unit vector: rows of known ids overwritten, new ids appended. A vector
        that is not finite is held as zeros (cosine 0 with any query: found after every true match)."""
        units = unit_rows(vectors)
        units[~np.isfinite(units).all(axis=1)] = 0.0
        last = {record_id: i for i, record_id in enumerate(ids)}  # an id given twice: its last vector
        known = [(self._row[record_id], i) for record_id, i in last.items() if record_id in self._row]
        if known:
            rows, given = np.array([row for row, _ in known]), units[[i for _, i in known]]
            self.matrix[rows] = given
            if self._bounds is not None:
                self._bounds.set_rows(rows, given)
        fresh = [(record_id, units[i]) for record_id, i in last.items() if record_id not in self._row]
        if fresh:
            self._append(fresh)
        if self._bounds is not None and len(self.ids) > 2 * self._bounds.fitted_rows:
            self._bounds = None  # refitted as the rows double
            self._bounds_to_prune()

    def remove(self, ids: Sequence[str]) -> None:
        for record_id in ids:
            row = self._row.pop(record_id, None)
            if row is None:
                continue
            last = len(self.ids) - 1
            if row != last:
                self.matrix[row] = self.matrix[last]
                if self._bounds is not None:
                    self._bounds.move(last, row)
                self.ids[row], self.points[row] = self.ids[last], self.points[last]
                self._row[self.ids[row]] = row
            self.ids.pop()
            self.points.pop()
        if len(self.ids) < self.prune_min_rows:
            self._bounds = None
        if len(self.matrix) > 64 and len(self.ids) < len(self.matrix) // 4:
            self._resize(max(64, 2 * len(self.ids)))

    def nearest(self, vectors: np.ndarray, limits: Sequence[int]) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Per query vector: the rows of its `limit` best cosines, best first, and those cosines.

        The answer follows from the records alone, not from the rows' order (a delete or a reload
        changes it): BLAS's float32 product differs by ~1e-7 with a row's position, so the rows near
        the cut are rescored one by one in float64, and equal cosines (one text in two documents) come
        in the order of their record ids. Past `prune_min_rows` rows only those whose bound can reach
        the cut are scored (the same answer: row_bounds.py)."""
        units = unit_rows(vectors)
        takes = [min(limit, len(self.ids)) for limit in limits]
        self.rows_scored = 0
        for query, (rows, row_scores), take in zip(units, self._cosines(units, takes), takes, strict=True):
            if take <= 0:
                yield np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
                continue
            if row_scores is None:  # few enough to rescore them all
                head = rows if rows is not None else np.arange(len(self.ids))
            else:
                near = _near_the_cut(row_scores, take)
                head = near if rows is None else rows[near]
            exact = (self.matrix[head].astype(np.float64) * query.astype(np.float64)).sum(axis=1)  # row by row
            order = self._best_first(head, exact)[:take]
            yield head[order], exact[order]

    def _best_first(self, rows: np.ndarray, cosines: np.ndarray) -> np.ndarray:
        """The order of `rows` by cosine, best first, equal cosines by record id (ids read only when two are equal)."""
        order = np.argsort(-cosines, kind="stable")
        ranked = cosines[order]
        if not (ranked[1:] == ranked[:-1]).any():
            return order
        return np.lexsort((np.array([self.ids[r] for r in rows.tolist()]), -cosines))

    def _cosines(
        self, queries: np.ndarray, takes: Sequence[int]
    ) -> Iterator[tuple[np.ndarray | None, np.ndarray | None]]:
        """Each query's float32 cosines with the rows that may hold its best `take` (None: with every row;
        no cosines for at most RESCORE_ALL rows: they are all rescored). A full scan is one matrix-vector
        product (a batch product was 2x slower for two queries), and a query's opposite (a query and its
        -q) negates its scores, exactly."""
        matrix = self.matrix[: len(self.ids)]
        bounds = self._bounds_to_prune()
        previous: np.ndarray | None = None
        for i, (query, take) in enumerate(zip(queries, takes, strict=True)):
            if previous is not None and np.array_equal(query, -queries[i - 1]):
                previous = -previous  # now the scores of this query, the one the next is compared with
                yield None, previous
                continue
            rows = None if bounds is None or take <= 0 else self._survivors(bounds, query, take)
            if rows is not None:
                previous = None
                self.rows_scored += len(rows)
                yield (rows, None) if len(rows) <= RESCORE_ALL else (rows, matrix[rows] @ query)
                continue
            previous = matrix @ query
            self.rows_scored += len(matrix)
            yield None, previous

    def _survivors(self, bounds: RowBounds, query: np.ndarray, take: int) -> np.ndarray | None:
        """The rows whose bound reaches the `take`-th best cosine among the most promising rows (a
        superset of the best `take` and their near-ties), or None where pruning would not pay."""
        count = len(self.ids)
        promising = max(4 * take, 64)
        if 4 * promising > count:
            return None
        upper = bounds.upper_bounds(query, count)
        first = np.argpartition(upper, count - promising)[count - promising :]
        found = self.matrix[first] @ query
        self.rows_scored += promising
        floor = np.partition(found, promising - take)[promising - take]
        if not np.isfinite(floor):  # a query that is not finite (stored rows always are): the full scan decides
            return None
        rows = np.flatnonzero(upper >= floor - RESCORE_MARGIN)
        return rows if 3 * len(rows) <= count else None

    def _bounds_to_prune(self) -> RowBounds | None:
        """The rows' bounds, fitted now if there are enough rows and none are held; None when a search
        should score every row (too few rows, or a head too poor to prune: tried again at twice the rows)."""
        count = len(self.ids)
        if count < self.prune_min_rows or count < self._unbounded_below:
            return None
        if self._bounds is None:
            bounds = RowBounds(self.matrix, count)
            if not bounds.worth_it:
                self._unbounded_below = 2 * count
                return None
            self._bounds = bounds
        return self._bounds

    def _append(self, rows: list[tuple[str, np.ndarray]]) -> None:
        start, end = len(self.ids), len(self.ids) + len(rows)
        if end > len(self.matrix):
            capacity = max(64, 2 * end)
            self._resize(max(end, min(capacity, self.max_rows)) if self.max_rows is not None else capacity)
        self.matrix[start:end] = np.stack([vector for _, vector in rows])
        if self._bounds is not None:
            self._bounds.set_rows(np.arange(start, end), self.matrix[start:end])
        new_ids = [record_id for record_id, _ in rows]
        self.ids.extend(new_ids)
        self.points.extend(point_uuid(record_id) for record_id in new_ids)
        self._row.update(zip(new_ids, range(start, end), strict=True))

    def _resize(self, rows: int) -> None:
        self.matrix = resized(self.matrix, rows, min(rows, len(self.ids)))
        if self._bounds is not None:
            self._bounds.resize(rows)


def unit_rows(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to length 1 in float32, as Qdrant stores and queries cosine collections (zero rows kept)."""
    rows = np.atleast_2d(np.asarray(vectors, dtype=np.float32))
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    units: np.ndarray = np.divide(rows, norms, out=np.zeros_like(rows), where=norms > 0)
    return units


def _near_the_cut(scores: np.ndarray, take: int) -> np.ndarray:
    """The positions of every score that may be among the best `take`, ties and near-ties at the cut too."""
    if take >= len(scores):
        return np.arange(len(scores))
    cut = np.partition(scores, len(scores) - take)[len(scores) - take]
    return np.flatnonzero(scores >= cut - RESCORE_MARGIN)
