"""The composition root: builds a namespace's engine from settings (the only place adapters are chosen)."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from ingest.chunking import SentenceChunker, WholeDocumentChunker
from ingest.jobs import Jobs
from ingest.local import LocalJobs
from ingest.queue_redis import RedisJobs, connect
from ingest.worker import RetryPolicy
from memory.config import Settings
from memory.embed_cache import CachedEmbedder
from memory.embed_onnx import OnnxEmbedder
from memory.embed_st import SentenceTransformerEmbedder
from memory.engine import Engine
from memory.extract_llm import LlmExtractor
from memory.extract_spacy import SpacyExtractor
from memory.facade import Memory
from memory.index_edge import EdgeStore
from memory.index_qdrant import QdrantStore
from memory.kv_cache import JsonCache
from memory.llm_client import OpenAIChat
from memory.params import IndexParams, RetrievalParams
from memory.ports import Chunker, Embedder, Extractor, RecognitionFilter, VectorStore
from memory.preparer import Preparer
from memory.reader import ExtractiveReader, LlmReader, Reader
from memory.recognition_llm import LlmRecognition
from memory.retriever import KeepTopFacts
from memory.store import RecordStore


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
    """What an LLM brings when one is configured; the offline parts otherwise."""

    extractor: Extractor
    recognition: RecognitionFilter
    reader: Reader


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
    cache = JsonCache(settings.data_dir / "cache" / "openie.sqlite")
    return LlmParts(
        LlmExtractor(chat, cache, workers=settings.llm_max_concurrency), LlmRecognition(chat), LlmReader(chat)
    )


def make_chunker(settings: Settings, whole_documents: bool = False) -> Chunker:
    if whole_documents:
        return WholeDocumentChunker()
    return SentenceChunker(settings.chunk_size, settings.chunk_overlap)


def make_preparer(settings: Settings) -> Preparer:
    """What a worker needs to prepare documents: no store, no graph."""
    return Preparer(make_embedder(settings), make_llm_parts(settings).extractor, make_chunker(settings))


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
    reader of a shared store (it never sweeps leftovers: they may be a write in progress)."""
    embedder = embedder or make_embedder(settings)
    query_embedder = embedder.inner if isinstance(embedder, CachedEmbedder) else embedder
    store = RecordStore(make_vector_store(settings, namespace or settings.namespace), embedder.dim)
    llm = make_llm_parts(settings)
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
    """The engines of the namespaces this process serves, opened on first use, sharing one embedder."""

    def __init__(self, settings: Settings, writer: bool = True) -> None:
        self._settings, self._writer = settings, writer
        self._embedder: CachedEmbedder | None = None
        self._open: dict[str, Engine] = {}
        self._lock = threading.Lock()

    def __call__(self, namespace: str) -> Engine:
        with self._lock:
            engine = self._open.get(namespace)
            if engine is None:
                self._embedder = self._embedder or make_embedder(self._settings)
                engine = open_engine(self._settings, namespace, embedder=self._embedder, writer=self._writer)
                self._open[namespace] = engine
            return engine

    def close(self) -> None:
        with self._lock:
            for engine in self._open.values():
                engine.close()
            self._open.clear()


def make_jobs(settings: Settings, engines: Engines) -> Jobs:
    """Jobs through Redis workers when MEMRAG_REDIS_URL is set; in this process otherwise."""
    if settings.redis_url:
        return RedisJobs(connect(settings.redis_url))
    return LocalJobs(engines, settings.data_dir / "jobs.sqlite")


def retry_policy(settings: Settings) -> RetryPolicy:
    return RetryPolicy(
        settings.job_visibility_s, settings.job_max_attempts, settings.job_backoff_s, settings.log_retention
    )


def open_memory(settings: Settings | None = None, namespace: str | None = None, **kwargs: object) -> Memory:
    """`Memory` on the embedded default (or whatever the environment configures)."""
    engine = open_engine(settings or Settings(), namespace, **kwargs)  # type: ignore[arg-type]
    return Memory(engine, RetrievalParams())
