"""VectorIndex on Qdrant Edge: the Qdrant engine in-process, one shard directory per collection."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import qdrant_edge as qe

from memrag.memory.errors import StorageError
from memrag.memory.ids import point_uuid
from memrag.memory.ports import Match, Payload, VectorHit, VectorRecord
from memrag.memory.storage import edge_salvage
from memrag.memory.storage.edge_guard import (
    MIN_FREE_BYTES,
    edge_errors,
    ensure_room,
    ensure_room_to_open,
    room_for_optimize,
)
from memrag.memory.storage.edge_layout import DEFAULT_LAYOUT, VectorLayout, create_shard, stored_layout
from memrag.memory.storage.mapped_pages import page_out
from memrag.memory.storage.points import make_hit, payload_selector, per_vector, unreadable
from memrag.memory.storage.process_lock import hold_exclusive

log = logging.getLogger("memrag.storage")
_UPSERT_CHUNK = 512
# Edge runs no background optimizer: after this many writes the shard is optimised in-process
# (segments past the indexing threshold get their HNSW index), so searches stay sub-linear.
OPTIMIZE_EVERY = 5_000
# Above the exact-search bound an HNSW walk scores the int8 copy and rescores this many times the
# limit with the full vectors (benchmarks/bench_vector_memory.py: recall held, RSS a quarter).
RESCORE_OVERSAMPLING = 2.0
# Pages of the store's files a write or a search touched are handed back to the kernel after this
# many records written to a collection (storage/mapped_pages.py), and after each optimisation.
PAGE_OUT_EVERY = 1_000


class EdgeIndex:
    """A collection stored under `path`; created on first open, loaded after."""

    def __init__(
        self,
        path: Path,
        dim: int,
        optimize_every: int = OPTIMIZE_EVERY,
        min_free_bytes: int = MIN_FREE_BYTES,
        layout: VectorLayout = DEFAULT_LAYOUT,
        store_root: Path | None = None,
    ) -> None:
        self._path = path
        self._store_root = store_root or path  # whose pages an optimisation hands back first
        self._optimize_every = optimize_every
        self._min_free_bytes = min_free_bytes  # the reserve kept free on the disk (storage/edge_guard.py)
        self._writes_since_optimize = 0
        self._writes_since_page_out = 0
        ensure_room_to_open(path, min_free_bytes)  # loading fills memory-mapped files (storage/edge_guard.py)
        try:
            if (path / "edge_config.json").exists() or any(path.glob("segments*")):
                self._shard = _load(path, dim, layout)
            else:
                self._shard = _create(path, dim, layout)
        except Exception as exc:  # the binding raises plain Exceptions
            raise StorageError(
                f"cannot open the embedded store's {path.name} collection: try again; if it persists, "
                "see the server log"
            ) from exc
        self.layout = stored_layout(path, layout)  # as the shard keeps its vectors (a stored one: as it was made)

    @edge_errors("write records")
    def upsert(self, records: Sequence[VectorRecord]) -> None:
        for start in range(0, len(records), _UPSERT_CHUNK):
            chunk = records[start : start + _UPSERT_CHUNK]
            ensure_room(self._path, chunk, self._min_free_bytes)
            points = [
                qe.Point(point_uuid(r.id), np.asarray(r.vector, dtype=np.float32).tolist(), {**r.payload, "id": r.id})
                for r in chunk
            ]
            self._shard.update(qe.UpdateOperation.upsert_points(points))
        self._writes_since_optimize += len(records)
        self._writes_since_page_out += len(records)
        if self._writes_since_optimize >= self._optimize_every:
            self.optimize()
        elif self._writes_since_page_out >= PAGE_OUT_EVERY:
            self._page_out()

    def _page_out(self) -> None:
        """Hand the resident pages of this collection's mapped files back to the kernel (reads fault them in)."""
        page_out(self._path)
        self._writes_since_page_out = 0

    @edge_errors("optimise a collection")
    def optimize(self) -> None:
        """Build indexes and merge segments now (blocking); put off while the disk could not hold the
        rebuilt segments (searches stay correct, only slower, until the next write finds room). Every
        collection of the store (one namespace) hands its resident pages back first: the next searches
        read them from the files again."""
        if not room_for_optimize(self._path, self._min_free_bytes):
            log.warning("optimising the %s collection is put off: too little free disk space", self._path.name)
            return
        # An optimisation reads the segments it merges and builds the new one in memory: up to 87 MB
        # over the resident size for a float16 384-d collection under the segment cap (measured by
        # benchmarks/bench_optimize_memory.py; float32 collections not measured), while Edge holds the
        # GIL. The pages this namespace's searches left resident are handed back first, so they do
        # not add to that peak (the soak's high-water mark was one).
        page_out(self._store_root)
        self._shard.optimize()
        # Edge lets go of the segments an optimisation replaced (files and memory maps) only at the
        # next flush: without one each merge left a copy of the collection mapped, and the resident
        # size grew with the square of the corpus (3 GB at 6k passages; 1.3 GB with this flush).
        self._shard.flush()
        self._writes_since_optimize = 0
        self._page_out()

    @edge_errors("delete records")
    def delete(self, ids: Sequence[str]) -> None:
        if ids:
            ensure_room(self._path, (), self._min_free_bytes)
            self._shard.update(qe.UpdateOperation.delete_points([point_uuid(i) for i in ids]))

    @edge_errors("read records")
    def get(self, ids: Sequence[str]) -> list[Payload]:
        if not ids:
            return []
        try:
            records = self._shard.retrieve(point_ids=[point_uuid(i) for i in ids], with_payload=True, with_vector=False)
        except Exception:  # one payload Edge cannot decode fails the call: read the points one by one
            return [p for i in ids for p in self._get_one(point_uuid(i))]
        return [dict(r.payload or {}) for r in records]

    def _get_one(self, point: str) -> list[Payload]:
        """The point's payload; the `unreadable` marker if only its payload fails (the point reads
        without it); the error itself if the shard fails either way (not the record's fault)."""
        try:
            found = self._shard.retrieve(point_ids=[point], with_payload=True, with_vector=False)
            return [dict(r.payload or {}) for r in found]
        except Exception:
            if not self._shard.retrieve(point_ids=[point], with_payload=False, with_vector=False):
                return []
            return [unreadable(point, "Qdrant Edge cannot decode its payload")]

    @edge_errors("read vectors")
    def vectors(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        if not ids:
            return {}
        by_point = {point_uuid(i): i for i in ids}
        records = self._shard.retrieve(point_ids=list(by_point), with_payload=False, with_vector=True)
        return {by_point[str(r.id)]: np.asarray(r.vector, dtype=np.float32) for r in records}

    def as_stored(self, vectors: np.ndarray) -> np.ndarray:
        return self.layout.as_stored(vectors)

    def search(
        self, vector: np.ndarray, limit: int, with_payload: bool | Sequence[str] = False, where: Match | None = None
    ) -> list[VectorHit]:
        return self.search_batch(np.asarray([vector]), limit, where, None, with_payload)[0]

    @edge_errors("search")
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
        if len(vectors) == 0:
            return []
        params = _params(ef, exact)
        requests = [
            qe.QueryRequest(
                query=qe.Query.Nearest(np.asarray(v, dtype=np.float32).tolist()),
                limit=limit,
                with_payload=payload_selector(with_payload),
                filter=_filter(where),
                score_threshold=min_score,
                params=params,
            )
            for v in vectors
        ]
        results = self._shard.query_batch(qe.QueryBatchRequest(requests))
        return [[make_hit(p.payload, p.score, with_payload) for p in points] for points in results]

    @edge_errors("search")
    def search_points(
        self, vectors: np.ndarray, limit: int | Sequence[int], ef: int | None = None, exact: bool = False
    ) -> list[list[tuple[str, float]]]:
        params = _params(ef, exact)
        requests = [
            qe.QueryRequest(
                query=qe.Query.Nearest(np.asarray(v, dtype=np.float32).tolist()),
                limit=n,
                with_payload=False,
                params=params,
            )
            for v, n in zip(vectors, per_vector(limit, len(vectors)), strict=True)
        ]
        results = self._shard.query_batch(qe.QueryBatchRequest(requests)) if requests else []
        return [[(str(p.id), float(p.score)) for p in points] for points in results]

    @edge_errors("read records")
    def scroll(self, batch_size: int = 1000) -> Iterator[Payload]:
        offset = None
        while True:
            try:
                records, after = self._shard.scroll(
                    qe.ScrollRequest(limit=batch_size, offset=offset, with_payload=True)
                )
                payloads = [dict(r.payload or {}) for r in records]
            except Exception:  # a payload Edge cannot decode fails the page: its points one by one
                records, after = self._shard.scroll(
                    qe.ScrollRequest(limit=batch_size, offset=offset, with_payload=False)
                )
                payloads = [p for r in records for p in self._get_one(str(r.id))]
            yield from payloads
            if after is None:
                return
            offset = after

    @edge_errors("count records")
    def count(self, exact: bool = True) -> int:
        return int(self._shard.count(qe.CountRequest(exact=exact)))

    @edge_errors("flush writes to disk")
    def flush(self) -> None:
        self._shard.flush()

    @edge_errors("close a collection")
    def close(self) -> None:
        self._shard.close()


def _create(path: Path, dim: int, layout: VectorLayout) -> qe.EdgeShard:
    """A new collection in `layout` (tests patch this one to shape the index)."""
    return create_shard(path, dim, layout)


def _load(path: Path, dim: int, layout: VectorLayout) -> qe.EdgeShard:
    """The stored shard; rebuilt from its segments if its write-ahead log cannot be read (edge_salvage)."""
    try:
        return qe.EdgeShard.load(str(path))
    except Exception as exc:  # the binding raises plain Exceptions
        if not edge_salvage.wal_unreadable(exc):
            raise
    kept = stored_layout(path, layout)  # a rebuilt shard keeps the layout it was made with
    edge_salvage.rebuild(path, lambda fresh: create_shard(fresh, dim, kept))
    return qe.EdgeShard.load(str(path))


def _params(ef: int | None, exact: bool) -> qe.SearchParams:
    """A full scan over the full vectors (`exact`: segments with an HNSW index are scanned too), or
    HNSW with breadth `ef` over the int8 copy where there is one, its best candidates rescored
    (both are no-ops on a collection without a quantized copy)."""
    if exact:
        return qe.SearchParams(exact=True, quantization=qe.QuantizationSearchParams(ignore=True))
    rescore = qe.QuantizationSearchParams(rescore=True, oversampling=RESCORE_OVERSAMPLING)
    return qe.SearchParams(hnsw_ef=ef, exact=False, quantization=rescore)


def _filter(where: Match | None) -> qe.Filter | None:
    if not where:
        return None
    return qe.Filter(must=[qe.FieldCondition(key=k, match=qe.MatchValue(value=v)) for k, v in where.items()])


class EdgeStore:
    """Collections of one namespace under `root/` (one shard each), owned by one process at a time.

    An embedded shard has no cross-process coordination, so the store takes an exclusive lock on
    `root/owner.lock`; a second process gets a StorageError instead of corrupting it.
    """

    def __init__(self, root: Path, optimize_every: int = OPTIMIZE_EVERY, min_free_bytes: int = MIN_FREE_BYTES) -> None:
        self._root = root
        self._optimize_every = optimize_every
        self._min_free_bytes = min_free_bytes
        self._open: list[EdgeIndex] = []
        self._owner = hold_exclusive(
            root / "owner.lock",
            f"the embedded storage of namespace {root.name!r} is open in another process; one process owns it "
            "(run `memrag worker` without --apply beside the owner, or use a Qdrant server)",
        )

    def open_index(self, name: str, dim: int, layout: VectorLayout = DEFAULT_LAYOUT) -> EdgeIndex:
        """The collection `name`; `layout` is how a new one keeps its vectors (a stored one keeps its own)."""
        index = EdgeIndex(self._root / name, dim, self._optimize_every, self._min_free_bytes, layout, self._root)
        self._open.append(index)
        return index

    def page_out(self) -> int:
        """Hand the resident pages of every collection's mapped vector, payload and log files back to
        the kernel (storage/mapped_pages.py); returns the bytes advised."""
        return page_out(self._root)

    def close(self) -> None:
        for index in self._open:
            index.flush()
            index.close()
        self._open.clear()
        self._owner.close()
