"""Passages cut into sentences with their spans (spaCy named entities and noun chunks), for the offline reader.

The spaCy pipeline is the offline extractor's (`shared_pipeline`: one copy per process). Parsed
passages are kept in a bounded LRU cache keyed by passage id (a passage's text never changes
under its id), so a passage asked about again is not parsed again and memory stays bounded.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

from memrag.memory.extraction.offline import MODEL, PIPELINE_LOCK, shared_pipeline, split_title
from memrag.memory.retrieval.short_answer import NOUN_CHUNK, ParsedSentence, Span
from memrag.memory.types import Hit

_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_MARK = re.compile(r"\[(\d+)\]")
_LINE_MARK = re.compile(r"^(?:#+|[-*•])\s+")  # a Markdown heading's hashes, a list item's bullet
_ARTICLES = ("the ", "a ", "an ")


def sentences_of(text: str) -> list[str]:
    """A passage's sentences (its title line left out; each line holds its own, so a Markdown heading or a
    list item is never glued to the next sentence), without a document's own "[n]" markers or a line's
    heading/bullet mark."""
    lines = split_title(text)[1].splitlines()
    cleaned = (_LINE_MARK.sub("", _MARK.sub("", s).strip()) for line in lines for s in _SENTENCE.split(line))
    return [s for s in cleaned if s]


class SentenceSpans:
    """Parses passages into `ParsedSentence`s; at most `capacity` passages kept parsed."""

    def __init__(self, load: Callable[[], Any] = lambda: shared_pipeline(MODEL), capacity: int = 2048) -> None:
        self._load = load
        self._capacity = capacity
        self._parsed: OrderedDict[str, tuple[ParsedSentence, ...]] = OrderedDict()
        self._lock = threading.Lock()  # one parse at a time: the pipeline is shared and not thread-safe

    def parse(self, hits: Sequence[Hit]) -> list[tuple[ParsedSentence, ...]]:
        """Each hit's sentences with their spans, in the hits' order."""
        with self._lock:
            missing = [h for h in {h.passage_id: h for h in hits}.values() if h.passage_id not in self._parsed]
            if missing:
                self._parse_into_cache(missing)
            found = [self._parsed[h.passage_id] for h in hits]
            for hit in hits:
                self._parsed.move_to_end(hit.passage_id)
            while len(self._parsed) > self._capacity:
                self._parsed.popitem(last=False)
            return found

    def _parse_into_cache(self, hits: Sequence[Hit]) -> None:
        nlp = self._load()
        texts = [sentences_of(h.text) for h in hits]
        with PIPELINE_LOCK:  # the extractor may be parsing with the same pipeline in another thread
            docs = iter(list(nlp.pipe([s for sentences in texts for s in sentences], batch_size=64)))
        for hit, sentences in zip(hits, texts, strict=True):
            self._parsed[hit.passage_id] = tuple(_parsed(text, next(docs)) for text in sentences)


def _parsed(text: str, doc: Any) -> ParsedSentence:
    entities = [Span(_without_article(e.text), str(e.label_)) for e in doc.ents]
    chunks = [Span(_without_article(c.text), NOUN_CHUNK) for c in doc.noun_chunks if c.root.pos_ != "PRON"]
    return ParsedSentence(text, tuple(s for s in entities + chunks if s.text))


def _without_article(text: str) -> str:
    """The phrase without a leading article or a trailing possessive ("the Hall's" → "Hall")."""
    stripped = text.strip().removesuffix("'s").removesuffix("’s").strip()
    lowered = stripped.lower()
    for article in _ARTICLES:
        if lowered.startswith(article):
            return stripped[len(article) :].strip()
    return stripped
