"""The fused fp32 ONNX graph of all-MiniLM-L6-v2: really fused, and the plain export's vectors."""

from pathlib import Path
from typing import Any

import numpy as np
import onnx
import pytest

from memrag.memory.embedding.onnx import FUSED_FILE, OnnxEmbedder
from tests.pipeline.test_int8_embedder import MODEL, texts_of_the_fixture

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def embedders(model_cache: Path) -> tuple[OnnxEmbedder, OnnxEmbedder, Path]:
    """Plain and fused fp32 over the export directory the wiring uses beside the shared cache."""
    export_dir = model_cache.parent / "onnx" / MODEL
    plain = OnnxEmbedder(MODEL, export_dir, quantize=False, threads=1)
    fused = OnnxEmbedder(MODEL, export_dir, quantize=False, threads=1, fused=True)
    return plain, fused, export_dir


def test_the_fused_graph_holds_attention_and_gelu_as_single_operators(embedders: Any) -> None:
    *_, export_dir = embedders
    operators = {node.op_type for node in onnx.load(str(export_dir / FUSED_FILE)).graph.node}
    assert {"Attention", "BiasGelu", "SkipLayerNormalization", "EmbedLayerNormalization"} <= operators
    assert "Softmax" not in operators  # attention left unfused keeps its softmax
    assert not list(export_dir.glob("*.partial")) and not (export_dir / "model.eager.onnx").exists()


def test_fused_vectors_equal_the_plain_exports_for_every_kind_of_text(embedders: Any) -> None:
    plain, fused, _ = embedders
    texts = texts_of_the_fixture()
    cosines = np.sum(plain.embed(texts) * fused.embed(texts), axis=1)
    assert cosines.min() >= 1 - 1e-5
    assert fused.name == plain.name  # same vectors: the same embedding-cache entries
