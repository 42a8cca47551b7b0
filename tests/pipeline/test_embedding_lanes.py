"""The ONNX embedder with lanes: a call's batches shared by two threads give the one-session vectors."""

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from memrag.memory.embedding.onnx import OnnxEmbedder
from memrag.memory.wiring import query_side
from tests.pipeline.test_int8_embedder import MODEL, texts_of_the_fixture

pytestmark = pytest.mark.model


def test_lanes_give_each_text_the_vector_one_session_gives_it(model_cache: Path) -> None:
    export_dir = model_cache.parent / "onnx" / MODEL
    one = OnnxEmbedder(MODEL, export_dir, quantize=False, threads=2)
    two = OnnxEmbedder(MODEL, export_dir, quantize=False, threads=2, token_budget=64, lanes=2)
    texts = texts_of_the_fixture()  # passages, entity names and facts: many small batches of 64 tokens
    found = two.embed(texts)
    assert two._lanes._pool is not None  # the call did run in lanes
    two.embed(["Ada Lovelace"])  # ingestion's call of one batch: the lanes' session too
    # a process that only ingests holds the lanes' one-thread session and no other (~90-130 MB each)
    assert two._lane_session.get_session_options().intra_op_num_threads == 1 and two._session is None
    queries = query_side(two)  # as the engines are wired
    asked = queries.embed(["Who founded the record label?"])
    query_session: Any = two._session
    assert query_session is not None and query_session.get_session_options().intra_op_num_threads == 2
    assert np.abs(asked - one.embed(["Who founded the record label?"])).max() < 1e-5
    two.close()
    assert np.abs(found - one.embed(texts)).max() < 1e-5
    assert np.allclose(np.linalg.norm(found, axis=1), 1.0, atol=1e-5)
