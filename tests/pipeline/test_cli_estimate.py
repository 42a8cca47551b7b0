"""`memrag ingest --estimate`: passages, expected LLM calls and tokens, with nothing spent or stored."""

import re

import pytest

from memrag.cli.main import main
from tests.fake_llm import FakeLLM

pytestmark = pytest.mark.model


def test_estimate_prints_the_cost_and_spends_nothing(tmp_path, monkeypatch, capsys, model_cache):
    llm = FakeLLM()
    monkeypatch.setenv("MEMRAG_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("MEMRAG_EMBEDDING_CACHE", str(model_cache))
    monkeypatch.setenv("MEMRAG_LLM_BASE_URL", llm.base_url)
    monkeypatch.setenv("MEMRAG_LLM_MODEL", "scripted")
    note = tmp_path / "lighthouse.md"
    note.write_text("# The Lighthouse\n\nThe Tarnholm lighthouse was designed by Ingrid Vale in 1893.\n")
    (tmp_path / "bakery.txt").write_text("The bakery on Mill Street sells rye bread every Tuesday morning.")
    try:
        assert main(["ingest", "--estimate", str(note), str(tmp_path / "bakery.txt")]) == 0
        out = capsys.readouterr().out
        assert "documents 2 (0 unchanged), passages 2" in out
        assert "extractor llm:scripted: expected LLM calls 4" in out
        found = re.search(r"prompt (\d+)", out)
        assert found is not None
        prompt = int(found.group(1))
        assert prompt > 2 * 100  # two system prompts of ~100+ tokens per passage, and the passages
        assert llm.requests == []  # nothing was extracted
        assert main(["ingest", "--estimate", str(note)]) == 0  # nothing was stored: still a new document
        assert "documents 1 (0 unchanged), passages 1" in capsys.readouterr().out
    finally:
        llm.close()
