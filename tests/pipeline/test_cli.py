"""The command line end to end, no LLM configured: ingest a file, then ask about it."""

import pytest

from memrag.cli.main import main

pytestmark = pytest.mark.model


def test_ask_answers_about_a_file_just_ingested_and_cites_it(tmp_path, monkeypatch, capsys, model_cache):
    monkeypatch.setenv("MEMRAG_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("MEMRAG_EMBEDDING_CACHE", str(model_cache))
    monkeypatch.delenv("MEMRAG_LLM_BASE_URL", raising=False)
    note = tmp_path / "lighthouse.md"
    note.write_text(
        "# The Lighthouse\n\nThe Tarnholm lighthouse was designed by Ingrid Vale in 1893. "
        "It stands on the northern cliff of Tarnholm island and guided ships into Kessel harbour.\n"
    )
    other = tmp_path / "bakery.txt"
    other.write_text("The bakery on Mill Street sells rye bread every Tuesday morning.")
    assert main(["ingest", str(note), str(other)]) == 0
    assert "added 2" in capsys.readouterr().out

    assert main(["ask", "Who designed the Tarnholm lighthouse?"]) == 0
    out = capsys.readouterr().out
    assert "Ingrid Vale [1]" in out and "support: The Tarnholm lighthouse was designed by Ingrid Vale in 1893." in out
    assert f"document {note}" in out  # the citation names the ingested file's document
    assert "extractive (no LLM)" in out

    assert main(["ask", "Who designed the Tarnholm lighthouse?", "--stream"]) == 0
    streamed = capsys.readouterr().out
    assert "Ingrid Vale [1]" in streamed and f"document {note}" in streamed


def test_bad_input_files_are_reported_not_raised(tmp_path, monkeypatch, capsys, model_cache):
    monkeypatch.setenv("MEMRAG_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("MEMRAG_EMBEDDING_CACHE", str(model_cache))
    binary = tmp_path / "image.bin"
    binary.write_bytes(b"\xff\xfe\x00\x81" * 10)
    assert main(["ingest", str(binary), str(tmp_path / "missing.txt")]) == 0
    err = capsys.readouterr().err
    assert "skipped" in err and "missing.txt" in err


@pytest.mark.parametrize(
    ("env", "named"),
    [({"MEMRAG_CHUNK_SIZE": "0"}, "MEMRAG_CHUNK_SIZE"), ({"MEMRAG_ADMIN_KEY": "short"}, "MEMRAG_ADMIN_KEY")],
)
def test_bad_settings_are_named_not_raised(tmp_path, monkeypatch, capsys, env, named):
    monkeypatch.setenv("MEMRAG_DATA_DIR", str(tmp_path))
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert main(["retrieve", "anything"]) == 2
    err = capsys.readouterr().err
    assert f"invalid settings — {named}:" in err and "Traceback" not in err


def test_ingest_of_more_documents_than_the_queue_holds_waits_for_room_and_adds_them_all(
    tmp_path, monkeypatch, capsys, model_cache
):
    """A corpus larger than the queue's bound goes in as earlier jobs end (it used to stop with
    "larger than a namespace's queue" or a full queue half-way)."""
    monkeypatch.setenv("MEMRAG_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("MEMRAG_EMBEDDING_CACHE", str(model_cache))
    monkeypatch.setenv("MEMRAG_QUEUE_MAX_DOCUMENTS", "12")  # 6 per namespace
    monkeypatch.delenv("MEMRAG_LLM_BASE_URL", raising=False)
    corpus = tmp_path / "notes.jsonl"
    rows = [f'{{"id": "n{i}", "text": "Harbour note {i}: the ferry number {i} leaves at dawn."}}' for i in range(20)]
    corpus.write_text("\n".join(rows) + "\n")
    assert main(["ingest", str(corpus)]) == 0
    assert "added 20, unchanged 0, skipped 0" in capsys.readouterr().out


def test_an_internal_error_is_one_line_without_a_traceback_unless_asked_for(tmp_path, monkeypatch, capsys):
    """Catches a bug of ours reaching the user as a traceback that names our files and paths."""
    monkeypatch.setenv("MEMRAG_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("MEMRAG_DEBUG", raising=False)

    def broken(*args: object, **kwargs: object) -> object:
        raise KeyError(str(tmp_path / "secret"))

    monkeypatch.setattr("memrag.cli.main.open_engine", broken)
    assert main(["ask", "Who is there?"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("memrag: internal error (KeyError)") and str(tmp_path) not in err and "Traceback" not in err
    monkeypatch.setenv("MEMRAG_DEBUG", "1")
    with pytest.raises(KeyError):
        main(["ask", "Who is there?"])
