"""A numpy array that grows at its end (amortised O(1) appends), for the graph's per-node columns."""

from __future__ import annotations

from typing import Any

import numpy as np

_GROWTH = 1.5  # capacity grows by half: at most a third of the array is slack


class Growable:
    """Values of one dtype; `view()` is the filled part (valid until the next append)."""

    def __init__(self, dtype: type[Any], fill: float = 0, capacity: int = 1024) -> None:
        self._fill = fill
        self._array = np.full(capacity, fill, dtype=dtype)
        self._length = 0

    def __len__(self) -> int:
        return self._length

    def view(self) -> np.ndarray:
        return self._array[: self._length]

    def append(self, value: float) -> int:
        """Store `value` at the end; returns its position."""
        self._reserve(self._length + 1)
        self._array[self._length] = value
        self._length += 1
        return self._length - 1

    def extend(self, values: np.ndarray) -> int:
        """Store `values` at the end; returns the position of the first."""
        start = self._length
        self._reserve(start + len(values))
        self._array[start : start + len(values)] = values
        self._length += len(values)
        return start

    def grow_to(self, length: int) -> None:
        """Lengthen to `length` with the fill value (no-op if already that long)."""
        if length > self._length:
            self._reserve(length)
            self._length = length

    def replace(self, values: np.ndarray) -> None:
        """Make `values` the whole content (after a compaction)."""
        self._array = np.array(values, dtype=self._array.dtype)
        self._length = len(values)

    def _reserve(self, needed: int) -> None:
        if needed <= len(self._array):
            return
        capacity = max(needed, int(len(self._array) * _GROWTH) + 1)
        grown = np.full(capacity, self._fill, dtype=self._array.dtype)
        grown[: self._length] = self._array[: self._length]
        self._array = grown
