"""The evaluation harness on a tiny HippoRAG-layout set: recall as defined, the JSON it promises."""

import json

from memrag.memory.eval.dataset import load_dataset
from memrag.memory.eval.harness import EvalOptions, format_table, run_eval
from tests.helpers import extractions, make_engine


def test_run_eval_reports_recall_timings_and_reading(tmp_path):
    corpus = [
        {"title": "Paris", "text": "Paris is the capital of France."},
        {"title": "France", "text": "France is in Europe."},
        {"title": "Bananas", "text": "Bananas are yellow."},
    ]
    questions = [
        {
            "id": "q1",
            "question": "Which continent is the capital Paris in?",
            "answer": "Europe",
            "answer_aliases": [],
            "paragraphs": [{**corpus[0], "is_supporting": True}, {**corpus[1], "is_supporting": True}],
        }
    ]
    (tmp_path / "set").mkdir()
    (tmp_path / "set" / "corpus.json").write_text(json.dumps(corpus))
    (tmp_path / "set" / "questions.json").write_text(json.dumps(questions))
    table = {
        "Paris\nParis is the capital of France.": [("Paris", "capital of", "France")],
        "France\nFrance is in Europe.": [("France", "located in", "Europe")],
    }
    engine = make_engine(tmp_path / "data", extractions(table))
    result = run_eval(engine, load_dataset(tmp_path / "set"), EvalOptions(progress=False))
    engine.close()
    memrag = result["systems"]["memrag"]
    assert memrag["recall@10"] == 1.0 and memrag["recall@1"] == 0.5  # 2 gold passages: one at rank 1
    assert set(result["systems"]["dense"]) == {"recall@1", "recall@2", "recall@5", "recall@10"}
    assert {"index_s", "query_p50_ms", "query_p95_ms"} <= set(result["timings"])
    assert result["peak_rss_mb"] > 0 and result["modes"]["graph"] == 1
    assert "em" in memrag and "f1" in memrag
    assert "memrag" in format_table(result)
