"""Cutting a QA set's corpus into the parts a stream adds: seeded passage order, or disjoint question groups."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, TypeVar

from memrag.memory.errors import InvalidInput
from memrag.memory.eval.dataset import Dataset, passage_text

SplitBy = Literal["passages", "questions"]
T = TypeVar("T")


@dataclass(frozen=True)
class Stream:
    """The parts in the order they are added (part n is `parts[n - 1]`, corpus indices in adding order).

    `answerable[q]` is the first part after which every gold passage of question q is in memory;
    None when some gold passage is not in the corpus at all.
    """

    by: SplitBy
    seed: int
    parts: tuple[tuple[int, ...], ...]
    answerable: tuple[int | None, ...]

    def questions_of(self, number: int) -> list[int]:
        """Questions that become answerable with part `number` (1-based)."""
        return [q for q, part in enumerate(self.answerable) if part == number]

    def answerable_by(self, number: int) -> list[int]:
        """Questions answerable once parts 1..number are in memory."""
        return [q for q, part in enumerate(self.answerable) if part is not None and part <= number]

    def part_of(self) -> dict[int, int]:
        """Corpus index → the part (1-based) that adds it."""
        return {i: n for n, indices in enumerate(self.parts, 1) for i in indices}


def split(dataset: Dataset, k: int, by: SplitBy = "passages", seed: int = 0) -> Stream:
    """K parts of the corpus: a seeded shuffle cut in K, or the passages of K disjoint question groups."""
    if not 1 <= k <= len(dataset.corpus):
        raise InvalidInput(f"--stream needs 1 ≤ K ≤ {len(dataset.corpus)} (the corpus size), not {k}")
    parts = by_passages(len(dataset.corpus), k, seed) if by == "passages" else by_questions(dataset, k, seed)
    return Stream(by, seed, parts, answerable_parts(dataset, parts))


def chunks(items: Sequence[T], k: int) -> list[list[T]]:
    """K contiguous pieces whose lengths differ by at most one (the first ones longer)."""
    size, extra = divmod(len(items), k)
    out, start = [], 0
    for n in range(k):
        end = start + size + (1 if n < extra else 0)
        out.append(list(items[start:end]))
        start = end
    return out


def by_passages(count: int, k: int, seed: int) -> tuple[tuple[int, ...], ...]:
    order = list(range(count))
    random.Random(seed).shuffle(order)
    return tuple(tuple(piece) for piece in chunks(order, k))


def by_questions(dataset: Dataset, k: int, seed: int) -> tuple[tuple[int, ...], ...]:
    """Part n holds the paragraphs (gold and distractors) of the n-th group of a seeded question order;
    a paragraph shared by questions goes to the first part that needs it. Corpus entries no question
    lists are dealt out over the parts in seeded order, so the parts stay comparable in size."""
    index = corpus_index(dataset)
    order = list(range(len(dataset.questions)))
    random.Random(seed).shuffle(order)
    seen: set[int] = set()
    parts: list[list[int]] = []
    for group in chunks(order, k):
        part = []
        for q in group:
            for text in dataset.questions[q].context or sorted(dataset.questions[q].gold):
                i = index.get(text)
                if i is not None and i not in seen:
                    seen.add(i)
                    part.append(i)
        parts.append(part)
    rest = [i for i in range(len(dataset.corpus)) if i not in seen]
    random.Random(seed + 1).shuffle(rest)
    for part, extra in zip(parts, chunks(rest, k), strict=True):
        part.extend(extra)
    return tuple(tuple(part) for part in parts)


def corpus_index(dataset: Dataset) -> dict[str, int]:
    """Passage text ("title\\ntext") → its first corpus index."""
    index: dict[str, int] = {}
    for i, (title, text) in enumerate(dataset.corpus):
        index.setdefault(passage_text(title, text), i)
    return index


def answerable_parts(dataset: Dataset, parts: Sequence[Sequence[int]]) -> tuple[int | None, ...]:
    index = corpus_index(dataset)
    part_of = {i: n for n, indices in enumerate(parts, 1) for i in indices}
    out: list[int | None] = []
    for question in dataset.questions:
        found = [part_of.get(index.get(text, -1)) for text in question.gold]
        known = [n for n in found if n is not None]
        out.append(max(known) if known and len(known) == len(found) else None)
    return tuple(out)
