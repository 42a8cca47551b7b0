"""An embedder that stands in front of another (a cache, a batcher): its name and width are the inner one's."""

from __future__ import annotations

from memrag.memory.ports import Embedder


class WrappingEmbedder:
    """The base of embedders wrapping `inner`; subclasses define `embed`."""

    def __init__(self, inner: Embedder) -> None:
        self._inner = inner

    @property
    def inner(self) -> Embedder:
        return self._inner

    @property
    def name(self) -> str:
        return self._inner.name

    @property
    def dim(self) -> int:
        return self._inner.dim
