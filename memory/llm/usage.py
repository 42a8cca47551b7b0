"""What a piece of work cost: LLM calls, prompt and completion tokens, embedding seconds.

`Usage` is a frozen sum that adds up (per call, per passage, per document, per job, per answer);
`UsageMeter` is the accumulator a caller hands down to the calls it pays for, so that each job or
answer collects its own figures with no process-wide state. Tokens are the endpoint's own
(`usage` in its reply) wherever it gives them; where it gives none (a streamed reply) they are
counted here with `approximate_tokens` and marked so in `counted_tokens`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, fields

CHARS_PER_TOKEN = 4.0  # English text in BPE tokenizers of chat models runs at about 4 characters a token


@dataclass(frozen=True)
class Usage:
    """Cost of some work; `counted_tokens` of the tokens were counted here (an approximation),
    the rest reported by the endpoint. `embed_seconds` is time spent inside the embedder."""

    llm_calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    counted_tokens: int = 0
    embed_seconds: float = 0.0

    def __add__(self, other: Usage) -> Usage:
        return Usage(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(Usage)))

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def as_dict(self) -> dict[str, float]:
        return {k: round(v, 6) if isinstance(v, float) else v for k, v in asdict(self).items()}

    @staticmethod
    def of_dict(data: object) -> Usage:
        """From `as_dict` output (missing keys zero); anything but a dict is zero usage."""
        if not isinstance(data, dict):
            return Usage()

        def whole(key: str) -> int:
            return int(data.get(key) or 0)

        return Usage(
            whole("llm_calls"),
            whole("prompt_tokens"),
            whole("completion_tokens"),
            whole("counted_tokens"),
            float(data.get("embed_seconds") or 0.0),
        )


def total(usages: Sequence[Usage]) -> Usage:
    return sum(usages, Usage())


class UsageMeter:
    """A thread-safe running total; pass one down to the calls a job or an answer pays for."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._total = Usage()

    def add(self, usage: Usage) -> None:
        with self._lock:
            self._total = self._total + usage

    @property
    def total(self) -> Usage:
        with self._lock:
            return self._total


def approximate_tokens(text: str) -> int:
    """Tokens of a text as a chat model's tokenizer would roughly count them (characters ÷ 4)."""
    return round(len(text) / CHARS_PER_TOKEN) if text else 0


def prompt_tokens(messages: Sequence[dict[str, str]], count_tokens: Callable[[str], int]) -> int:
    """Tokens of a request's messages: their contents counted one by one (roles and framing left out)."""
    return sum(count_tokens(m.get("content", "")) for m in messages)
