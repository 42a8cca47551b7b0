"""Question and passage words as the offline reader compares them (pure): stop words dropped, crude stems."""

from __future__ import annotations

import functools
import re

_WORD = re.compile(r"\w+")
STEM_LETTERS = 6  # words compared by their first letters: "designed" and "designer" meet, "France" and "French" do not
_STOP_WORDS = (
    "a about after all also an and any are as at be been before being between both but by can could did do does "
    "during each for from had has have he her him his how i if in into is it its many more most much no not of on "
    "once one only or other our out over she so some such than that the their them then there these they this those "
    "through to under until up us was we were what when where which while who whom whose why will with would you "
    "your name named called known kind part same"
)
STOP = frozenset(_STOP_WORDS.split(" "))


_SUFFIXES = ("ing", "ed", "es", "er", "s")


@functools.lru_cache(maxsize=1 << 15)  # words recur across passages and answers; ~3 MB when full
def stem(word: str) -> str:
    """A crude stem: one common suffix off ("stands" → "stand"), then the first letters."""
    lowered = word.lower()
    for suffix in _SUFFIXES:
        if lowered.endswith(suffix) and len(lowered) - len(suffix) >= 4:
            lowered = lowered[: -len(suffix)]
            break
    return lowered[:STEM_LETTERS]


def content_stems(text: str) -> frozenset[str]:
    """The stems of a text's words that carry content (no stop words, no one- or two-letter words but numbers)."""
    return frozenset(stem(w) for w in _WORD.findall(text) if w.lower() not in STOP and (len(w) > 2 or w.isdigit()))


# The same passages come back answer after answer (abstention reads every retrieved one whole): their
# stems are memoised by text, as many passages as the reader keeps parsed (`SentenceSpans`).
@functools.lru_cache(maxsize=2048)
def all_stems(text: str) -> frozenset[str]:
    """The stems of every word of a text."""
    return frozenset(stem(w) for w in _WORD.findall(text))
