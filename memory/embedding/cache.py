"""Embedding cache keyed by (model, text hash) in SQLite, so nothing is embedded twice."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from memrag.memory.embedding.wrapping import WrappingEmbedder
from memrag.memory.ports import Embedder
from memrag.memory.storage.sqlite import SqliteFile

_LOOKUP_CHUNK = 500
_SCHEMA = "CREATE TABLE IF NOT EXISTS embedding (key TEXT PRIMARY KEY, vector BLOB NOT NULL)"


class CachedEmbedder(WrappingEmbedder):
    """Wraps an embedder; duplicate texts in a call and texts seen before cost nothing."""

    def __init__(self, inner: Embedder, path: Path | None) -> None:
        super().__init__(inner)
        self._db = SqliteFile(path, [_SCHEMA])

    def _key(self, text: str) -> str:
        return hashlib.sha256(f"{self._inner.name}\x1f{text}".encode()).hexdigest()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        keys = [self._key(t) for t in texts]
        found = self._lookup(sorted(set(keys)))
        missing = {k: t for k, t in zip(keys, texts, strict=True) if k not in found}
        if missing:
            vectors = self._inner.embed(list(missing.values()))
            fresh = dict(zip(missing.keys(), vectors, strict=True))
            self._store(fresh)
            found.update(fresh)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, key in enumerate(keys):
            out[row] = found[key]
        return out

    def _lookup(self, keys: list[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        for start in range(0, len(keys), _LOOKUP_CHUNK):
            chunk = keys[start : start + _LOOKUP_CHUNK]
            marks = ",".join("?" * len(chunk))
            for key, blob in self._db.read(f"SELECT key, vector FROM embedding WHERE key IN ({marks})", chunk):
                found[key] = np.frombuffer(blob, dtype=np.float32)
        return found

    def _store(self, vectors: dict[str, np.ndarray]) -> None:
        rows = [(k, np.asarray(v, dtype=np.float32).tobytes()) for k, v in vectors.items()]
        self._db.write_many("INSERT OR REPLACE INTO embedding VALUES (?, ?)", rows)

    def close(self) -> None:
        self._db.close()
