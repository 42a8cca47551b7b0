"""Answers to comparison questions (pure): the candidate the passages support, or yes / no.

"Which film came out first, X or Y?": X's and Y's passages (found among the retrieved ones by their
titles) are read for the dates compared, and the candidate whose date wins is the answer, cited
with the sentence that holds its date. "… the director of …" goes one step further: each film's
passage names its director ("directed by Z"), whose passage gives the date. "Are X and Y of the same
nationality?" compares the nationality (or, for places, the country) each passage states.
Nothing is guessed: when a candidate's passage or date is missing, or the dates tie, there is no
comparison answer and the reader answers as for any other question.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from memrag.memory.retrieval.comparison_question import Comparison, Measure, parse_comparison
from memrag.memory.retrieval.passage_dates import When, birth_date, death_date, first_date, lifespan_days
from memrag.memory.retrieval.short_answer import ParsedSentence, ShortAnswer
from memrag.memory.retrieval.terms import all_stems, content_stems

_WORD = re.compile(r"\w+")
_DIRECTED = re.compile(
    r"\bdirected\s+(?:and\s+\w+\s+)?by\s+(?P<name>[A-Z][\w.'-]*(?:\s+(?:[A-Z][\w.'-]*|de|van|von|da|di|del|la|le))*)"
)
_DISAMBIGUATION = re.compile(r"\s*\([^)]*\)\s*$")  # "The Lady (magazine)": what the title adds to the name
_MIN_TITLE_OVERLAP = 0.6  # share of words a candidate and a passage title must have in common (Jaccard)
_MEASURES: dict[Measure, Callable[[str], When | int | None]] = {
    Measure.BIRTH: birth_date,
    Measure.DEATH: death_date,
    Measure.FIRST_DATE: first_date,
    Measure.LIFESPAN: lifespan_days,
}


@dataclass(frozen=True)
class TitledPassage:
    """A retrieved passage as the comparison reads it: its title, its sentences (with their spans)."""

    title: str
    sentences: tuple[ParsedSentence, ...]

    @property
    def body(self) -> str:
        return " ".join(s.text for s in self.sentences)


def answer_comparison(question: str, passages: Sequence[TitledPassage]) -> ShortAnswer | None:
    """The comparison answer (passage numbers from 1, in the order given), or None when the question
    compares nothing or the passages do not decide it."""
    comparison = parse_comparison(question)
    if comparison is None:
        return None
    if comparison.measure is Measure.ATTRIBUTE:
        return _both_are(comparison, passages)
    found = [
        _subject_passage(name, passages, comparison.via_director) for name in (comparison.first, comparison.second)
    ]
    if found[0] is None or found[1] is None or found[0] == found[1]:
        return None
    if comparison.measure is Measure.COUNTRY:
        return _same_country(comparison, passages, found[0], found[1], question)
    return _choose(comparison, passages, found[0], found[1])


def find_passage(name: str, passages: Sequence[TitledPassage]) -> int | None:
    """The index of the passage whose title is `name` (case, punctuation and a leading article aside, and
    the title's bracketed disambiguation when the name has none), else the one whose title shares the
    most words with it, at least `_MIN_TITLE_OVERLAP`."""
    best = _best_title(name, passages)
    return None if best is None or best[0] < _MIN_TITLE_OVERLAP else best[1]


def _best_title(name: str, passages: Sequence[TitledPassage]) -> tuple[float, int] | None:
    """(word overlap, index) of the passage whose title best matches `name` (the first on ties)."""
    wanted = _words(name)
    best: tuple[float, int] | None = None
    for index, passage in enumerate(passages):
        title = _words(passage.title if "(" in name else _DISAMBIGUATION.sub("", passage.title))
        if not wanted or not title:
            continue
        overlap = len(wanted & title) / len(wanted | title)
        if best is None or overlap > best[0]:
            best = (overlap, index)
    return best


def director_of(passage: TitledPassage) -> str | None:
    """The name after "directed by" in a film's passage, None when it names no director."""
    found = _DIRECTED.search(passage.body)
    return found["name"].rstrip(".") if found else None


def _subject_passage(name: str, passages: Sequence[TitledPassage], via_director: bool) -> int | None:
    """The passage about the candidate, or with `via_director` about the candidate film's director."""
    index = find_passage(name, passages)
    if index is None or not via_director:
        return index
    director = director_of(passages[index])
    return None if director is None else find_passage(director, passages)


def _choose(comparison: Comparison, passages: Sequence[TitledPassage], first: int, second: int) -> ShortAnswer | None:
    measure = _MEASURES[comparison.measure]
    values = measure(passages[first].body), measure(passages[second].body)
    if values[0] is None or values[1] is None:
        return None
    first_smaller = _smaller(values[0], values[1])
    if first_smaller is None:
        return None
    first_wins = first_smaller == comparison.earliest
    name, index = (comparison.first, first) if first_wins else (comparison.second, second)
    return ShortAnswer(name, _support(passages[index], values[0] if first_wins else values[1]), index + 1, 1.0)


def _smaller(one: When | int, other: When | int) -> bool | None:
    """Whether `one` is smaller than `other` (dates: earlier, at the precision both have); None on a tie."""
    if isinstance(one, When) and isinstance(other, When):
        return one.before(other)
    if isinstance(one, int) and isinstance(other, int) and one != other:
        return one < other
    return None


def _support(passage: TitledPassage, value: When | int) -> str:
    """The sentence of the passage that holds the compared date (its first sentence for a life's length)."""
    year = str(value.year) if isinstance(value, When) else ""
    return next((s.text for s in passage.sentences if year and year in s.text), passage.sentences[0].text)


def _same_country(
    comparison: Comparison, passages: Sequence[TitledPassage], first: int, second: int, question: str
) -> ShortAnswer | None:
    located = bool(re.search(r"\blocated\b", question, re.IGNORECASE))
    countries = country_of(passages[first], located), country_of(passages[second], located)
    if countries[0] is None or countries[1] is None:
        return None
    same = countries[0] == countries[1]
    return ShortAnswer("yes" if same else "no", passages[first].sentences[0].text, first + 1, 1.0)


def country_of(passage: TitledPassage, located: bool) -> str | None:
    """The nationality a passage states first (a NORP span: "a 1935 British film", "an English writer"),
    or for a place (`located`) the last country of its first sentence ("a village in …, Iran"),
    lower case and without a second nationality ("Austrian-American" → "austrian")."""
    if not passage.sentences:
        return None
    opening = passage.sentences[0].spans
    places = [s.text for s in opening if s.label == "GPE"]
    peoples = [s.text for s in passage.sentences[0].spans if s.label == "NORP"]
    if located and places:
        return places[-1].lower()
    chosen = peoples[0] if peoples else (places[-1] if places else None)
    return None if chosen is None else re.split(r"[-–\s]", chosen.lower())[0]


def _both_are(comparison: Comparison, passages: Sequence[TitledPassage]) -> ShortAnswer | None:
    """Yes when both candidates' passages say, in their first two sentences, every word of the attribute;
    no when one does not; None without both passages."""
    second, attribute = comparison.second, comparison.attribute
    if not attribute:
        second, attribute = split_name(second, passages)
    wanted = content_stems(attribute)
    first_at, second_at = find_passage(comparison.first, passages), find_passage(second, passages)
    if first_at is None or second_at is None or first_at == second_at or not wanted:
        return None
    if not passages[first_at].sentences or not passages[second_at].sentences:
        return None  # a passage with no sentence ("[1]") says nothing either way
    lacking = [i for i in (first_at, second_at) if not all(_said(w, _opening_stems(passages[i])) for w in wanted)]
    shown = lacking[0] if lacking else first_at
    return ShortAnswer("no" if lacking else "yes", passages[shown].sentences[0].text, shown + 1, 1.0)


def split_name(words: str, passages: Sequence[TitledPassage]) -> tuple[str, str]:
    """ "Fred Niblo actors" → ("Fred Niblo", "actors"): the leading words that best match a passage's title
    (the fewest on ties), and the rest; ("", words) when no title shares a word with them."""
    parts = words.split()
    scored = [(_best_title(" ".join(parts[:k]), passages), k) for k in range(1, len(parts))]
    best = max(((found[0], -k) for found, k in scored if found is not None), default=(0.0, 0))
    if best[0] <= 0.0:
        return "", words
    return " ".join(parts[: -best[1]]), " ".join(parts[-best[1] :])


def _said(stem: str, present: frozenset[str]) -> bool:
    """A stem is said when present, or when a present stem of 4+ letters starts it or starts with it: the
    crude stems cut "players" to "player" but "player" to "play"."""
    return stem in present or any(
        min(len(p), len(stem)) >= 4 and (p.startswith(stem) or stem.startswith(p)) for p in present
    )


def _opening_stems(passage: TitledPassage) -> frozenset[str]:
    return all_stems(" ".join(s.text for s in passage.sentences[:2]))


def _words(text: str) -> set[str]:
    words = [w.lower() for w in _WORD.findall(text)]
    return set(words[1:] if words[:1] == ["the"] else words)
