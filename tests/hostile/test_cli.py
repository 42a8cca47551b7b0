"""Must-show 1 through the command line: hostile files, JSONL lines, names and arguments given to
`memrag ingest`, `ask` and `retrieve`. Each bad input is skipped or refused with a message (exit
code 0, 1 or 2, never a traceback), nothing is written outside the data directory, messages
leak nothing, and afterwards the namespace answers in a fresh process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.helpers import leaks, pdf_bomb
from tests.hostile import tally
from tests.hostile.inputs import BILLION_LAUGHS, INJECTION, nested
from tests.hostile.served import ROOT

pytestmark = pytest.mark.model
GOOD_MD = "# Tarnholm lighthouse\n\nThe Tarnholm lighthouse was designed by Ingrid Vale in 1893.\n"


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str


class Cli:
    """`memrag` in a fresh process over one data directory (each call is a restart)."""

    def __init__(self, work: Path, model_cache: Path) -> None:
        self.work = work
        self.data = work / "data"
        self.env = {**os.environ, "MEMRAG_DATA_DIR": str(self.data), "MEMRAG_EMBEDDING_CACHE": str(model_cache)}
        for name in ("MEMRAG_REDIS_URL", "MEMRAG_QDRANT_URL", "MEMRAG_LLM_BASE_URL", "MEMRAG_NAMESPACE"):
            self.env.pop(name, None)

    def __call__(self, *args: str | bytes | Path) -> Run:
        done = subprocess.run(
            [sys.executable, "-m", "memrag.cli.main", *args], cwd=ROOT, env=self.env, capture_output=True, timeout=600
        )
        run = Run(done.returncode, done.stdout.decode(errors="replace"), done.stderr.decode(errors="replace"))
        assert run.code in (0, 1, 2), run
        assert "Traceback" not in run.err, run.err[-3000:]
        assert leaks(run.out.replace(str(self.work), "<dir>") + run.err.replace(str(self.work), "<dir>")) == []
        return run


@pytest.fixture(scope="module")
def cli(tmp_path_factory: pytest.TempPathFactory, model_cache: Path) -> Cli:
    return Cli(tmp_path_factory.mktemp("hostile-cli"), model_cache)


FILES: dict[str, tuple[str, bytes]] = {  # file name -> (what it is, its bytes)
    "binary.txt": ("binary: an executable named .txt", b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 4),
    "image.md": ("binary: a PNG named .md", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64),
    "latin1.txt": ("unicode: a file that is not UTF-8", "café crème brûlée".encode("latin-1")),
    "empty.txt": ("oversized: an empty file", b""),
    "controls.txt": ("unicode: a terminal escape and a bell in the text", b"clear \x1b[2J screen \x07 bell"),
    "evil\u202etxt.md": ("unicode: a file name with a right-to-left override", b"harmless text"),
    "broken.pdf": ("binary: a PDF that is not one", b"%PDF-1.4\n1 0 obj garbage"),
    "nested.html": (
        "bombs: 5,000 nested HTML elements",
        ("<html><body>" + "<div>" * 5000 + "The fog horn sounds twice a minute." + "</div>" * 5000).encode(),
    ),
    "injection.md": ("injection: a prompt-injection document", INJECTION.encode()),
}
JSONL_LINES: dict[str, str] = {  # what the line is -> the line
    "malformed JSONL: a valid line": json.dumps({"id": "j-ok", "text": "The Tarnholm keeper is Ines Holt."}),
    "malformed JSONL: a cut-off line": '{"id": "j2", "text": ',
    "malformed JSONL: an array, not an object": "[1, 2, 3]",
    "malformed JSONL: text as a number": '{"text": 42}',
    "malformed JSONL: metadata as a list": '{"text": "t", "metadata": [1]}',
    "malformed JSONL: arrays nested 100,000 levels": "[" * 100_000 + "]" * 100_000,
    "metadata: nested 150 levels": json.dumps({"id": "j-deep", "text": "deep", "metadata": nested(150)}),
    "metadata: NaN": '{"id": "j-nan", "text": "t", "metadata": {"k": NaN}}',
    "unicode: a lone surrogate in the text": '{"id": "j-sur", "text": "a\\ud800b"}',
    "unicode: NUL in the text": '{"id": "j-nul", "text": "a\\u0000b"}',
    "unicode: a bidi override in the id": '{"id": "j\\u202ebad", "text": "t"}',
    "oversized: an id of 600 characters": json.dumps({"id": "i" * 600, "text": "t"}),
    "oversized: whitespace-only text": '{"id": "j-empty", "text": "   "}',
    "paths: id ../../etc/passwd (a valid id)": json.dumps({"id": "../../etc/passwd", "text": "The rota is weekly."}),
}


def test_hostile_files_and_lines_are_skipped_one_by_one_and_the_rest_is_indexed(cli: Cli) -> None:
    notes = cli.work / "notes"
    notes.mkdir()
    (notes / "ok.md").write_text(GOOD_MD)
    for name, (_, content) in FILES.items():
        (notes / name).write_bytes(content)
    undecodable = os.fsencode(notes) + b"/not-utf8-\xff.md"  # a file name that is not UTF-8
    with open(undecodable, "wb") as handle:
        handle.write(b"text under a name that is not UTF-8")
    (cli.work / "billion-laughs.xml").write_text(BILLION_LAUGHS)
    (cli.work / "docs.jsonl").write_text("\n".join(JSONL_LINES.values()) + "\n")
    run = cli("ingest", notes, cli.work / "billion-laughs.xml", cli.work / "docs.jsonl", cli.work / "missing.txt")
    for what, _ in FILES.values():
        tally.record("cli", *what.split(": ", 1))
    for what in JSONL_LINES:
        tally.record("cli", *what.split(": ", 1))
    for what in ("unicode: a file name that is not UTF-8", "bombs: billion laughs XML", "paths: a missing file"):
        tally.record("cli", *what.split(": ", 1))
    assert run.code == 0, run
    skipped = run.err.count("memrag: skipped ")
    assert skipped == 21, run.err  # every bad file and line, each named with its reason
    for reason in (
        "looks binary",
        "not UTF-8",
        "no text in it",
        "control character U+001B",
        "bidirectional",
        "lone surrogate",
        "not a readable PDF",
        "not JSON",
        "nested too deeply",
        "nests more than 8",
        "is nan",
        "at most 512",
        "cannot read it",
    ):
        assert reason in run.err, reason
    assert "added 6, unchanged 0, skipped 21" in run.out, run.out


def test_a_namespace_that_climbs_out_of_the_data_directory_is_refused(cli: Cli) -> None:
    (cli.work / "one.md").write_text(GOOD_MD)
    for name in ("../../x", "..", "a/b", "/tmp/x", "a.b", ""):
        tally.record("cli", "paths", f"--namespace {name!r}")
        run = cli("ingest", "--namespace", name, cli.work / "one.md")
        assert run.code == 2 and "--namespace must be 1 to 64 letters" in run.err, run
    asked = cli("ask", "--namespace", "../../x", "Who designed it?")
    tally.record("cli", "paths", "ask --namespace '../../x'")
    assert asked.code == 2 and "namespace must be 1 to 64 letters" in asked.err
    assert not (cli.work / "x").exists() and not (cli.work.parent / "x").exists()


def test_hostile_questions_and_top_k_are_refused_by_name(cli: Cli) -> None:
    for what, args, named in [
        ("range: a negative --top-k", ("retrieve", "--top-k", "-1", "who"), "top_k is -1"),
        ("range: --top-k of a billion", ("ask", "--top-k", "1000000000", "who"), "top_k is 1000000000"),
        ("unicode: a question that is not UTF-8", ("ask", os.fsdecode(b"who\xff?")), "lone surrogate"),
        ("oversized: a question of 10,001 characters", ("ask", "q" * 10_001), "at most 10,000"),
    ]:
        tally.record("cli", *what.split(": ", 1))
        run = cli(*args)
        assert run.code == 2 and named in run.err, run


def test_a_pdf_bomb_fails_its_file_only(cli: Cli) -> None:
    tally.record("cli", "bombs", "a 2 KB PDF inflating to a gigabyte")
    (cli.work / "bomb.pdf").write_bytes(pdf_bomb(1_000_000_000))  # a 2 KB file inflating to a gigabyte
    (cli.work / "beside-the-bomb.md").write_text("The Tarnholm lamp burns paraffin.\n")
    run = cli("ingest", cli.work / "bomb.pdf", cli.work / "beside-the-bomb.md")
    assert "skipped" in run.err and "added 1" in run.out, run


def test_after_all_that_the_namespace_answers_in_a_fresh_process(cli: Cli) -> None:
    asked = cli("ask", "Who designed the Tarnholm lighthouse?")
    assert asked.code == 0 and "Ingrid Vale" in asked.out and "/ok.md" in asked.out, asked
    retrieved = cli("retrieve", "What does the Tarnholm keeper rota say?", "--top-k", "10")
    assert retrieved.code == 0 and "../../etc/passwd" in retrieved.out, retrieved
