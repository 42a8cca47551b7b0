"""The ports the engine talks through: embedder, vector index, extractor, recognition filter, chat model."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np

from memrag.memory.llm.usage import Usage, UsageMeter
from memrag.memory.types import Extraction, ScoredFact

Payload = dict[str, Any]
Match = dict[str, int | str]  # payload field == value, all must hold (no bools: Edge 0.9 misses them)


@dataclass(frozen=True)
class VectorRecord:
    """A record to store: its id, unit vector and JSON payload."""

    id: str
    vector: np.ndarray
    payload: Payload


@dataclass(frozen=True)
class VectorHit:
    """A search result: record id, cosine score, payload (all, or the fields asked for) when asked for."""

    id: str
    score: float
    payload: Payload | None = None


class Closeable(Protocol):
    """A resource its owner closes (a file, a connection, a client)."""

    def close(self) -> None: ...


class Embedder(Protocol):
    """Turns texts into unit vectors (rows of a float32 matrix)."""

    @property
    def name(self) -> str: ...

    @property
    def dim(self) -> int: ...

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


class VectorIndex(Protocol):
    """One collection of records with vectors and payloads; cosine similarity.

    `get` and `scroll` never fail for one record the store cannot decode: they give its place
    the marker payload of `storage/points.py:unreadable`, and the other records as usual.
    """

    def upsert(self, records: Sequence[VectorRecord]) -> None: ...

    def delete(self, ids: Sequence[str]) -> None: ...

    def get(self, ids: Sequence[str]) -> list[Payload]: ...

    def search(
        self, vector: np.ndarray, limit: int, with_payload: bool | Sequence[str] = False, where: Match | None = None
    ) -> list[VectorHit]: ...

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
        """Nearest records per vector. `exact`: a full scan, whose answers do not depend on how the
        HNSW index was built; else HNSW with breadth `ef` (None: the backend's default)."""
        ...

    def vectors(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        """Stored vectors by record id, bit for bit `as_stored(upserted)`; missing ids are left out."""
        ...

    def as_stored(self, vectors: np.ndarray) -> np.ndarray:
        """Unit vectors as this collection keeps them (float32 here, or rounded to float16 in a
        compact layout): what `vectors` will read back for them, and what searches score against."""
        ...

    def search_points(
        self, vectors: np.ndarray, limit: int | Sequence[int], ef: int | None = None, exact: bool = False
    ) -> list[list[tuple[str, float]]]:
        """Point ids (uuid5 of the record ids) and scores only: no payload is read, so it is cheap.
        `limit`: one for every vector, or one per vector (a query and its opposite in one call).
        `ef` and `exact` as in `search_batch`."""
        ...

    def count(self, exact: bool = True) -> int:
        """Records stored; `exact=False` is the engine's cheap estimate (it chooses exact or HNSW search:
        storage/search_mode.py — an exact count scans the collection, 180 ms at 400k points)."""
        ...

    def scroll(self, batch_size: int = 1000) -> Iterator[Payload]: ...

    def flush(self) -> None: ...


class VectorStore(Protocol):
    """Opens named collections of one namespace."""

    def open_index(self, name: str, dim: int) -> VectorIndex: ...

    def close(self) -> None: ...


class Extractor(Protocol):
    """OpenIE: named entities and triples for each passage text."""

    @property
    def name(self) -> str: ...

    def extract(self, passages: Sequence[str]) -> list[Extraction]: ...


@runtime_checkable
class MeteredExtractor(Extractor, Protocol):
    """An extractor that pays for its work (an LLM): what each passage cost, and what passages will cost."""

    def extract_metered(self, passages: Sequence[str]) -> tuple[list[Extraction], list[Usage]]: ...

    def estimate(self, passages: Sequence[str]) -> Usage: ...


class RecognitionFilter(Protocol):
    """Recognition memory: keeps the candidate facts relevant to the query."""

    def select(self, query: str, candidates: Sequence[ScoredFact], meter: UsageMeter | None = None) -> list[ScoredFact]:
        """The facts kept; an LLM call's usage is added to `meter` when one is given."""
        ...


class Chunker(Protocol):
    """Splits a document's text into passage texts, in reading order, each headed by the title
    line when there is one (the passage text is what is stored and embedded); no empty passages."""

    def split(self, text: str, title: str = "") -> list[str]: ...


class ChatModel(Protocol):
    """An OpenAI-compatible chat model: one reply per call, or the reply streamed in pieces."""

    @property
    def name(self) -> str: ...

    def complete(
        self, messages: Sequence[dict[str, str]], max_tokens: int = 1024, meter: UsageMeter | None = None
    ) -> str:
        """The reply; the call's usage is added to `meter` when one is given."""
        ...

    def stream(
        self, messages: Sequence[dict[str, str]], max_tokens: int = 1024, meter: UsageMeter | None = None
    ) -> Iterator[str]:
        """The reply in pieces; its usage is added to `meter` when the reply is complete."""
        ...
