"""Upper bounds on every row's cosine from a third of its dimensions, so an exact scan reads most rows only in part.

The rows are rotated onto their principal axes (an orthogonal basis keeps every dot product); the
first `head` rotated dimensions of a row give a partial score, and Cauchy–Schwarz bounds what the
others can add: |q_rest|·|x_rest|. A row whose bound is below a score already found among the most
promising rows cannot be among the best, so only the survivors need their full product. On
musique-100's 17k facts (384-d, a 128-d head; benchmarks/bench_scan_mirror.py) 66 rows survive a
top-5 search at the median and 557 at p95, and the head is a third of the bytes a full scan reads.
A third was chosen there: a 96-d or 192-d head made the search slower (more survivors, or more head).
The basis only decides how few rows survive, never which rows are found: any orthogonal basis
gives the same answer. Where the head holds too little of the rows' spread for a bound to prune
(evenly spread vectors), `worth_it` is False and the owner scans every row instead. Fitting bounds
to 21,845 rows (the most a 32 MB copy holds at 384 dimensions) took 0.13 s of CPU on one thread, 10,000
rows 0.08 s: once when a search first finds enough rows, again each time the rows double.
"""

from __future__ import annotations

import numpy as np

BOUND_SLACK = 1e-4  # added to every bound: float32 error of a rotation, a product and a norm is ~1e-6
# The head's share of the rows' second moment below which bounds seldom prune; chosen on musique-100's
# facts: a 128-d head holds 0.85 (66 of 17k rows survive at the median), a 64-d one 0.68 (more than half
# at p95). 2wiki-101's passages: 0.83; evenly spread vectors: a third.
MIN_HEAD_SHARE = 0.7


class RowBounds:
    """Per row of a matrix of unit vectors: its rotated head, the length of the rest, and a 1 (the
    slack's column), so one product gives every bound. Kept in step with the matrix by its owner:
    rows set, moved and the capacity changed as the matrix's are. The basis is fitted to the rows
    the bounds are made from; rows set later are rotated with it."""

    def __init__(self, matrix: np.ndarray, rows: int) -> None:
        self.fitted_rows = rows
        self._head_dims = max(1, matrix.shape[1] // 3)
        self._basis, self.head_share = _principal_axes(matrix[:rows], self._head_dims)
        self.columns = np.zeros((len(matrix), self._head_dims + 2), dtype=np.float32)
        for start in range(0, rows, 4096):  # bounded scratch: a 4,096-row rotation at a time
            chunk = np.arange(start, min(rows, start + 4096))
            self.set_rows(chunk, matrix[chunk])

    @property
    def worth_it(self) -> bool:
        """Whether the head holds enough of the rows' spread for bounds to spare most rows."""
        return self.head_share >= MIN_HEAD_SHARE

    def set_rows(self, rows: np.ndarray, units: np.ndarray) -> None:
        """The rows at `rows` now hold `units` (unit vectors, or zeros)."""
        self.columns[rows] = self._laid_out(units, 1.0)

    def move(self, source: int, target: int) -> None:
        self.columns[target] = self.columns[source]

    def resize(self, capacity: int) -> None:
        self.columns = resized(self.columns, capacity, min(capacity, len(self.columns)))

    def upper_bounds(self, query: np.ndarray, rows: int) -> np.ndarray:
        """Each of the first `rows` rows' cosine with the unit `query` is at most this (float32, slack included)."""
        [weights] = self._laid_out(query[None, :], BOUND_SLACK)
        bounds: np.ndarray = self.columns[:rows] @ weights
        return bounds

    def _laid_out(self, units: np.ndarray, last: float) -> np.ndarray:
        """Each vector as [its rotated head, the length of its rotated rest, `last`]: a row's columns (`last`
        1) or a query's weights (`last` the slack), so that their product is the bound."""
        rotated = units @ self._basis
        values = np.empty((len(units), self._head_dims + 2), dtype=np.float32)
        values[:, : self._head_dims] = rotated[:, : self._head_dims]
        values[:, self._head_dims] = np.linalg.norm(rotated[:, self._head_dims :], axis=1)
        values[:, -1] = last
        return values


def resized(array: np.ndarray, rows: int, kept: int) -> np.ndarray:
    """A copy of `array` with `rows` rows: its first `kept` rows, zeros after them."""
    grown = np.zeros((rows, *array.shape[1:]), dtype=array.dtype)
    grown[:kept] = array[:kept]
    return grown


def _principal_axes(rows: np.ndarray, head_dims: int) -> tuple[np.ndarray, float]:
    """An orthogonal basis (columns) of the rows' second moment, the axes holding most of it first, and
    the share of it the first `head_dims` axes hold."""
    moment = np.zeros((rows.shape[1], rows.shape[1]), dtype=np.float64)
    for start in range(0, len(rows), 4096):  # float32 products, summed in float64: no float64 copy of the rows
        chunk = rows[start : start + 4096]
        moment += chunk.T @ chunk
    spread, axes = np.linalg.eigh(moment)  # ascending eigenvalues
    total = float(spread.sum())
    share = float(spread[::-1][:head_dims].sum()) / total if total > 0 else 0.0
    basis: np.ndarray = np.ascontiguousarray(axes[:, ::-1], dtype=np.float32)
    return basis, share
