"""The ONNX embedder's sessions: idle pool threads sleep (spinning burned about half the CPU of a query
embedding: benchmarks/bench_onnx_spinning.py), and an ingestion call hands its arena's idle memory back."""

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from memrag.memory.embedding.onnx import OnnxEmbedder
from memrag.memory.wiring import query_side
from tests.pipeline.test_int8_embedder import MODEL

SHRINK = "memory.enable_memory_arena_shrinkage"

pytestmark = pytest.mark.model


def test_the_session_threads_do_not_spin_when_idle(model_cache: Path) -> None:
    embedder = OnnxEmbedder(MODEL, model_cache.parent / "onnx" / MODEL, quantize=False, threads=2)
    options = embedder._session.get_session_options()
    for key in ("session.intra_op.allow_spinning", "session.inter_op.allow_spinning"):
        assert options.get_session_config_entry(key) == "0"
    assert not options.enable_mem_pattern  # a plan per batch shape held ~30 MB for nothing
    assert embedder.embed(["Who founded the record label?"]).shape == (1, embedder.dim)  # and it still embeds


class RecordingSession:
    """A session that passes every run through and keeps each run's options."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.options: list[Any] = []

    def run(self, outputs: Any, feeds: Any, options: Any = None) -> Any:
        self.options.append(options)
        return self.inner.run(outputs, feeds, options)


def shrinks(options: Any) -> bool:
    return options is not None and options.get_run_config_entry(SHRINK) == "cpu:0"


def test_an_ingestion_call_ends_with_its_session_arena_handing_back_idle_memory(model_cache: Path) -> None:
    """Bug caught: the lanes' session keeping the ~35 MB its batches grew its arena by through the writes
    that follow (the process's peak), or shrinking after every batch (~12 % more CPU)."""
    embedder = OnnxEmbedder(MODEL, model_cache.parent / "onnx" / MODEL, quantize=False, threads=2, lanes=2)
    texts = [f"passage {i} about the record label founded in {1900 + i}" for i in range(40)]
    before = embedder.embed(texts)
    recorder = RecordingSession(embedder._lane_session)
    embedder._lane_session = recorder
    assert np.array_equal(embedder.embed(texts), before)  # the hand-back changes no vector
    assert len(recorder.options) > 2 and shrinks(recorder.options[-1])  # once, after the call's batches
    assert not any(shrinks(options) for options in recorder.options[:-1])
    assert embedder._session is None  # ingestion neither opened nor shrank the query session
    queries = RecordingSession(embedder._threads_session())
    embedder._session = queries
    query_side(embedder).embed(["Who founded the record label?"])
    assert not any(shrinks(options) for options in queries.options)  # queries keep their arena warm
    embedder.close()
