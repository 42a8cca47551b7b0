"""A deterministic fake embedder for tests and synthetic benchmarks: bag of hashed words."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

from memrag.memory.ids import normalize_entity


class HashEmbedder:
    """Each word adds a fixed pseudo-random direction; texts sharing words get close vectors."""

    def __init__(self, dim: int = 64) -> None:
        self._dim = dim

    @property
    def name(self) -> str:
        return f"hash-{self._dim}"

    @property
    def dim(self) -> int:
        return self._dim

    def _word_vector(self, word: str) -> np.ndarray:
        seed = int.from_bytes(hashlib.sha256(word.encode("utf-8")).digest()[:8], "little")
        return np.random.default_rng(seed).standard_normal(self._dim)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self._dim), dtype=np.float32)
        for row, text in enumerate(texts):
            words = normalize_entity(text).split() or [""]
            vector = np.sum([self._word_vector(w) for w in words], axis=0)
            out[row] = vector / (np.linalg.norm(vector) or 1.0)
        return out
