"""Passage splitting: llama-index's SentenceSplitter, or one passage per document for benchmark corpora."""

from __future__ import annotations


class SentenceChunker:
    """Splits on sentence boundaries into chunks of about `size` tokens with `overlap`."""

    def __init__(self, size: int = 512, overlap: int = 64) -> None:
        from llama_index.core.node_parser import SentenceSplitter

        self._splitter = SentenceSplitter(chunk_size=size, chunk_overlap=overlap)

    def split(self, text: str) -> list[str]:
        return [c for c in self._splitter.split_text(text) if c.strip()]


class WholeDocumentChunker:
    """The document is one passage (HippoRAG benchmark corpora are indexed this way)."""

    def split(self, text: str) -> list[str]:
        return [text] if text.strip() else []
