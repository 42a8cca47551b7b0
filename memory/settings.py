"""Deployment settings from the environment (MEMRAG_ prefix), validated at start-up."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from memrag.memory.validation import NAMESPACE_PATTERN


class Settings(BaseSettings):
    """Unset means the embedded default: Qdrant Edge under `data_dir`, MiniLM embeddings, no LLM."""

    model_config = SettingsConfigDict(env_prefix="MEMRAG_", extra="ignore")

    data_dir: Path = Field(default=Path("./memrag-data"), description="embedded storage and caches")
    qdrant_url: str | None = Field(default=None, description="Qdrant server URL; unset → embedded Qdrant Edge")
    qdrant_api_key: str | None = None
    embedding_model: str = Field(default="all-MiniLM-L6-v2", description="sentence-transformers name or path")
    embedding_backend: Literal["onnx", "torch"] = Field(
        default="onnx", description="onnx: exported once, ~2x faster here; torch: sentence-transformers"
    )
    embedding_threads: int | None = Field(default=None, ge=1, description="torch threads for embedding")
    embedding_cache: Path | None = Field(default=None, description="SQLite embedding cache; unset → DATA_DIR/cache")
    embedding_batch_size: int = Field(default=64, ge=1, le=4096)
    chunk_size: int | None = Field(
        default=None,
        ge=32,
        description="passage size in the embedding model's tokens, title line included; unset → the model's "
        "window (254 for MiniLM); larger than the window is refused when the model is loaded",
    )
    chunk_overlap: int | None = Field(
        default=None, ge=0, description="tokens shared by neighbouring passages; unset → an eighth of the size"
    )
    llm_base_url: str | None = Field(default=None, description="OpenAI-compatible endpoint; unset → offline")
    llm_model: str = "gpt-4o-mini"
    llm_api_key: str | None = None
    llm_timeout_s: float = Field(default=60.0, gt=0)
    llm_max_concurrency: int = Field(default=8, ge=1, le=256)
    llm_max_retries: int = Field(default=4, ge=0, le=20)
    redis_url: str | None = Field(default=None, description="Redis URL; set → jobs go to `memrag worker`")
    job_visibility_s: float = Field(
        default=60.0, gt=0, description="a job whose worker has not renewed its lease this long is taken over"
    )
    job_max_attempts: int = Field(default=5, ge=1, le=100, description="attempts before a job is parked as failed")
    job_backoff_s: float = Field(default=2.0, ge=0, description="retry delay, doubled after each failed attempt")
    # 100,000 documents of a few KB each is a few hundred MB of queued input (RAM here, Redis memory
    # there) and hours of indexing: past that a client is better told to wait (429) than queued.
    # Half of it per namespace: one tenant can never fill the queue alone.
    queue_max_documents: int = Field(
        default=100_000, ge=1, description="documents waiting to be indexed, all namespaces; more → 429"
    )
    queue_namespace_share: float = Field(
        default=0.5, gt=0, le=1, description="the part of MEMRAG_QUEUE_MAX_DOCUMENTS one namespace may fill"
    )
    log_retention: int = Field(
        default=2000,
        ge=10,
        description="log entries an applier leaves behind it (for late replicas); unapplied ones are never trimmed",
    )
    admin_key: str | None = Field(
        default=None, min_length=16, description="admin API key (creates namespaces and keys); unset → no admin API"
    )
    max_request_bytes: int = Field(default=64 * 1024 * 1024, ge=1024, description="largest HTTP request body")
    namespace: str = Field(default="default", pattern=NAMESPACE_PATTERN)

    @field_validator("chunk_overlap")
    @classmethod
    def _overlap_below_size(cls, value: int | None, info: object) -> int | None:
        size = getattr(info, "data", {}).get("chunk_size")  # unset: checked against the model's window
        if value is not None and size is not None and value >= size:
            raise ValueError(f"MEMRAG_CHUNK_OVERLAP ({value}) must be smaller than MEMRAG_CHUNK_SIZE ({size})")
        return value
