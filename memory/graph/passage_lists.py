"""What the graph keeps of each passage, packed in one int32 array: its entity nodes, the
entity pairs its facts join, and its facts — what removing the passage must take back.

A passage's record is `[entities, pairs, facts, e…, a₀, b₀, a₁, b₁, …, f…]` (counts, then node
and fact indices); a removed passage's record stays behind as garbage until enough of it
accumulates, then the array is compacted (vectorised) to the live records.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from memrag.memory.graph.growable import Growable

_HEADER = 3


@dataclass(frozen=True)
class PassageRecord:
    entities: np.ndarray  # node indices, in the order the passage named them
    pairs: np.ndarray  # shape (n, 2): node indices of the entities each fact joins (subject ≠ object)
    facts: np.ndarray  # fact indices


class PassageLists:
    """Records of live passages, found by node index."""

    def __init__(self, compact_min: int = 1 << 20) -> None:
        self._pool = Growable(np.int32)
        self._start = Growable(np.int64, fill=-1)  # by node index; -1: no live passage there
        self._garbage = 0
        self._compact_min = compact_min

    def add(self, node: int, entities: list[int], pairs: list[tuple[int, int]], facts: list[int]) -> None:
        record = np.array(
            [len(entities), len(pairs), len(facts), *entities, *(n for pair in pairs for n in pair), *facts],
            dtype=np.int32,
        )
        self._start.grow_to(node + 1)
        self._start.view()[node] = self._pool.extend(record)

    def get(self, node: int) -> PassageRecord | None:
        starts = self._start.view()
        if node >= len(starts) or starts[node] < 0:
            return None
        start = int(starts[node])
        pool = self._pool.view()
        n_entities, n_pairs, n_facts = (int(x) for x in pool[start : start + _HEADER])
        at = start + _HEADER
        entities = pool[at : at + n_entities]
        at += n_entities
        pairs = pool[at : at + 2 * n_pairs].reshape(n_pairs, 2)
        at += 2 * n_pairs
        return PassageRecord(entities, pairs, pool[at : at + n_facts])

    def remove(self, node: int) -> None:
        record = self.get(node)
        if record is None:
            return
        self._garbage += _HEADER + len(record.entities) + 2 * len(record.pairs) + len(record.facts)
        self._start.view()[node] = -1
        if self._garbage > max(self._compact_min, len(self._pool) // 2):
            self._compact()

    def all_pairs(self) -> np.ndarray:
        """The entity pairs of every live record, shape (n, 2) (vectorised over the array)."""
        first, pool = self._live_firsts(), self._pool.view()
        counts = pool[first + 1].astype(np.int64)
        pair_starts = first + _HEADER + pool[first]
        positions = _ranges(pair_starts, 2 * counts)
        return np.asarray(pool[positions].reshape(-1, 2))

    def _live_firsts(self) -> np.ndarray:
        starts = self._start.view()
        return starts[starts >= 0]

    def _compact(self) -> None:
        """Copy the live records to a fresh array, in node order."""
        starts = self._start.view()
        live = np.flatnonzero(starts >= 0)
        pool = self._pool.view()
        first = starts[live]
        lengths = _HEADER + pool[first].astype(np.int64) + 2 * pool[first + 1] + pool[first + 2]
        self._pool.replace(pool[_ranges(first, lengths)])
        starts[live] = np.cumsum(lengths) - lengths
        self._garbage = 0


def _ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Positions start[i] … start[i] + length[i] − 1 for every i, concatenated."""
    lengths = lengths.astype(np.int64)
    offsets = np.cumsum(lengths) - lengths
    return np.repeat(starts.astype(np.int64) - offsets, lengths) + np.arange(int(lengths.sum()))
