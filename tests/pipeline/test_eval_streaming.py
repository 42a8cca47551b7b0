"""`memrag eval --stream/--forget` on the small MuSiQue set, hash embedder and recorded triples."""

from dataclasses import replace

import pytest

from memrag.memory.eval.forgetting import run_forget
from memrag.memory.eval.harness import EvalOptions
from memrag.memory.eval.streaming import StreamOptions, run_stream
from memrag.memory.eval.tables import format_forget, format_stream
from tests.helpers import make_engine
from tests.qa_small import qa_small

OPTIONS = EvalOptions(progress=False, batch_size=8)


@pytest.fixture(scope="module")
def qa(tmp_path_factory):
    return qa_small(tmp_path_factory.mktemp("qa") / "set")


@pytest.mark.parametrize("by", ["passages", "questions"])
def test_a_stream_scores_each_part_equals_indexing_at_once_and_forgets_a_part_cleanly(qa, tmp_path, by):
    dataset, recorded = qa
    engine = make_engine(tmp_path / "main", recorded)
    run = run_stream(engine, lambda path: make_engine(path, recorded), tmp_path, dataset, StreamOptions(3, by))
    parts = run.result["parts"]
    assert [p["part"] for p in parts] == [1, 2, 3]
    assert sum(p["passages_added"] for p in parts) == len(dataset.corpus)
    assert [p["questions"] for p in parts] == [len(run.stream.answerable_by(n)) for n in (1, 2, 3)]
    assert parts[-1]["questions"] == len(dataset.questions)  # every gold passage of the set is in its corpus
    assert [len(p["by_part"]) for p in parts] == [1, 2, 3]
    assert {"recall@10", "em", "f1"} <= set(parts[-1]["memrag"]) and "recall@10" in parts[-1]["dense"]
    assert [b["part"] for b in run.result["backward_transfer"]] == [1, 2]
    assert run.result["equals_batch"] is True and run.result["batch_check"]["differing_questions"] == []
    assert "equals batch: yes" in format_stream(run.result)

    found = run_forget(engine, lambda path: make_engine(path, recorded), tmp_path, dataset, run, 2, OPTIONS)
    engine.close()
    assert found["documents"] == len(run.stream.parts[1]) and found["questions_of_part"] > 0
    assert found["gold_passages_forgotten"] > 0 and found["gold_in_top10"] == 0
    assert found["forgotten_in_any_top10"] == 0
    records = found["records"]
    assert records["entities_only_in_part"] > 0 and records["facts_only_in_part"] > 0
    assert found["orphans_left"] == 0 and records["shared_entities_lost"] == records["shared_facts_lost"] == 0
    assert found["other_identical"] == found["other_questions"] == len(dataset.questions) - found["questions_of_part"]
    assert found["own_identical"] == found["questions_of_part"] and found["graph_equals_never_had"]
    assert "graph equal: yes" in format_forget(found)


def test_a_batch_memory_that_differs_is_not_called_equal(qa, tmp_path):
    dataset, recorded = qa
    engine = make_engine(tmp_path / "main", recorded)
    without_triples = run_stream(engine, lambda path: make_engine(path, {}), tmp_path, dataset, StreamOptions(2))
    engine.close()
    assert without_triples.result["equals_batch"] is False
    assert without_triples.result["batch_check"]["differing_questions"]


def test_a_memory_that_still_differs_from_never_having_the_part_is_reported(qa, tmp_path):
    dataset, recorded = qa
    engine = make_engine(tmp_path / "main", recorded)
    run = run_stream(engine, lambda path: make_engine(path, recorded), tmp_path, dataset, StreamOptions(2))
    other = {text: replace(found, triples=found.triples[:1]) for text, found in recorded.items()}
    found = run_forget(engine, lambda path: make_engine(path, other), tmp_path, dataset, run, 1, OPTIONS)
    engine.close()
    assert found["other_identical"] < found["other_questions"] and not found["graph_equals_never_had"]
    assert found["orphans_left"] == 0  # the forgetting itself was still clean
