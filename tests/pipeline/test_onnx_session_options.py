"""The ONNX embedder's session lets idle pool threads sleep: spinning threads burned about half the CPU
of a query embedding and took cores from the server's other threads (benchmarks/bench_onnx_spinning.py)."""

from pathlib import Path

import pytest

from memrag.memory.embedding.onnx import OnnxEmbedder
from tests.pipeline.test_int8_embedder import MODEL

pytestmark = pytest.mark.model


def test_the_session_threads_do_not_spin_when_idle(model_cache: Path) -> None:
    embedder = OnnxEmbedder(MODEL, model_cache.parent / "onnx" / MODEL, quantize=False, threads=2)
    options = embedder._session.get_session_options()
    for key in ("session.intra_op.allow_spinning", "session.inter_op.allow_spinning"):
        assert options.get_session_config_entry(key) == "0"
    assert not options.enable_mem_pattern  # a plan per batch shape held ~30 MB for nothing
    assert embedder.embed(["Who founded the record label?"]).shape == (1, embedder.dim)  # and it still embeds
