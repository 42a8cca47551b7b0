"""Reading JSON out of LLM replies (pure): fences, prose around it, truncated output, wrong shapes.

Never `eval`: the reply is parsed with `json`, and a reply cut off mid-way is closed at the
last complete element. Rows of the wrong shape are dropped and counted by the callers.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass

from memrag.memory.types import Triple

_FENCE = re.compile(r"```(?:json|JSON)?\s*(.*?)(?:```|$)", re.S)


def extract_json(reply: str) -> object | None:
    """The first JSON object or array in the reply; a truncated one is closed where it last was whole."""
    for candidate in _candidates(reply):
        start = _first_bracket(candidate)
        if start < 0:
            continue
        try:
            value: object = json.JSONDecoder().raw_decode(candidate[start:])[0]
            return value
        except json.JSONDecodeError:
            repaired = _close_truncated(candidate[start:])
            if repaired is not None:
                return repaired
    return None


@dataclass(frozen=True)
class Parsed:
    """Rows that had the expected shape, and how many did not."""

    entities: tuple[str, ...] = ()
    triples: tuple[Triple, ...] = ()
    dropped: int = 0
    unreadable: bool = False  # no JSON found at all


def parse_entities(reply: str) -> Parsed:
    """`{"named_entities": [str, ...]}` (or a bare list) → distinct non-empty names."""
    value = extract_json(reply)
    rows = value.get("named_entities") if isinstance(value, dict) else value
    if not isinstance(rows, list):
        return Parsed(unreadable=True)
    names = [r.strip() for r in rows if isinstance(r, str) and r.strip()]
    return Parsed(entities=tuple(dict.fromkeys(names)), dropped=len(rows) - len(names))


def parse_triples(reply: str, key: str = "triples") -> Parsed:
    """`{key: [[s, p, o], ...]}` (or a bare list) → triples of three non-empty strings."""
    value = extract_json(reply)
    rows = value.get(key) if isinstance(value, dict) else value
    if not isinstance(rows, list):
        return Parsed(unreadable=True)
    kept = [
        Triple(*(x.strip() for x in row))
        for row in rows
        if isinstance(row, list) and len(row) == 3 and all(isinstance(x, str) and x.strip() for x in row)
    ]
    return Parsed(triples=tuple(dict.fromkeys(kept)), dropped=len(rows) - len(kept))


def _candidates(reply: str) -> list[str]:
    fenced = [m.group(1) for m in _FENCE.finditer(reply)]
    return [*fenced, reply]


def _first_bracket(text: str) -> int:
    positions = [p for p in (text.find("{"), text.find("[")) if p >= 0]
    return min(positions) if positions else -1


def _structure(text: str) -> Iterator[tuple[int, str]]:
    """Positions and characters of JSON punctuation outside strings."""
    in_string = escaped = False
    for i, ch in enumerate(text):
        if in_string:
            escaped = ch == "\\" and not escaped
            in_string = not (ch == '"' and not escaped)
        elif ch == '"':
            in_string = True
        elif ch in "{}[],":
            yield i, ch


def _close_truncated(text: str) -> object | None:
    """Cut after the last complete value inside the open containers and close them."""
    stack: list[str] = []
    last_whole: tuple[int, list[str]] | None = None
    for i, ch in _structure(text):
        if ch in "{[":
            stack.append("}" if ch == "{" else "]")
            continue
        if ch == "," and stack:
            last_whole = (i, list(stack))
            continue
        if not stack:
            return None  # a closer with nothing open, or a complete value json could not read
        stack.pop()
        if not stack:
            return None
        last_whole = (i + 1, list(stack))
    if last_whole is None:
        return None
    end, still_open = last_whole
    try:
        closed: object = json.loads(text[:end] + "".join(reversed(still_open)))
    except json.JSONDecodeError:
        return None
    return closed
