"""The composition root of the engine: adapters chosen from settings, engines opened per namespace."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from memrag.memory.async_memory import Memory
from memrag.memory.embedding.cache import CachedEmbedder
from memrag.memory.embedding.onnx import OnnxEmbedder
from memrag.memory.embedding.sbert import SentenceTransformerEmbedder
from memrag.memory.engine import Engine
from memrag.memory.extraction.llm import LlmExtractor
from memrag.memory.extraction.offline import SpacyExtractor
from memrag.memory.indexing.chunking import EmbedderTokens, SentenceChunker, WholeDocumentChunker
from memrag.memory.indexing.prepare import Preparer
from memrag.memory.llm.openai_chat import OpenAIChat
from memrag.memory.params import IndexParams, RetrievalParams
from memrag.memory.ports import Chunker, Closeable, Embedder, Extractor, RecognitionFilter, VectorStore
from memrag.memory.retrieval.reader import ExtractiveReader, LlmReader, Reader
from memrag.memory.retrieval.recognition import KeepTopFacts, LlmRecognition
from memrag.memory.settings import Settings
from memrag.memory.storage.json_cache import SqliteJsonCache
from memrag.memory.storage.qdrant_edge import EdgeStore
from memrag.memory.storage.qdrant_server import QdrantStore
from memrag.memory.storage.record_store import RecordStore


def make_embedder(settings: Settings) -> CachedEmbedder:
    """The configured model behind a persistent content-hash cache in the data directory."""
    cache = settings.embedding_cache or settings.data_dir / "cache" / "embeddings.sqlite"
    inner: Embedder
    if settings.embedding_backend == "onnx":
        export_dir = cache.parent / "onnx" / settings.embedding_model.replace("/", "__")
        inner = OnnxEmbedder(settings.embedding_model, export_dir, quantize=False, threads=settings.embedding_threads)
    else:
        inner = SentenceTransformerEmbedder(
            settings.embedding_model, batch_size=settings.embedding_batch_size, threads=settings.embedding_threads
        )
    return CachedEmbedder(inner, cache)


def make_vector_store(settings: Settings, namespace: str) -> VectorStore:
    if settings.qdrant_url:
        return QdrantStore.connect(settings.qdrant_url, prefix=f"memrag_{namespace}_", api_key=settings.qdrant_api_key)
    return EdgeStore(settings.data_dir / "namespaces" / namespace)


@dataclass(frozen=True)
class LlmParts:
    """What an LLM brings when one is configured; the offline parts otherwise. Whoever makes
    them closes them: `close` closes the chat client and the OpenIE cache they hold."""

    extractor: Extractor
    recognition: RecognitionFilter
    reader: Reader
    resources: tuple[Closeable, ...] = ()

    def close(self) -> None:
        close_all(self.resources)


def make_llm_parts(settings: Settings) -> LlmParts:
    if not settings.llm_base_url:
        return LlmParts(SpacyExtractor(), KeepTopFacts(), ExtractiveReader())
    chat = OpenAIChat(
        settings.llm_base_url,
        settings.llm_model,
        settings.llm_api_key,
        timeout_s=settings.llm_timeout_s,
        max_retries=settings.llm_max_retries,
        max_concurrency=settings.llm_max_concurrency,
    )
    cache = SqliteJsonCache(settings.data_dir / "cache" / "openie.sqlite")
    return LlmParts(
        LlmExtractor(chat, cache, workers=settings.llm_max_concurrency),
        LlmRecognition(chat),
        LlmReader(chat),
        (chat, cache),
    )


def close_all(resources: Sequence[Closeable]) -> None:
    """Close each resource, last made first."""
    for resource in reversed(resources):
        resource.close()


def make_chunker(settings: Settings, whole_documents: bool = False) -> Chunker:
    """Passages cut in the embedding model's own tokens, within its window (PassageSizeError if
    MEMRAG_CHUNK_SIZE is larger); whole documents for benchmark corpora."""
    if whole_documents:
        return WholeDocumentChunker()
    tokens = EmbedderTokens.of_model(settings.embedding_model)
    return SentenceChunker(tokens, settings.chunk_size, settings.chunk_overlap)


@contextmanager
def open_preparer(settings: Settings) -> Iterator[Preparer]:
    """What a worker needs to prepare documents (no store, no graph); its embedder and LLM client
    are closed when the block ends."""
    embedder = make_embedder(settings)
    try:
        llm = make_llm_parts(settings)
        try:
            yield Preparer(embedder, llm.extractor, make_chunker(settings))
        finally:
            llm.close()
    finally:
        embedder.close()


def open_engine(
    settings: Settings,
    namespace: str | None = None,
    *,
    embedder: Embedder | None = None,
    extractor: Extractor | None = None,
    chunker: Chunker | None = None,
    whole_documents: bool = False,
    index_params: IndexParams | None = None,
    writer: bool = True,
) -> Engine:
    """An engine over the namespace's store; the graph is rebuilt from it. `writer=False` for a
    reader of a shared store (it never sweeps leftovers: they may be a write in progress).
    What it makes here (the embedder when none is given, the LLM parts) is closed if opening fails."""
    made: list[Closeable] = []
    try:
        if embedder is None:
            embedder = make_embedder(settings)
            made.append(embedder)
        llm = make_llm_parts(settings)
        made.append(llm)
        return _engine(settings, namespace, embedder, llm, extractor, chunker, whole_documents, index_params, writer)
    except BaseException:
        close_all(made)
        raise


def _engine(
    settings: Settings,
    namespace: str | None,
    embedder: Embedder,
    llm: LlmParts,
    extractor: Extractor | None = None,
    chunker: Chunker | None = None,
    whole_documents: bool = False,
    index_params: IndexParams | None = None,
    writer: bool = True,
) -> Engine:
    query_embedder = embedder.inner if isinstance(embedder, CachedEmbedder) else embedder
    store = RecordStore(make_vector_store(settings, namespace or settings.namespace), embedder.dim)
    return Engine(
        store,
        embedder,
        extractor or llm.extractor,
        chunker or make_chunker(settings, whole_documents),
        llm.recognition,
        index_params,
        query_embedder,
        llm.reader,
        writer,
    )


class Engines:
    """The engines of the namespaces this process serves, opened on first use, sharing one embedder.

    It owns what it makes: `close` closes the engines, then their LLM parts, then the embedder."""

    def __init__(self, settings: Settings, writer: bool = True) -> None:
        self._settings, self._writer = settings, writer
        self._embedder: CachedEmbedder | None = None
        self._open: dict[str, Engine] = {}
        self._llm: dict[str, LlmParts] = {}
        self._lock = threading.Lock()

    def __call__(self, namespace: str) -> Engine:
        with self._lock:
            engine = self._open.get(namespace)
            if engine is None:
                self._embedder = self._embedder or make_embedder(self._settings)
                llm = self._llm.get(namespace) or make_llm_parts(self._settings)
                self._llm[namespace] = llm  # kept (and closed with the rest) even if the engine fails to open
                engine = _engine(self._settings, namespace, self._embedder, llm, writer=self._writer)
                self._open[namespace] = engine
            return engine

    def close(self) -> None:
        with self._lock:
            for engine in self._open.values():
                engine.close()
            close_all(list(self._llm.values()))
            if self._embedder is not None:
                self._embedder.close()
            self._open.clear()
            self._llm.clear()
            self._embedder = None


def open_memory(
    settings: Settings | None = None, namespace: str | None = None, *, read_only: bool = False, **kwargs: object
) -> Memory:
    """`Memory` on the embedded default (or whatever the environment configures). `read_only` for
    a caller that only reads: it never sweeps leftovers (on a shared store they may be another
    process's write in progress) and refuses writes."""
    engine = open_engine(settings or Settings(), namespace, writer=not read_only, **kwargs)  # type: ignore[arg-type]
    return Memory(engine, RetrievalParams())
