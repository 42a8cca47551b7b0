"""Long passages parsed in pieces, so that the parser's memory stays bounded whatever a document's length.

spaCy holds a whole text's parse at once (and refuses texts over its `max_length`, 1,000,000 characters);
a whole-document passage can be 5,000,000. Each body is cut into pieces of at most `MAX_PIECE_CHARS`
at paragraph breaks, else sentence ends, else spaces; each piece is parsed and extracted on its own,
under the passage's title, and the pieces' extractions are merged back in order (pure). Pieces are
parsed in batches of at most `BATCH_CHARS`, since the parser's memory grows with a batch's length.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from memrag.memory.types import Extraction, Triple

MAX_PIECE_CHARS = 20_000  # ~4,000 words, far below spaCy's limit
BATCH_CHARS = 40_000  # characters parsed together: the parser's working memory grows with a batch's tokens
_BREAKS = ("\n\n", "\n", ". ", "? ", "! ", "; ", " ")


def cut(text: str, limit: int = MAX_PIECE_CHARS) -> list[str]:
    """Consecutive pieces of at most `limit` characters that join back to `text`, cut at the latest
    paragraph break (else sentence end, else space) before the limit; mid-word only if a stretch has none."""
    pieces = []
    while len(text) > limit:
        end = _break_before(text, limit)
        pieces.append(text[:end])
        text = text[end:]
    pieces.append(text)
    return pieces


def _break_before(text: str, limit: int) -> int:
    for mark in _BREAKS:
        at = text.rfind(mark, limit // 2, limit)  # never a piece under half the limit
        if at != -1:
            return at + len(mark)
    return limit


@dataclass(frozen=True)
class Pieces:
    """The pieces of many passage bodies, in order; `owners[i]` is the passage piece i belongs to."""

    texts: tuple[str, ...]
    owners: tuple[int, ...]
    count: int  # passages

    @classmethod
    def of(cls, bodies: Sequence[str], limit: int = MAX_PIECE_CHARS) -> Pieces:
        texts: list[str] = []
        owners: list[int] = []
        for owner, body in enumerate(bodies):
            for piece in cut(body, limit):
                texts.append(piece)
                owners.append(owner)
        return cls(tuple(texts), tuple(owners), len(bodies))

    def batches(self, budget: int = BATCH_CHARS) -> Iterator[tuple[str, ...]]:
        """The pieces in order, grouped so that a group holds at most `budget` characters (or one piece)."""
        group: list[str] = []
        size = 0
        for text in self.texts:
            if group and size + len(text) > budget:
                yield tuple(group)
                group, size = [], 0
            group.append(text)
            size += len(text)
        if group:
            yield tuple(group)

    def merge(self, extractions: Sequence[Extraction]) -> list[Extraction]:
        """One extraction per passage: its pieces' entities (sorted, once) and triples (in order, once)."""
        entities: list[dict[str, None]] = [{} for _ in range(self.count)]
        triples: list[dict[Triple, None]] = [{} for _ in range(self.count)]
        for owner, found in zip(self.owners, extractions, strict=True):
            entities[owner].update(dict.fromkeys(found.entities))
            triples[owner].update(dict.fromkeys(found.triples))
        return [Extraction(tuple(sorted(names)), tuple(facts)) for names, facts in zip(entities, triples, strict=True)]
