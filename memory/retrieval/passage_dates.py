"""Dates written in a passage (pure): when someone was born or died, when something first happened.

Reads the forms encyclopaedic text uses: "14 October 1888", "October 14, 1888", "March 1950",
"1888", and a life written "(6 August 1889 – 12 March 1957)" or "(born 3 May 1953)" or "(d. 1803)".
A date is kept as precise as it is written (`When`: year, and month and day when given), and two
dates compare at the precision both have ("1888" and "14 October 1888" are a tie, never an order).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_MONTHS = tuple(
    [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ]
)
_NAMES = "|".join([m.capitalize() for m in _MONTHS] + [m[:3].capitalize() for m in _MONTHS])
_MONTH = r"(?P<m{n}>" + _NAMES + r")\.?"
_BC = r"\s*B\.?C\.?(?:E\.?)?(?![A-Za-z])"
# not "1540 BC", nor the first year of "1550–1504 BC"
_YEAR = r"(?P<y{n}>1[0-9]{{3}}|20[0-9]{{2}})(?![0-9])(?!" + _BC + r")(?!\s*[–—-]\s*[0-9]{{1,4}}" + _BC + ")"


def _date_pattern(n: int) -> str:
    """One date in any of its written forms; group names carry `n` so two can share one pattern."""
    month, year = _MONTH.format(n=n), _YEAR.format(n=n)
    day_first = rf"(?:(?P<a{n}>[0-3]?[0-9])\s+)?{month}\s+"
    month_first = rf"{_MONTH.format(n=f'{n}b')}\s+(?P<b{n}>[0-3]?[0-9]),?\s+"
    return rf"(?<![0-9])(?:{day_first}|{month_first})?{year}"


_ONE = re.compile(_date_pattern(0))
_SPAN = re.compile(_date_pattern(1) + r"[^()0-9]{0,40}?\s*[–—-]\s*(?:[a-z.]+\s+)?" + _date_pattern(2))
_BORN = re.compile(r"\b(?:born|b\.)\s+(?:on\s+|in\s+)?[^.;()]{0,30}?" + _date_pattern(3))
_DIED = re.compile(r"\b(?:died|d\.)\s+(?:on\s+|in\s+)?[^.;()]{0,30}?" + _date_pattern(4))


@dataclass(frozen=True, order=True)
class When:
    """A calendar date as precise as written: month and day 0 when not given."""

    year: int
    month: int = 0
    day: int = 0

    def before(self, other: When) -> bool | None:
        """Whether this date is earlier than `other`; None when they tie at the precision both have."""
        for mine, theirs in ((self.year, other.year), (self.month, other.month), (self.day, other.day)):
            if mine == 0 or theirs == 0:
                return None
            if mine != theirs:
                return mine < theirs
        return None


def _when(match: re.Match[str], n: int) -> When:
    groups = match.groupdict()
    month_name = groups.get(f"m{n}") or groups.get(f"m{n}b")
    day = groups.get(f"a{n}") or groups.get(f"b{n}")
    month = _month(month_name)
    return When(int(groups[f"y{n}"]), month, int(day) if day and month else 0)


def _month(name: str | None) -> int:
    if not name:
        return 0
    short = name.lower()[:3]
    return next(i for i, m in enumerate(_MONTHS, 1) if m.startswith(short))


def first_date(text: str) -> When | None:
    """The first date written in the text (what a film's, a band's or a building's passage opens with)."""
    found = _ONE.search(text)
    return _when(found, 0) if found else None


def birth_date(text: str) -> When | None:
    """When the passage's subject was born: "born …", else the start of a life span "(… – …)", else
    the first date of the passage."""
    born = _BORN.search(text)
    if born:
        return _when(born, 3)
    life = _SPAN.search(text)
    if life:
        return _when(life, 1)
    first, died = _ONE.search(text), _DIED.search(text)
    if first is None or (died is not None and died.start() <= first.start() < died.end()):
        return None  # the passage's first date is a death ("(d. 1803)")
    return _when(first, 0)


def death_date(text: str) -> When | None:
    """When the passage's subject died: the end of a life span "(… – …)", else "died …"/"d. …"; None
    when the passage says neither."""
    life = _SPAN.search(text)
    if life:
        return _when(life, 2)
    died = _DIED.search(text)
    return _when(died, 4) if died else None


def lifespan_days(text: str) -> int | None:
    """Roughly how many days the passage's subject lived (a year counted 365.25 days, a month 30.4);
    None without both a birth and a death date."""
    born, died = birth_date(text), death_date(text)
    if born is None or died is None:
        return None
    return round((died.year - born.year) * 365.25 + (died.month - born.month) * 30.4 + (died.day - born.day))
