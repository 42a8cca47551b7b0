"""Asking a memory state every question: memrag and dense rankings (ids and scores), the reader's answer."""

from __future__ import annotations

import hashlib
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from memrag.memory.engine import Engine
from memrag.memory.eval.dataset import Dataset, Question, passage_text
from memrag.memory.eval.metrics import exact_match, mean_recall, token_f1
from memrag.memory.ids import document_id, passage_id
from memrag.memory.params import RetrievalParams
from memrag.memory.ports import Extractor
from memrag.memory.retrieval.reader import Answer, Reader
from memrag.memory.storage.json_cache import SqliteJsonCache
from memrag.memory.types import DocumentInput, Extraction, Triple

KS = (1, 2, 5, 10)
DEPTH = max(KS)
Ranked = tuple[tuple[str, float], ...]  # (passage id, score), best first
EngineFactory = Callable[[Path], Engine]  # a fresh engine over an empty data directory, same embedder


@dataclass(frozen=True)
class Asked:
    """One question asked of one memory state; `answer` only when a reader ran."""

    memrag: Ranked
    mode: str
    dense: Ranked
    answer: Answer | None = None

    def ids(self, system: str) -> list[str]:
        return [p for p, _ in (self.memrag if system == "memrag" else self.dense)]


def signature(ranked: Ranked) -> tuple[tuple[str, float], ...]:
    """Ids in order with scores to 9 places, as the invariant tests compare rankings."""
    return tuple((p, round(s, 9)) for p, s in ranked)


def same_ranking(a: Asked, b: Asked) -> bool:
    return a.mode == b.mode and signature(a.memrag) == signature(b.memrag) and signature(a.dense) == signature(b.dense)


def question_vectors(engine: Engine, questions: Sequence[Question]) -> list[np.ndarray]:
    """Each question embedded once, alone (as `memrag eval` embeds it), reused for every memory state."""
    return [engine.query_embedder.embed([q.question])[0] for q in questions]


def ask(
    engine: Engine,
    question: Question,
    vector: np.ndarray,
    params: RetrievalParams,
    reader: Reader | None = None,
) -> Asked:
    deep = replace(params, top_k=max(params.top_k, DEPTH))
    dense = engine.rank(question.question, replace(deep, strategy="dense"), vector).passages
    if reader is None:
        ranked = engine.rank(question.question, deep, vector)
        return Asked(ranked.passages, ranked.mode, dense)
    retrieval = engine.retrieve(question.question, deep, vector)
    answer = reader.answer(question.question, retrieval.hits[: params.top_k], retrieval.dense_top)
    memrag = tuple((h.passage_id, h.score) for h in retrieval.hits)
    return Asked(memrag, retrieval.mode, dense, answer)


def ask_many(
    engine: Engine,
    questions: Sequence[Question],
    vectors: Sequence[np.ndarray],
    params: RetrievalParams,
    reader: Reader | None = None,
) -> list[Asked]:
    return [ask(engine, q, v, params, reader) for q, v in zip(questions, vectors, strict=True)]


def gold_ids(dataset: Dataset) -> list[frozenset[str]]:
    """Each question's gold passages as passage ids (a gold text missing from the corpus stays a text)."""
    ids = {passage_text(title, text): corpus_passage_id(title, text) for title, text in dataset.corpus}
    return [frozenset(ids.get(text, text) for text in q.gold) for q in dataset.questions]


def corpus_passage_id(title: str, text: str) -> str:
    """The passage id a corpus entry gets when indexed as one whole document without an id."""
    return passage_id(document_id(title, text), passage_text(title, text))


def scores(asked: Sequence[Asked], golds: Sequence[frozenset[str]], questions: Sequence[Question]) -> dict[str, Any]:
    """Recall@k per system; EM/F1 of the answers when a reader ran."""
    out: dict[str, Any] = {}
    for system in ("memrag", "dense"):
        rankings = [a.ids(system) for a in asked]
        out[system] = {f"recall@{k}": mean_recall(rankings, [set(g) for g in golds], k) for k in KS}
    answers = [(a.answer.text, q.answers) for a, q in zip(asked, questions, strict=True) if a.answer is not None]
    if answers:
        out["memrag"]["em"] = float(np.mean([exact_match(text, gold) for text, gold in answers]))
        out["memrag"]["f1"] = float(np.mean([token_f1(text, gold) for text, gold in answers]))
    return out


def add_corpus(
    engine: Engine, dataset: Dataset, indices: Sequence[int], batch_size: int, desc: str | None = None
) -> float:
    """Add these corpus entries (one whole document each) in batches, in this order; returns embedding
    seconds. With `desc`, a progress bar of that name on stderr."""
    seconds = 0.0
    docs = [DocumentInput(text=dataset.corpus[i][1], title=dataset.corpus[i][0]) for i in indices]
    bar = tqdm(total=len(docs), desc=desc, unit="doc", disable=desc is None, file=sys.stderr, leave=False)
    for start in range(0, len(docs), batch_size):
        seconds += engine.add(docs[start : start + batch_size]).embed_seconds
        bar.update(len(docs[start : start + batch_size]))
    bar.close()
    return seconds


class Memoised:
    """An extractor that runs once per passage text, however many engines of one evaluation index it.

    What it extracted waits as JSON in a SQLite file in a temporary folder (removed with this
    object), not as Python objects: those stayed resident all run long, ~5 KB a passage.
    """

    def __init__(self, inner: Extractor) -> None:
        self._inner = inner
        self._folder = tempfile.TemporaryDirectory(prefix="memrag-openie-")
        self._kept = SqliteJsonCache(Path(self._folder.name) / "extractions.sqlite")

    @property
    def name(self) -> str:
        return self._inner.name

    def extract(self, passages: Sequence[str]) -> list[Extraction]:
        found: dict[str, Extraction] = {}
        for text in dict.fromkeys(passages):
            if (kept := self._kept.get(_memo_key(text))) is not None:
                found[text] = _from_json(kept)
        todo = [p for p in dict.fromkeys(passages) if p not in found]
        if todo:
            fresh = dict(zip(todo, self._inner.extract(todo), strict=True))
            self._kept.put_many((_memo_key(p), _to_json(e)) for p, e in fresh.items())
            found |= fresh
        return [found[p] for p in passages]


def _memo_key(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _to_json(extraction: Extraction) -> dict[str, list[Any]]:
    triples = [[t.subject, t.predicate, t.object] for t in extraction.triples]
    return {"entities": list(extraction.entities), "triples": triples}


def _from_json(value: object) -> Extraction:
    """The Extraction `_to_json` wrote (this process's own file: anything else is a bug, not input)."""
    if not isinstance(value, dict):
        raise TypeError("the evaluation's extraction file holds something it did not write")
    return Extraction(tuple(value["entities"]), tuple(Triple(*t) for t in value["triples"]))
