"""VectorIndex on a Qdrant server through qdrant-client (":memory:" runs the same client code).

The client's errors (transport failures, unexpected HTTP answers: `ApiException`) become
StorageError naming the operation; their text, which holds the server's URL, is the cause.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import ParamSpec, TypeVar

import numpy as np
from qdrant_client import QdrantClient, models
from qdrant_client.http.exceptions import ApiException

from memrag.memory.errors import StorageError
from memrag.memory.ids import point_uuid
from memrag.memory.ports import Match, Payload, VectorHit, VectorRecord
from memrag.memory.storage.failures import translated
from memrag.memory.storage.points import make_hit, payload_selector, per_vector

_UPSERT_CHUNK = 256
P = ParamSpec("P")
R = TypeVar("R")


def _server(operation: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    return translated("the Qdrant server (MEMRAG_QDRANT_URL)", operation, (ApiException,))


class QdrantIndex:
    """One Qdrant collection named `collection`."""

    def __init__(self, client: QdrantClient, collection: str, dim: int) -> None:
        self._client = client
        self._name = collection
        try:
            if not client.collection_exists(collection):
                client.create_collection(
                    collection, vectors_config=models.VectorParams(size=dim, distance=models.Distance.COSINE)
                )
        except (ApiException, ValueError) as exc:
            raise StorageError(
                "the Qdrant server (MEMRAG_QDRANT_URL) cannot open a collection of this namespace: check that it "
                "is running and reachable, then retry"
            ) from exc

    @_server("write records")
    def upsert(self, records: Sequence[VectorRecord]) -> None:
        for start in range(0, len(records), _UPSERT_CHUNK):
            points = [
                models.PointStruct(
                    id=point_uuid(r.id),
                    vector=np.asarray(r.vector, dtype=np.float32).tolist(),
                    payload={**r.payload, "id": r.id},
                )
                for r in records[start : start + _UPSERT_CHUNK]
            ]
            self._client.upsert(self._name, points=points, wait=True)

    @_server("delete records")
    def delete(self, ids: Sequence[str]) -> None:
        if ids:
            selector = models.PointIdsList(points=[point_uuid(i) for i in ids])
            self._client.delete(self._name, points_selector=selector, wait=True)

    @_server("read records")
    def get(self, ids: Sequence[str]) -> list[Payload]:
        if not ids:
            return []
        records = self._client.retrieve(self._name, ids=[point_uuid(i) for i in ids], with_payload=True)
        return [dict(r.payload or {}) for r in records]

    def as_stored(self, vectors: np.ndarray) -> np.ndarray:
        return np.asarray(vectors, dtype=np.float32)  # collections made here keep float32

    @_server("read vectors")
    def vectors(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        if not ids:
            return {}
        by_point = {point_uuid(i): i for i in ids}
        records = self._client.retrieve(self._name, ids=list(by_point), with_payload=False, with_vectors=True)
        return {by_point[str(r.id)]: np.asarray(r.vector, dtype=np.float32) for r in records}

    def search(
        self, vector: np.ndarray, limit: int, with_payload: bool | Sequence[str] = False, where: Match | None = None
    ) -> list[VectorHit]:
        return self.search_batch(np.asarray([vector]), limit, where, None, with_payload)[0]

    @_server("search")
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
            models.QueryRequest(
                query=np.asarray(v, dtype=np.float32).tolist(),
                limit=limit,
                with_payload=payload_selector(with_payload),
                filter=_filter(where),
                score_threshold=min_score,
                params=params,
            )
            for v in vectors
        ]
        responses = self._client.query_batch_points(self._name, requests=requests)
        return [[make_hit(p.payload, p.score, with_payload) for p in r.points] for r in responses]

    @_server("search")
    def search_points(
        self, vectors: np.ndarray, limit: int | Sequence[int], ef: int | None = None, exact: bool = False
    ) -> list[list[tuple[str, float]]]:
        if len(vectors) == 0:
            return []
        params = _params(ef, exact)
        requests = [
            models.QueryRequest(
                query=np.asarray(v, dtype=np.float32).tolist(), limit=n, with_payload=False, params=params
            )
            for v, n in zip(vectors, per_vector(limit, len(vectors)), strict=True)
        ]
        responses = self._client.query_batch_points(self._name, requests=requests)
        return [[(str(p.id), float(p.score)) for p in r.points] for r in responses]

    @_server("read records")
    def scroll(self, batch_size: int = 1000) -> Iterator[Payload]:
        offset = None
        while True:
            records, offset = self._client.scroll(self._name, limit=batch_size, offset=offset, with_payload=True)
            for record in records:
                yield dict(record.payload or {})
            if offset is None:
                return

    @_server("count records")
    def count(self, exact: bool = True) -> int:
        return int(self._client.count(self._name, exact=exact).count)

    def flush(self) -> None:
        """Writes are acknowledged with wait=True: nothing to flush."""


def _params(ef: int | None, exact: bool) -> models.SearchParams | None:
    """A full scan (`exact`: the server bypasses its HNSW index), or HNSW with breadth `ef`."""
    if not exact and ef is None:
        return None
    return models.SearchParams(hnsw_ef=ef, exact=exact)


def _filter(where: Match | None) -> models.Filter | None:
    if not where:
        return None
    return models.Filter(
        must=[models.FieldCondition(key=k, match=models.MatchValue(value=v)) for k, v in where.items()]
    )


class QdrantStore:
    """Collections `{prefix}{name}` on one Qdrant client."""

    def __init__(self, client: QdrantClient, prefix: str) -> None:
        self._client = client
        self._prefix = prefix

    @classmethod
    def connect(cls, url: str, prefix: str, api_key: str | None = None) -> QdrantStore:
        client = QdrantClient(location=":memory:") if url == ":memory:" else QdrantClient(url=url, api_key=api_key)
        return cls(client, prefix)

    def open_index(self, name: str, dim: int) -> QdrantIndex:
        return QdrantIndex(self._client, f"{self._prefix}{name}", dim)

    def close(self) -> None:
        self._client.close()
