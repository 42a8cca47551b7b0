"""Long-document sets: articles packed into volumes with their gold mapped, and recall counted per document."""

import pytest

from memrag.memory.errors import InvalidInput
from memrag.memory.eval.dataset import load_dataset, passage_text
from memrag.memory.eval.long_documents import document_ranking, gold_documents, pack_volumes, write_dataset
from memrag.memory.ids import document_id
from tests.qa_small import write_set


def para(title: str, text: str, gold: bool = False) -> dict:
    return {"title": title, "text": text, "is_supporting": gold}


@pytest.fixture
def dataset(tmp_path):
    corpus = [
        {"title": "Delta", "text": "D" * 30},
        {"title": "Alpha", "text": "A" * 30},
        {"title": "Charlie", "text": "C" * 30},
        {"title": "Alpha", "text": "a" * 30},  # a second passage of Alpha, later in the corpus
        {"title": "Bravo", "text": "B" * 30},
    ]
    questions = [
        {
            "id": "q0",
            "question": "?",
            "answer": "x",
            "paragraphs": [para("Alpha", "a" * 30, True), para("Delta", "D" * 30, True)],
        },
        {
            "id": "q1",
            "question": "?",
            "answer": "x",
            "paragraphs": [para("Alpha", "A" * 30, True), para("Alpha", "a" * 30, True)],
        },
    ]
    return write_set(tmp_path / "set", corpus, questions)


def test_volumes_keep_a_titles_passages_together_in_title_order(dataset):
    volumes = pack_volumes(dataset, chars=60)
    texts = [text for _, text in volumes.corpus]
    # Alpha's two passages (≥ 60 characters together) fill volume 1; Bravo + Charlie volume 2; Delta volume 3
    assert texts[0] == f"Alpha\n{'A' * 30}\n\nAlpha\n{'a' * 30}"
    assert texts[1].startswith("Bravo\n") and "\n\nCharlie\n" in texts[1]
    assert texts[2] == f"Delta\n{'D' * 30}"
    assert [title for title, _ in volumes.corpus] == ["Volume 1", "Volume 2", "Volume 3"]


def test_gold_becomes_the_volumes_holding_the_gold_passages(dataset):
    volumes = pack_volumes(dataset, chars=60)
    documents = [passage_text(title, text) for title, text in volumes.corpus]
    q0, q1 = volumes.questions
    assert q0.gold == {documents[0], documents[2]}
    assert q1.gold == {documents[0]}  # two gold passages in one volume: one gold document
    assert q0.answers == ("x",)


def test_written_set_reads_back_equal(dataset, tmp_path):
    volumes = pack_volumes(dataset, chars=60)
    write_dataset(volumes, tmp_path / "volumes")
    again = load_dataset(tmp_path / "volumes")
    assert again.corpus == volumes.corpus
    assert [(q.gold, q.answers, q.question) for q in again.questions] == [
        (q.gold, q.answers, q.question) for q in volumes.questions
    ]


def test_gold_documents_are_the_ids_the_engine_gives(dataset):
    volumes = pack_volumes(dataset, chars=60)
    (title, text) = volumes.corpus[0]
    assert gold_documents(volumes)[1] == {document_id(title, text)}


def test_a_document_ranks_once_where_its_best_passage_ranks():
    document_of = {"p1": "A", "p2": "A", "p3": "B", "p4": "C", "p5": "A"}
    assert document_ranking(["p2", "p1", "p5", "p3", "unknown", "p4"], document_of) == ["A", "B", "C"]
    assert document_ranking(["p3", "p1", "p4"], document_of, depth=2) == ["B", "A"]


def test_a_volume_needs_a_positive_size(dataset):
    with pytest.raises(InvalidInput, match="at least 1 character"):
        pack_volumes(dataset, chars=0)
