"""`memrag eval --counterfactual`: each answer renamed in its gold passage, sent as an update; do answers follow?"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from memrag.memory.engine import Engine
from memrag.memory.eval.dataset import Dataset, passage_text
from memrag.memory.eval.harness import EvalOptions
from memrag.memory.eval.metrics import squad_normalize
from memrag.memory.eval.probe import DEPTH, Asked, add_corpus, ask, question_vectors
from memrag.memory.ids import document_id, passage_id
from memrag.memory.retrieval.reader import Reader
from memrag.memory.types import DocumentInput, Extraction, Triple

_ONSETS = ("b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "br", "dr", "kl", "tr", "zh")
_VOWELS = ("a", "e", "i", "o", "u", "ae", "ou")


@dataclass(frozen=True)
class Update:
    """One question's counterfactual: its answer `old` renamed `new` in one gold document, same document id."""

    question: int  # index into the dataset's questions
    old: str
    new: str
    doc_id: str
    title: str  # the updated document, as submitted
    text: str
    old_text: str  # the passage as it read before ("title\ntext")

    @property
    def new_text(self) -> str:
        return passage_text(self.title, self.text)

    @property
    def passage_id(self) -> str:
        return passage_id(self.doc_id, self.new_text)


def invented_names(count: int, seed: int, taken: str) -> list[str]:
    """`count` distinct two-word names from seeded syllables, none of whose words occur in `taken` (lower case)."""
    rng = random.Random(seed)
    names: list[str] = []
    while len(names) < count:
        words = ["".join(rng.choice(_ONSETS) + rng.choice(_VOWELS) for _ in range(3)).capitalize() for _ in range(2)]
        name = " ".join(words)
        if name not in names and not any(w.lower() in taken for w in words):
            names.append(name)
    return names


def rename(text: str, old: str, new: str) -> str:
    """Every whole-word occurrence of `old` replaced by `new` (case as written)."""
    return re.sub(rf"(?<!\w){re.escape(old)}(?!\w)", new, text)


def build_updates(dataset: Dataset, seed: int = 0) -> tuple[list[Update], dict[str, int]]:
    """For each question, the gold passage that states its answer, renamed; a passage two questions
    would rename, or a question whose answer no gold passage states, is left out (counted)."""
    corpus = {passage_text(t, x): (t, x) for t, x in dataset.corpus}
    taken = " ".join(passage_text(t, x) for t, x in dataset.corpus).lower()
    names = iter(invented_names(len(dataset.questions), seed, taken))
    updates: list[Update] = []
    used: set[str] = set()
    skipped = {"answer_not_in_gold": 0, "passage_already_renamed": 0}
    for q, question in enumerate(dataset.questions):
        old = question.answers[0]
        stating = sorted(t for t in question.gold if t in corpus and old and rename(t, old, "\0") != t)
        if not stating:
            skipped["answer_not_in_gold"] += 1
        elif stating[0] in used:
            skipped["passage_already_renamed"] += 1
        else:
            title, text = corpus[stating[0]]
            new = next(names)
            used.add(stating[0])
            updates.append(
                Update(
                    q, old, new, document_id(title, text), rename(title, old, new), rename(text, old, new), stating[0]
                )
            )
    return updates, skipped


def renamed_extractions(recorded: dict[str, Extraction], updates: Sequence[Update]) -> dict[str, Extraction]:
    """Recorded OpenIE for the updated passages: the old passage's, with the answer renamed (as an LLM
    reading the new text would have written it). For extractors that can read the new text, not needed."""
    out = {}
    for u in updates:
        found = recorded.get(u.old_text)
        if found is not None:
            entities = tuple(rename(e, u.old, u.new) for e in found.entities)
            triples = tuple(
                Triple(*(rename(x, u.old, u.new) for x in (t.subject, t.predicate, t.object))) for t in found.triples
            )
            out[u.new_text] = Extraction(entities, triples)
    return out


def mentions(answer: str, name: str) -> bool:
    """Whether the normalised name occurs as whole words in the normalised answer."""
    wanted = squad_normalize(name)
    return bool(wanted) and f" {wanted} " in f" {squad_normalize(answer)} "


