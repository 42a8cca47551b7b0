"""`memrag eval --stream/--forget/--counterfactual` end to end on the small MuSiQue set: JSON, PNG and table."""

import json

import pytest

from memrag.cli.main import main
from tests.qa_small import QA_SMALL, write_qa_small

pytestmark = pytest.mark.model


@pytest.fixture
def env(tmp_path, monkeypatch, model_cache):
    monkeypatch.setenv("MEMRAG_EMBEDDING_CACHE", str(model_cache))
    monkeypatch.delenv("MEMRAG_LLM_BASE_URL", raising=False)
    return write_qa_small(tmp_path / "set")


def test_stream_with_forgetting_writes_parts_equals_batch_and_two_figures(env, tmp_path, capsys):
    out = tmp_path / "out" / "stream.json"
    args = ["eval", str(env), "--openie", str(QA_SMALL), "--stream", "2", "--forget", "1", "--out", str(out)]
    assert main(args) == 0
    result = json.loads(out.read_text())
    assert len(result["parts"]) == 2 and result["equals_batch"] is True
    assert result["forget"]["orphans_left"] == 0 and result["forget"]["gold_in_top10"] == 0
    assert out.with_suffix(".png").read_bytes()[:4] == b"\x89PNG"
    assert (out.parent / "stream_forget.png").is_file()
    table = capsys.readouterr().out
    assert "backward transfer" in table and "forget part 1" in table


def test_counterfactual_writes_the_shares_and_a_figure(env, tmp_path, capsys):
    out = tmp_path / "cf.json"
    assert main(["eval", str(env), "--openie", str(QA_SMALL), "--counterfactual", "--out", str(out)]) == 0
    found = json.loads(out.read_text())["counterfactual"]
    assert found["updates"] == 8 and found["old_passages_left"] == 0
    assert 0.0 <= found["shares"]["follows_update"] <= 1.0 and out.with_suffix(".png").is_file()
    assert "update-following" in capsys.readouterr().out


def test_forget_without_a_stream_is_refused(env, capsys):
    assert main(["eval", str(env), "--forget", "1"]) == 2
    assert "--forget PART needs --stream K" in capsys.readouterr().err
