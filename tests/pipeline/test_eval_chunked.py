"""`memrag eval --chunk`: long documents cut by the chunker, recall counted over documents, end to end."""

import json

import pytest

from memrag.cli.main import main
from memrag.memory.eval.long_documents import pack_volumes, write_dataset
from tests.qa_small import write_set

pytestmark = pytest.mark.model

ARTICLES = {
    "Marie Curie": "Marie Curie was a physicist and chemist born in Warsaw. She won the Nobel Prize in Physics "
    "in 1903 with Pierre Curie. She later won the Nobel Prize in Chemistry in 1911 for radium and polonium.",
    "Warsaw": "Warsaw is the capital of Poland. It stands on the Vistula river in east-central Poland. "
    "The Royal Castle of Warsaw was rebuilt after the Second World War.",
    "Banana": "The banana is an elongated edible fruit produced by large herbaceous flowering plants. "
    "Bananas are grown in tropical regions such as Ecuador and the Philippines for export.",
    "Jazz": "Jazz is a music genre that originated in the African-American communities of New Orleans in the "
    "late 19th century. Louis Armstrong and Duke Ellington were among its early stars.",
    "Photosynthesis": "Photosynthesis is the process by which green plants turn light into chemical energy. "
    "It takes place in chloroplasts and releases oxygen as a by-product.",
    "Mount Everest": "Mount Everest is the highest mountain above sea level, in the Himalayas on the border "
    "of Nepal and China. Tenzing Norgay and Edmund Hillary first reached its summit in 1953.",
}


@pytest.fixture
def volumes(tmp_path):
    corpus = [{"title": t, "text": text} for t, text in ARTICLES.items()]
    question = {
        "id": "q0",
        "question": "On which river is the capital city where Marie Curie was born?",
        "answer": "Vistula",
        "paragraphs": [{**corpus[0], "is_supporting": True}, {**corpus[1], "is_supporting": True}],
    }
    source = write_set(tmp_path / "source", corpus, [question])
    write_dataset(pack_volumes(source, chars=300), tmp_path / "volumes")
    return tmp_path / "volumes"


def test_eval_chunk_cuts_documents_and_scores_recall_per_document(volumes, tmp_path, monkeypatch, model_cache):
    monkeypatch.setenv("MEMRAG_EMBEDDING_CACHE", str(model_cache))
    monkeypatch.setenv("MEMRAG_CHUNK_SIZE", "40")
    monkeypatch.delenv("MEMRAG_LLM_BASE_URL", raising=False)
    out = tmp_path / "chunked.json"
    assert main(["eval", str(volumes), "--chunk", "--threads", "1", "--out", str(out)]) == 0
    result = json.loads(out.read_text())
    # Banana + Jazz, Marie Curie + Mount Everest, Photosynthesis + Warsaw: three volumes, each cut in several passages
    assert result["documents"] == 3 and result["passages"] > 6
    for system in ("memrag", "dense"):
        scores = result["systems"][system]
        assert scores["recall@2"] == 1.0  # both gold volumes first; never one volume counted twice
        assert scores["recall@1"] == 0.5  # two gold documents, one at rank 1


def test_chunk_with_a_stream_is_refused(volumes, capsys):
    assert main(["eval", str(volumes), "--chunk", "--stream", "2"]) == 2
    assert "--chunk runs on its own" in capsys.readouterr().err
