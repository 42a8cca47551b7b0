"""`memrag eval --counterfactual`: after the updates, answers name the new answer, cite it, and drop the old one."""

import pytest

from memrag.memory.eval.counterfactual import build_updates, run_counterfactual
from memrag.memory.eval.harness import EvalOptions
from memrag.memory.eval.tables import format_counterfactual
from memrag.memory.llm.openai_chat import OpenAIChat
from memrag.memory.retrieval.reader import ExtractiveReader, LlmReader
from tests.fake_llm import FakeLLM
from tests.helpers import make_engine
from tests.qa_small import write_set
from tests.scripted_reader import scripted_llm

CORPUS = [
    {"title": "Tarnholm lighthouse", "text": "The Tarnholm lighthouse was designed by Ingrid Vale in 1893."},
    {"title": "Kessel harbour", "text": "Kessel harbour lies south of the Tarnholm cape and shelters fishing boats."},
    {"title": "Mill Street bakery", "text": "The bakery on Mill Street sells rye bread every Tuesday morning."},
    {"title": "Orrin bridge", "text": "The Orrin bridge was opened in 1901 by the mayor Tomas Berg."},
]
QUESTIONS = [
    ("Who designed the Tarnholm lighthouse?", "Ingrid Vale", 0),
    ("Which mayor opened the Orrin bridge?", "Tomas Berg", 3),
]


@pytest.fixture
def dataset(tmp_path):
    questions = [
        {"id": f"q{n}", "question": q, "answer": a, "paragraphs": [{**CORPUS[i], "is_supporting": True}]}
        for n, (q, a, i) in enumerate(QUESTIONS)
    ]
    return write_set(tmp_path / "set", CORPUS, questions)


def test_the_extractive_reader_follows_each_update(dataset, tmp_path):
    updates, _ = build_updates(dataset)
    engine = make_engine(tmp_path / "data", {})
    found = run_counterfactual(engine, dataset, updates, ExtractiveReader(), EvalOptions(progress=False))
    engine.close()
    assert found["updates"] == found["documents_updated"] == 2 and found["old_passages_left"] == 0
    assert found["shares"] == {
        "before_old_named_and_cited": 1.0,
        "follows_update": 1.0,
        "old_name_gone": 1.0,
        "follows_and_old_gone": 1.0,
        "follows_when_answered_before": 1.0,
        "old_passage_shown_before": 1.0,
        "updated_passage_shown": 1.0,
        "updated_passage_in_top10": 1.0,
    }
    assert found["rows"][0]["answer"] == f"{updates[0].new} [1]"  # the short answer: the new name, cited
    assert "follows the update" in format_counterfactual(found)


def test_a_reader_that_answers_from_what_it_is_shown_follows_only_if_the_update_is_shown(dataset, tmp_path):
    updates, _ = build_updates(dataset)
    fake = FakeLLM(default=scripted_llm)
    reader = LlmReader(OpenAIChat(fake.base_url, "scripted-echo", max_retries=0))
    engine = make_engine(tmp_path / "data", {})
    try:
        found = run_counterfactual(engine, dataset, updates, reader, EvalOptions(progress=False))
    finally:
        engine.close()
        fake.close()
    assert found["reader"] == "llm:scripted-echo"
    assert found["shares"]["follows_update"] == found["shares"]["updated_passage_shown"] == 1.0
    assert found["shares"]["old_name_gone"] == 1.0 and found["shares"]["before_old_named_and_cited"] == 1.0
    assert len(fake.requests) == 4  # one reading per question, before and after the updates
