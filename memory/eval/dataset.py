"""HippoRAG-layout QA sets: corpus.json + questions.json (gold = supporting paragraphs as title\\ntext)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from memrag.memory.errors import InvalidInput


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    answers: tuple[str, ...]
    gold: frozenset[str]  # passage texts, "title\ntext"
    context: tuple[str, ...] = ()  # every paragraph listed with the question (gold and distractors), in order


@dataclass(frozen=True)
class Dataset:
    name: str
    corpus: tuple[tuple[str, str], ...]  # (title, text)
    questions: tuple[Question, ...]


def passage_text(title: str, text: str) -> str:
    """How a corpus entry reads as a passage (title line, then text), as in HippoRAG."""
    return f"{title}\n{text}" if title else text


def load_dataset(directory: Path) -> Dataset:
    corpus_path, questions_path = directory / "corpus.json", directory / "questions.json"
    if not corpus_path.is_file() or not questions_path.is_file():
        raise InvalidInput(f"{directory} needs corpus.json and questions.json (HippoRAG layout)")
    corpus = tuple((str(row.get("title", "")), str(row["text"])) for row in _read(corpus_path))
    questions = tuple(
        Question(
            id=str(row.get("id", i)),
            question=str(row["question"]),
            answers=tuple([str(row.get("answer", ""))] + [str(a) for a in row.get("answer_aliases") or []]),
            gold=frozenset(
                passage_text(str(p.get("title", "")), str(p["text"]))
                for p in row.get("paragraphs", [])
                if p.get("is_supporting")
            ),
            context=tuple(passage_text(str(p.get("title", "")), str(p["text"])) for p in row.get("paragraphs", [])),
        )
        for i, row in enumerate(_read(questions_path))
    )
    return Dataset(directory.name, corpus, questions)


def _read(path: Path) -> list[dict]:  # type: ignore[type-arg]
    try:
        rows = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise InvalidInput(f"cannot read {path}: {exc}") from exc
    if not isinstance(rows, list):
        raise InvalidInput(f"{path} must hold a JSON list")
    return rows
