"""Upper bounds on every row's cosine from a third of its dimensions, so an exact scan reads most rows only in part.

The rows are rotated onto their principal axes (an orthogonal basis keeps every dot product); the
first `head` rotated dimensions of a row give a partial score, and Cauchy–Schwarz bounds what the
others can add: |q_rest|·|x_rest|. A row whose bound is below a score already found among the most
promising rows cannot be among the best, so only the survivors need their full product. On
musique-100's 17k facts (384-d, a 128-d head; benchmarks/bench_scan_mirror.py) 66 rows survive a
top-5 search at the median and 557 at p95, and the head is a third of the bytes a full scan reads.
A third was chosen there: a 96-d or 192-d head made the search slower (more survivors, or more head).
The basis only decides how few rows survive, never which rows are found: any orthogonal basis
gives the same answer.
"""

from __future__ import annotations

import numpy as np

BOUND_SLACK = 1e-4  # float32 error of a partial product, a norm and a rotation: ~1e-6 each


class RowBounds:
    """The rotated head of each row of a matrix of unit vectors, and the length of the rest.

    Kept in step with the matrix by its owner: rows set, moved and the capacity changed as the
    matrix's are. The basis is fitted to the rows it is given by `fit`; rows set later are
    rotated with it."""

    def __init__(self, matrix: np.ndarray, rows: int) -> None:
        self.fitted_rows = rows
        self._head_dims = max(1, matrix.shape[1] // 3)
        self._basis = _principal_axes(matrix[:rows])
        self.head = np.zeros((len(matrix), self._head_dims), dtype=np.float32)
        self.rest = np.zeros(len(matrix), dtype=np.float32)
        for start in range(0, rows, 4096):  # bounded scratch: a 4,096-row rotation at a time
            chunk = np.arange(start, min(rows, start + 4096))
            self.set_rows(chunk, matrix[chunk])

    def set_rows(self, rows: np.ndarray, units: np.ndarray) -> None:
        """The rows at `rows` now hold `units` (unit vectors)."""
        rotated = units @ self._basis
        self.head[rows] = rotated[:, : self._head_dims]
        self.rest[rows] = np.linalg.norm(rotated[:, self._head_dims :], axis=1)

    def move(self, source: int, target: int) -> None:
        self.head[target] = self.head[source]
        self.rest[target] = self.rest[source]

    def resize(self, capacity: int) -> None:
        kept = min(capacity, len(self.rest))
        head = np.zeros((capacity, self._head_dims), dtype=np.float32)
        head[:kept] = self.head[:kept]
        rest = np.zeros(capacity, dtype=np.float32)
        rest[:kept] = self.rest[:kept]
        self.head, self.rest = head, rest

    def upper_bounds(self, query: np.ndarray, rows: int) -> np.ndarray:
        """Each of the first `rows` rows' cosine with the unit `query` is at most this (float32)."""
        rotated = query @ self._basis
        partial = self.head[:rows] @ rotated[: self._head_dims]
        reach = np.float32(np.linalg.norm(rotated[self._head_dims :]) + BOUND_SLACK)
        bounds: np.ndarray = partial + reach * self.rest[:rows]
        return bounds


def _principal_axes(rows: np.ndarray) -> np.ndarray:
    """An orthogonal basis (columns) of the rows' second moment, the axes holding most of it first."""
    moment = np.zeros((rows.shape[1], rows.shape[1]), dtype=np.float64)
    for start in range(0, len(rows), 4096):  # float32 products, summed in float64: no float64 copy of the rows
        chunk = rows[start : start + 4096]
        moment += chunk.T @ chunk
    _, axes = np.linalg.eigh(moment)  # ascending eigenvalues
    basis: np.ndarray = np.ascontiguousarray(axes[:, ::-1], dtype=np.float32)
    return basis