def run_counterfactual(
    engine: Engine, dataset: Dataset, updates: Sequence[Update], reader: Reader, opts: EvalOptions
) -> dict[str, Any]:
    """Index the corpus, ask each renamed question; submit the updates; ask again with the same reader."""
    add_corpus(engine, dataset, range(len(dataset.corpus)), opts.batch_size, "indexing" if opts.progress else None)
    questions = [dataset.questions[u.question] for u in updates]
    vectors = question_vectors(engine, questions)
    before = [ask(engine, q, v, opts.params, reader) for q, v in zip(questions, vectors, strict=True)]
    report = engine.add([DocumentInput(text=u.text, id=u.doc_id, title=u.title) for u in updates])
    after = [ask(engine, q, v, opts.params, reader) for q, v in zip(questions, vectors, strict=True)]
    old_left = engine.store.get_passages([passage_id(u.doc_id, u.old_text) for u in updates])
    rows = [row(u, b, a, opts.params.top_k) for u, b, a in zip(updates, before, after, strict=True)]
    return {
        "reader": reader.name,
        "updates": len(updates),
        "documents_updated": len(report.documents_added),
        "old_passages_left": len(old_left),
        "shares": shares(rows),
        "rows": rows,
        "old_name_elsewhere": old_name_elsewhere(dataset, updates),
    }


def row(update: Update, before: Asked, after: Asked, shown: int) -> dict[str, Any]:
    """One question: was the old passage read and the old answer named (citing it) before the update;
    is the updated passage read, and the new name named (citing it), after?"""
    b, a = before.answer.text if before.answer else "", after.answer.text if after.answer else ""
    cited = {c.document_id for c in after.answer.citations} if after.answer else set()
    cited_before = {c.document_id for c in before.answer.citations} if before.answer else set()
    old_passage = passage_id(update.doc_id, update.old_text)
    return {
        "question": update.question,
        "old": update.old,
        "new": update.new,
        "before_shown": old_passage in before.ids("memrag")[:shown],
        "before_old_named": mentions(b, update.old),
        "before_cited": update.doc_id in cited_before,
        "follows": mentions(a, update.new) and update.doc_id in cited,
        "new_named": mentions(a, update.new),
        "cited": update.doc_id in cited,
        "old_named": mentions(a, update.old),
        "shown": update.passage_id in after.ids("memrag")[:shown],
        "in_top10": update.passage_id in after.ids("memrag")[:DEPTH],
        "answer": a,
    }


def shares(rows: Sequence[dict[str, Any]]) -> dict[str, float]:
    """Shares over the counterfactual questions: what the answers did before and after the updates.
    `follows_when_answered_before` counts only the questions whose answer named the old answer (citing
    its document) before the update: the reader could answer those, so a miss there is retrieval's."""
    answered = [r for r in rows if r["before_old_named"] and r["before_cited"]]
    return {
        "before_old_named_and_cited": _share(rows, lambda r: r["before_old_named"] and r["before_cited"]),
        "follows_update": _share(rows, lambda r: r["follows"]),
        "old_name_gone": _share(rows, lambda r: not r["old_named"]),
        "follows_and_old_gone": _share(rows, lambda r: r["follows"] and not r["old_named"]),
        "follows_when_answered_before": _share(answered, lambda r: r["follows"]),
        "old_passage_shown_before": _share(rows, lambda r: r["before_shown"]),
        "updated_passage_shown": _share(rows, lambda r: r["shown"]),
        "updated_passage_in_top10": _share(rows, lambda r: r["in_top10"]),
    }


def _share(rows: Sequence[dict[str, Any]], holds: Callable[[dict[str, Any]], bool]) -> float:
    return float(np.mean([bool(holds(r)) for r in rows])) if rows else 0.0


def old_name_elsewhere(dataset: Dataset, updates: Sequence[Update]) -> int:
    """Updates whose old answer another corpus passage still names (so the memory may rightly still say it)."""
    texts = {passage_text(t, x): f" {squad_normalize(passage_text(t, x))} " for t, x in dataset.corpus}
    count = 0
    for u in updates:
        old = f" {squad_normalize(u.old)} "
        count += any(old in normal for text, normal in texts.items() if text != u.old_text)
    return count
