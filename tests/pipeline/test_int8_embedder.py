"""The int8 ONNX export of all-MiniLM-L6-v2: close to fp32's vectors, and never mixed with them in a cache."""

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from memrag.memory.embedding.cache import CachedEmbedder
from memrag.memory.embedding.onnx import OnnxEmbedder
from memrag.memory.extraction.normalise import normalise_extraction
from memrag.memory.extraction.recorded import load_openie_file
from tests.helpers import FIXTURES

pytestmark = pytest.mark.model

MODEL = "all-MiniLM-L6-v2"


@pytest.fixture(scope="module")
def embedders(model_cache: Path) -> tuple[OnnxEmbedder, OnnxEmbedder]:
    """fp32 and int8 over the export directory the wiring uses beside the shared cache."""
    export_dir = model_cache.parent / "onnx" / MODEL
    return (
        OnnxEmbedder(MODEL, export_dir, quantize=False, threads=1),
        OnnxEmbedder(MODEL, export_dir, quantize=True, threads=1),
    )


def texts_of_the_fixture() -> list[str]:
    """What indexing embeds: passages, entity names and fact texts (recorded triples)."""
    recorded, _ = load_openie_file(FIXTURES / "musique_small.json")
    passages = list(recorded)[:8]
    found = [normalise_extraction(recorded[p]) for p in passages]
    entities = [name for f in found for name in f.entities.values()][:40]
    facts = [fact.text for f in found for fact in f.facts][:40]
    return passages + entities + facts


def test_int8_vectors_stay_close_to_fp32_for_every_kind_of_text(embedders: Any) -> None:
    fp32, int8 = embedders
    texts = texts_of_the_fixture()
    cosines = np.sum(fp32.embed(texts) * int8.embed(texts), axis=1)
    assert cosines.mean() >= 0.985  # one scale per tensor gave 0.96
    assert cosines.min() >= 0.93


def test_a_cache_shared_by_both_precisions_returns_each_its_own_vectors(embedders: Any, tmp_path: Path) -> None:
    fp32, int8 = embedders
    text = ["Journal of Psychotherapy Integration"]
    assert fp32.name != int8.name
    first = CachedEmbedder(fp32, tmp_path / "shared.sqlite")
    first.embed(text)
    first.close()
    second = CachedEmbedder(int8, tmp_path / "shared.sqlite")
    from_cache = second.embed(text)
    second.close()
    assert np.allclose(from_cache, int8.embed(text), atol=1e-6)
    assert not np.allclose(from_cache, fp32.embed(text), atol=1e-4)
