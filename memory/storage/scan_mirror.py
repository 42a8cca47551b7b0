"""Exact searches of a small collection scanned in numpy over an in-memory float32 copy of its vectors.

Below the exact-search bound (search_mode.py) every query scans the whole collection. On
musique-100 (17k facts, 1.9k passages, 384-d; benchmarks/bench_scan_mirror.py, CPU p50 a query
with the caches cooled between searches as a query's other work cools them) Qdrant Edge's scan of
the facts with the top 5's payloads cost 3.6 ms against 2.5 ms for a numpy product plus a payload
read of the hits, the passages' top 200 with the least similar one 1.4 ms against 0.7, dense
retrieval's top 10 0.8 against 0.5; the two copies held 27.7 MB (load average 9.8; before the rows'
bounds: with them the facts' top 5 took 1.08 ms against 1.45 ms unbounded, and the copies hold 45.8 MiB
allocated).

The copy (vector_copy.py) holds a collection only while its vectors fit `max_bytes` (float32, so
at most 32 MB: 21k points of 384 dimensions; past 10,000 rows it holds a third as much again, the
rows' bounds that spare a search most rows: row_bounds.py); past that, or for an HNSW or filtered
search, the wrapped index answers. It is loaded by the first exact search (which pays for it: 0.8 s
for musique-100's facts, 0.2 s for its passages) and then follows every write made through it, so
its answers are those of the records stored. Scores are the cosines of the unit vectors Qdrant
stores (the same hits in the same order on musique-100; scores within 1e-7 of Qdrant's).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

import numpy as np

from memrag.memory.ports import Match, Payload, VectorHit, VectorIndex, VectorRecord
from memrag.memory.storage.points import UNREADABLE, per_vector
from memrag.memory.storage.vector_copy import PRUNE_MIN_ROWS, VectorCopy

MIRROR_MAX_BYTES = 32 * 2**20


class MirroredIndex:
    """A VectorIndex whose exact, unfiltered searches are scanned over a VectorCopy while the
    collection fits `max_bytes`; everything else goes to the wrapped index."""

    def __init__(
        self, inner: VectorIndex, dim: int, max_bytes: int = MIRROR_MAX_BYTES, prune_min_rows: int = PRUNE_MIN_ROWS
    ) -> None:
        self._inner, self._dim, self._max_bytes = inner, dim, max_bytes
        self._prune_min_rows = prune_min_rows
        self._copy: VectorCopy | None = None

    def upsert(self, records: Sequence[VectorRecord]) -> None:
        self._written(lambda: self._inner.upsert(records))
        if self._copy is not None and records:
            # the vectors as stored (the store normalises them its own way), as a reload reads them: a
            # copy kept up by writes then equals one loaded after them, to the last bit
            stored = self._inner.vectors([r.id for r in records])
            if stored:
                self._copy.put(list(stored), np.stack(list(stored.values())))
            self._drop_if_too_big()

    def delete(self, ids: Sequence[str]) -> None:
        self._written(lambda: self._inner.delete(ids))
        if self._copy is not None:
            self._copy.remove(ids)

    @property
    def inner(self) -> VectorIndex:
        """The wrapped index (what answers everything the copy does not)."""
        return self._inner

    @property
    def copy_bytes(self) -> int:
        """Bytes the copy's matrix and its rows' bounds hold, spare rows included (0 when none is held)."""
        return self._copy.allocated_bytes if self._copy is not None else 0

    @property
    def rows_scored(self) -> int:
        """Rows whose whole vector the copy's last search read (0 when no copy is held)."""
        return self._copy.rows_scored if self._copy is not None else 0

    @property
    def mirrored(self) -> bool:
        """Whether the copy is held (loaded by an exact search, let go past the budget)."""
        return self._copy is not None

    def count(self, exact: bool = True) -> int:
        return len(self._copy) if self._copy is not None else self._inner.count(exact)

    def search_batch(
        self,
        vectors: np.ndarray,
        limit: int,
        where: Match | None = None,
        min_score: float | None = None,
        with_payload: bool | Sequence[str] = False,
        ef: int | None = None,
        exact: bool = False,
    ) -> list[list[VectorHit]]:
        copy = self._copy_for(exact) if not where else None
        if copy is None or len(vectors) == 0:
            return self._inner.search_batch(vectors, limit, where, min_score, with_payload, ef, exact)
        found = [
            [(copy.ids[r], float(s)) for r, s in zip(rows.tolist(), scores.tolist(), strict=True)]
            for rows, scores in copy.nearest(vectors, [limit] * len(vectors))
        ]
        if min_score is not None:
            found = [[(i, s) for i, s in hits if s >= min_score] for hits in found]
        payloads = self._payloads({i for hits in found for i, _ in hits}) if with_payload else {}
        return [[VectorHit(i, s, _selected(payloads, i, with_payload)) for i, s in hits] for hits in found]

    def search_points(
        self, vectors: np.ndarray, limit: int | Sequence[int], ef: int | None = None, exact: bool = False
    ) -> list[list[tuple[str, float]]]:
        copy = self._copy_for(exact)
        if copy is None:
            return self._inner.search_points(vectors, limit, ef, exact)
        limits = per_vector(limit, len(vectors))
        points = copy.points
        return [
            [(points[r], s) for r, s in zip(rows.tolist(), scores.tolist(), strict=True)]
            for rows, scores in copy.nearest(vectors, limits)
        ]

    def search(
        self, vector: np.ndarray, limit: int, with_payload: bool | Sequence[str] = False, where: Match | None = None
    ) -> list[VectorHit]:
        return self._inner.search(vector, limit, with_payload, where)

    def get(self, ids: Sequence[str]) -> list[Payload]:
        return self._inner.get(ids)

    def vectors(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        return self._inner.vectors(ids)

    def as_stored(self, vectors: np.ndarray) -> np.ndarray:
        return self._inner.as_stored(vectors)

    def scroll(self, batch_size: int = 1000) -> Iterator[Payload]:
        return self._inner.scroll(batch_size)

    def flush(self) -> None:
        self._inner.flush()

    def _copy_for(self, exact: bool) -> VectorCopy | None:
        """The copy to scan for an exact search (loaded now if the collection fits), else None."""
        if not exact:
            return None
        if self._copy is None and self._inner.count(exact=False) * self._dim * 4 <= self._max_bytes:
            self._copy = self._load()
            self._drop_if_too_big()
        return self._copy

    def _load(self) -> VectorCopy:
        copy = VectorCopy(self._dim, self._max_bytes // (self._dim * 4), self._prune_min_rows)
        ids = [str(p["id"]) for p in self._inner.scroll() if UNREADABLE not in p]
        for start in range(0, len(ids), 1024):
            stored = self._inner.vectors(ids[start : start + 1024])
            if stored:
                copy.put(list(stored), np.stack(list(stored.values())))
        return copy

    def _written(self, write: Callable[[], None]) -> None:
        """Runs a write on the wrapped index; one that fails may have stored a part: the copy is let
        go (reloaded by the next exact search) rather than left behind the store."""
        try:
            write()
        except BaseException:
            self._copy = None
            raise

    def _drop_if_too_big(self) -> None:
        if self._copy is not None and self._copy.nbytes > self._max_bytes:
            self._copy = None

    def _payloads(self, ids: set[str]) -> dict[str, Payload]:
        return {str(p["id"]): p for p in self._inner.get(sorted(ids)) if UNREADABLE not in p}


def _selected(payloads: dict[str, Payload], record_id: str, with_payload: bool | Sequence[str]) -> Payload | None:
    """The hit's payload as the wrapped index would give it: all of it, or the id and the named fields."""
    if not with_payload:
        return None
    payload = payloads.get(record_id, {"id": record_id})
    if with_payload is True:
        return payload
    return {k: v for k, v in payload.items() if k == "id" or k in with_payload}
