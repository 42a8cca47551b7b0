"""Comparison questions (pure): the two things a question compares, and what it compares them by.

Two shapes: a choice ("Which film came out first, X or Y?", "Was X or Y born first?", "Who is older,
X or Y?"), answered with X or Y; and a sameness check ("Are X and Y of the same nationality?", "Did
the movies X and Y originate from the same country?"), answered yes or no. What is compared: a date
(birth, death, the first date of the passage), a life's length, or a country / nationality; "the
director of" a film moves the comparison to each film's director.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum


class Measure(Enum):
    BIRTH = "birth"  # when born ("born first", "older")
    DEATH = "death"  # when died ("died later")
    FIRST_DATE = "first date"  # the passage's first date (released, founded, formed, published)
    LIFESPAN = "lifespan"  # how long lived ("lived longer")
    COUNTRY = "country"  # nationality, country of origin or location (sameness checks)
    ATTRIBUTE = "attribute"  # "Are X and Y both magazines?": what both passages must say they are


@dataclass(frozen=True)
class Comparison:
    """Two candidates as the question writes them; for a choice, `earliest` says whether the smaller
    measure wins (born first, older) or the larger (born later, younger, lived longer)."""

    first: str
    second: str
    measure: Measure
    choice: bool  # True: answer with a candidate; False: answer yes (same) or no
    earliest: bool = True
    via_director: bool = False  # compare each film's director, not the film
    attribute: str = ""  # ATTRIBUTE: the words both must have ("" when the question runs the second name into
    # them, "Were both X and Y actors?": `second` holds "Y actors", split where a passage's title ends)


_EARLY = r"first|earlier|earliest|older|oldest|sooner|before"
_LATE = r"later|latest|last|younger|youngest|more recent\.?l?y|most recent(?:ly)?|recent\.?y|after"
_WHICH = re.compile(rf"\b(?P<early>{_EARLY})\b|\b(?P<late>{_LATE})\b|\blived longer\b", re.IGNORECASE)
_OR = re.compile(r",?\s+or\s+", re.IGNORECASE)
_AFTER_WORD = re.compile(r"(?:\s+[a-z][^,:?]*?)?\s*[,:]\s*|\s+")  # "than the other, " / ", " / ": " / " "
_OPENING = re.compile(r"^(?:was|is|were|did|does|do|are)\s+|^[^,:]*[,:]\s*", re.IGNORECASE)
_TRAIL = re.compile(r"\s*,?\s+(?:was|were|is|born|died|came|released|founded|formed|fought|published)\b.*$", re.I)
_SAME = re.compile(
    r"^(?:are|is|was|were|did|do|does)\s+(?:both\s+)?(?:the\s+)?(?:(?:movies|films|directors of films|people)\s*,?\s+)?"
    r"(?P<a>.+?)\s+and\s+(?P<b>.+?),?\s+(?:both\s+)?(?:from|share|located|of|originate|have|born|come)\b.*\bsame\s+"
    r"(?P<what>country|nationality)\b",
    re.IGNORECASE,
)
_BOTH = re.compile(r"^(?:are|were|is|was)\s+(?P<both>both\s+)?(?P<a>.+?)\s+and\s+(?P<rest>.+?)[\s?.-]*$", re.IGNORECASE)
_ARTICLE = re.compile(r"^(?:the|a|an)\s+")  # lower case: "the Salmita Mine"; "The Lady" is a title


# The longest comparison question of the three shared sets has 144 characters; above this bound a
# question is not read (the patterns' nested lazy groups grow with the cube of the length).
MAX_COMPARISON_CHARS = 300


def parse_comparison(question: str) -> Comparison | None:
    """The comparison a question asks for, or None when it asks for none this module reads."""
    text = " ".join(question.split())
    if len(text) > MAX_COMPARISON_CHARS:
        return None
    same = _SAME.search(text)
    if same:
        via = bool(re.search(r"\bdirectors?\b", text, re.IGNORECASE))
        return Comparison(_clean(same["a"]), _clean(same["b"]), Measure.COUNTRY, False, via_director=via)
    return _choice(text) or _both(text)


def _both(text: str) -> Comparison | None:
    """ "Are X and Y both magazines?" / "Were both X and Y actors?": yes when both passages say so."""
    found = _BOTH.match(text)
    if found is None or " same " in f" {text.lower()} ":
        return None  # "Were both X and Y born in the same place?" asks what this module does not read
    if found["both"] is None and " both " not in f" {found['rest']} ":
        return None
    if found["both"] is not None:
        return Comparison(_clean(found["a"]), found["rest"], Measure.ATTRIBUTE, False)
    second, _, attribute = found["rest"].partition(" both ")
    return Comparison(_clean(found["a"]), _clean(second), Measure.ATTRIBUTE, False, attribute=attribute)


def _choice(text: str) -> Comparison | None:
    if re.match(r"(?:what|when|how|where|why)\b", text, re.IGNORECASE):
        return None  # "What is the year of the event which occurred first, X or Y?" asks for neither
    which = next((m for m in _WHICH.finditer(text) if m.group(0)[0].islower()), None)  # "The Last Coupon" is a title
    split = _OR.search(text)
    if which is None or split is None:
        return None
    if which.end() <= split.start():  # "Who was born first, X or Y?"
        after = _AFTER_WORD.match(text, which.end())
        first = text[after.end() if after else which.end() : split.start()]
    else:  # "Was X or Y born first?", "Which battle, X, or Y, was fought first?"
        opening = _OPENING.search(text[: split.start()])
        first = text[opening.end() if opening else 0 : split.start()]
    first, second = _clean(first), _clean(_TRAIL.sub("", text[split.end() :].rstrip(" ?")))
    if not first or not second:
        return None
    lowered = text.lower()
    via = bool(re.search(r"\bdirector\b", lowered))
    if "lived longer" in lowered:
        return Comparison(first, second, Measure.LIFESPAN, True, earliest=False, via_director=via)
    earliest = which["early"] is not None
    if re.search(r"\b(died|death)\b", lowered):
        measure = Measure.DEATH
    elif re.search(r"\b(born|older|oldest|younger|youngest)\b", lowered) and (via or _is_person_question(lowered)):
        measure = Measure.BIRTH
    else:
        measure = Measure.FIRST_DATE
    return Comparison(first, second, measure, True, earliest=earliest, via_director=via)


def _is_person_question(lowered: str) -> bool:
    """ "Who is older", "Was X or Y born first": people, compared by birth (a university "older" is not born)."""
    return lowered.startswith(("who", "was", "were")) or " born " in f" {lowered} "


def _clean(candidate: str) -> str:
    """The candidate without quotes, a lower-case leading article or trailing punctuation (not "!")."""
    stripped = candidate.strip().strip("\"'“”‘’").strip(" ,.:;")
    return _ARTICLE.sub("", stripped).strip("\"'“”‘’ ")
