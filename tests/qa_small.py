"""The eval tests' QA set: 8 MuSiQue questions with 53 of their paragraphs and GPT-3.5 triples, in HippoRAG layout."""

from __future__ import annotations

import json
from pathlib import Path

from memrag.memory.eval.dataset import Dataset, load_dataset
from memrag.memory.extraction.recorded import load_openie_file
from memrag.memory.types import Extraction

QA_SMALL = Path(__file__).parent / "fixtures" / "musique_qa_small.json"


def write_qa_small(directory: Path) -> Path:
    """corpus.json and questions.json in `directory`; the fixture file itself is the OpenIE file."""
    data = json.loads(QA_SMALL.read_text())
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "corpus.json").write_text(json.dumps(data["corpus"]))
    (directory / "questions.json").write_text(json.dumps(data["questions"]))
    return directory


def qa_small(directory: Path) -> tuple[Dataset, dict[str, Extraction]]:
    recorded, _ = load_openie_file(QA_SMALL)
    return load_dataset(write_qa_small(directory)), recorded


def write_set(directory: Path, corpus: list[dict], questions: list[dict]) -> Dataset:
    """A hand-made set: corpus rows {title, text}; question rows {id, question, answer, paragraphs}."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "corpus.json").write_text(json.dumps(corpus))
    (directory / "questions.json").write_text(json.dumps(questions))
    return load_dataset(directory)
