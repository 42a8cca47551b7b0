"""The composition root of the engine: adapters chosen from settings, engines opened per namespace."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from memrag.memory.async_memory import Memory
from memrag.memory.embedding.cache import CachedEmbedder
from memrag.memory.embedding.onnx import OnnxEmbedder
from memrag.memory.embedding.query_batcher import QueryBatcher
from memrag.memory.embedding.sbert import SentenceTransformerEmbedder
from memrag.memory.engine import Engine
from memrag.memory.errors import StorageError
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
from memrag.memory.storage.record_store import RecordStore
from memrag.memory.validation import check_namespace


def make_embedder(settings: Settings) -> CachedEmbedder:
    """The configured model behind a persistent content-hash cache in the data directory."""
    cache = settings.embedding_cache or settings.data_dir / "cache" / "embeddings.sqlite"
    inner: Embedder
    if settings.embedding_backend == "onnx":
        export_dir = cache.parent / "onnx" / settings.embedding_model.replace("/", "__")
        threads = settings.embedding_threads or os.cpu_count() or 1
        # lanes: an ingestion call's batches run on `threads` threads at once, one session thread each
        # (1.5x the documents/s of one session on 2 threads, same vectors: benchmarks/bench_ingest.py)
        inner = OnnxEmbedder(settings.embedding_model, export_dir, quantize=False, threads=threads, lanes=threads)
    else:
        inner = SentenceTransformerEmbedder(
            settings.embedding_model, batch_size=settings.embedding_batch_size, threads=settings.embedding_threads
        )
    return CachedEmbedder(inner, cache)


def query_side(embedder: Embedder) -> Embedder:
    """What queries embed with: an ONNX embedder's session of `threads` threads rather than its
    ingestion lanes' one-thread session; any other embedder as it is."""
    return embedder.for_queries() if isinstance(embedder, OnnxEmbedder) else embedder


def make_vector_store(settings: Settings, namespace: str) -> VectorStore:
    check_namespace(namespace)  # a namespace names a directory or collections: nothing may climb out
    if settings.qdrant_url:
        # imported only here: qdrant_client (with grpc) adds ~35-55 MB resident and ~0.5-1 s to every process
        # that imports it, and the embedded default never uses it
        from memrag.memory.storage.qdrant_server import QdrantStore

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
        return _engine(
            settings, namespace, embedder, llm, extractor, chunker, whole_documents, index_params, writer, made
        )
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
    owned: Sequence[Closeable] = (),
    query_embedder: Embedder | None = None,
) -> Engine:
    if query_embedder is None:
        query_embedder = query_side(embedder.inner if isinstance(embedder, CachedEmbedder) else embedder)
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
        owned,
    )


class Engines:
    """The engines of the namespaces this process serves, opened on first use. They share one
    embedder and one set of LLM parts, so MEMRAG_LLM_MAX_CONCURRENCY bounds the whole process.

    Opening a namespace (reading its store, rebuilding its graph) holds that namespace's lock
    only: other namespaces open and answer meanwhile. It owns what it makes: `close` closes the
    engines, then the LLM parts, then the embedder."""

    def __init__(
        self, settings: Settings, writer: bool = True, open_one: Callable[[str], Engine] | None = None
    ) -> None:
        """`open_one` opens a namespace's engine (tests pass a fake); by default over the shared parts."""
        self._settings, self._writer = settings, writer
        self._open_one = open_one or self._open_over_shared_parts
        self._embedder: CachedEmbedder | None = None
        self._queries: QueryBatcher | None = None  # concurrent questions embedded in one call (any namespace)
        self._llm: LlmParts | None = None
        self._open: dict[str, Engine] = {}
        self._opening: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()  # guards the dicts and the shared parts; never held while a store opens
        self._closed = False

    def __call__(self, namespace: str) -> Engine:
        engine = self._open.get(namespace)
        if engine is not None:
            return engine
        with self._lock:
            self._check_open()
            opening = self._opening.setdefault(namespace, threading.Lock())
        with opening:
            engine = self._open.get(namespace)
            if engine is None:
                engine = self._open_one(namespace)
                with self._lock:
                    if self._closed:  # closed while this one was opening: it is not kept
                        engine.close()
                        self._check_open()
                    self._open[namespace] = engine
            return engine

    def opened(self) -> dict[str, Engine]:
        """The engines open now, by namespace (a copy; monitoring reads their graphs)."""
        return dict(self._open)

    def _open_over_shared_parts(self, namespace: str) -> Engine:
        """The namespace's engine over the embedder and LLM parts every engine uses (made once, by
        the first namespace that opens)."""
        with self._lock:
            self._check_open()
            self._embedder = self._embedder or make_embedder(self._settings)
            self._queries = self._queries or QueryBatcher(query_side(self._embedder.inner))
            self._llm = self._llm or make_llm_parts(self._settings)
            embedder, queries, llm = self._embedder, self._queries, self._llm
        return _engine(self._settings, namespace, embedder, llm, writer=self._writer, query_embedder=queries)

    def _check_open(self) -> None:
        if self._closed:
            raise StorageError("this process is shutting down: its engines are closed")

    def close(self) -> None:
        with self._lock:
            self._closed = True
            engines, self._open = list(self._open.values()), {}
        for engine in engines:
            engine.close()
        if self._llm is not None:
            self._llm.close()
        if self._embedder is not None:
            self._embedder.close()
        self._llm, self._embedder, self._queries = None, None, None


def open_memory(
    settings: Settings | None = None, namespace: str | None = None, *, read_only: bool = False, **kwargs: object
) -> Memory:
    """`Memory` on the embedded default (or whatever the environment configures). `read_only` for
    a caller that only reads: it never sweeps leftovers (on a shared store they may be another
    process's write in progress) and refuses writes."""
    engine = open_engine(settings or Settings(), namespace, writer=not read_only, **kwargs)  # type: ignore[arg-type]
    return Memory(engine, RetrievalParams())
