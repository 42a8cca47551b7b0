"""The real all-MiniLM-L6-v2 (ONNX export and sentence-transformers) on a small MuSiQue corpus."""

from pathlib import Path

import numpy as np
import pytest

from memrag.memory.embedding.onnx import token_budget_batches
from memrag.memory.extraction.recorded import RecordedExtractor, load_openie_file
from memrag.memory.params import RetrievalParams
from memrag.memory.settings import Settings
from memrag.memory.types import DocumentInput
from memrag.memory.wiring import open_engine
from tests.helpers import FIXTURES

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def engine(tmp_path_factory, model_cache):
    data = tmp_path_factory.mktemp("memrag")
    recorded, _ = load_openie_file(FIXTURES / "musique_small.json")
    settings = Settings(data_dir=data, embedding_threads=2, embedding_cache=model_cache)
    engine = open_engine(settings, "test", extractor=RecordedExtractor(recorded), whole_documents=True)
    engine.add([DocumentInput(text=passage) for passage in recorded])
    yield engine
    engine.close()


def test_onnx_vectors_match_sentence_transformers(engine):
    from memrag.memory.embedding.sbert import SentenceTransformerEmbedder

    texts = ["Journal of Psychotherapy Integration", "a much longer sentence " * 40, "x"]
    onnx = engine.query_embedder.embed(texts)
    torch = SentenceTransformerEmbedder(threads=2).embed(texts)
    assert np.allclose(np.sum(onnx * torch, axis=1), 1.0, atol=1e-5)


def test_multi_hop_question_retrieves_both_gold_passages(engine, musique_small):
    question = musique_small["questions"][0]
    result = engine.retrieve(question["question"], RetrievalParams(top_k=5))
    assert result.mode == "graph"
    found = {hit.text for hit in result.hits}
    assert set(question["gold"]) <= found


def test_the_graph_beats_its_own_dense_ranking_on_the_fixture(engine, musique_small):
    def recall(ranked, gold):
        return len(set(ranked) & set(gold)) / len(gold)

    texts = {p.id: p.text for p in engine.store.all_passages()}
    graph = dense = 0.0
    for q in musique_small["questions"]:
        graph += recall([texts[p] for p, _ in engine.rank(q["question"], RetrievalParams(top_k=3)).passages], q["gold"])
        dense += recall(
            [texts[p] for p, _ in engine.rank(q["question"], RetrievalParams(top_k=3, strategy="dense")).passages],
            q["gold"],
        )
    assert graph >= dense


def test_token_budget_batches_cover_every_text_once_in_length_order():
    lengths = [5, 300, 12, 12, 256, 1]
    batches = token_budget_batches(lengths, token_budget=512, max_batch=3)
    flat = [i for batch in batches for i in batch]
    assert sorted(flat) == list(range(len(lengths)))
    assert [lengths[i] for i in flat] == sorted(lengths)
    assert all(len(b) * max(lengths[i] for i in b) <= 512 or len(b) == 1 for b in batches)


def test_settings_refuse_overlap_not_smaller_than_chunk_size(tmp_path: Path):
    with pytest.raises(ValueError, match="MEMRAG_CHUNK_OVERLAP"):
        Settings(data_dir=tmp_path, chunk_size=64, chunk_overlap=64)
