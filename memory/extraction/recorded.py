"""HippoRAG OpenIE results files (v1 and v2 layouts) as recorded extractions; no LLM needed."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from memrag.memory.errors import InvalidInput
from memrag.memory.types import Extraction, Triple


@dataclass(frozen=True)
class ImportReport:
    passages: int
    triples: int
    dropped_rows: int  # triples that were not three strings, passages without text


def load_openie_file(path: Path) -> tuple[dict[str, Extraction], ImportReport]:
    """Map passage text → extraction from `{docs: [{passage, extracted_entities, extracted_triples}]}`."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise InvalidInput(f"cannot read OpenIE file {path}: {exc}; pass a HippoRAG openie_*.json") from exc
    docs = data.get("docs") if isinstance(data, dict) else None
    if not isinstance(docs, list):
        raise InvalidInput(f"{path} has no 'docs' list; pass a HippoRAG OpenIE results file")
    extractions: dict[str, Extraction] = {}
    dropped = triples = 0
    for row in docs:
        passage = row.get("passage") if isinstance(row, dict) else None
        if not isinstance(passage, str) or not passage.strip():
            dropped += 1
            continue
        kept, bad = _triples(row.get("extracted_triples"))
        entities = tuple(e for e in row.get("extracted_entities") or [] if isinstance(e, str))
        extractions[passage] = Extraction(entities, kept)
        triples += len(kept)
        dropped += bad
    return extractions, ImportReport(len(extractions), triples, dropped)


def _triples(rows: object) -> tuple[tuple[Triple, ...], int]:
    if not isinstance(rows, list):
        return (), 1 if rows is not None else 0
    kept = [Triple(*row) for row in rows if _is_triple(row)]
    return tuple(kept), len(rows) - len(kept)


def _is_triple(row: object) -> bool:
    return isinstance(row, list | tuple) and len(row) == 3 and all(isinstance(x, str) for x in row)


class RecordedExtractor:
    """An Extractor answering from recorded results; unknown passages get no triples (counted)."""

    def __init__(self, recorded: dict[str, Extraction]) -> None:
        self._recorded = recorded
        self.missing = 0

    @property
    def name(self) -> str:
        return "recorded"

    def extract(self, passages: Sequence[str]) -> list[Extraction]:
        out = []
        for text in passages:
            found = self._recorded.get(text)
            if found is None:
                self.missing += 1
                found = Extraction((), ())
            out.append(found)
        return out


class NoExtractor:
    """No OpenIE: passages get no facts, so retrieval takes the (visible) dense fallback."""

    @property
    def name(self) -> str:
        return "none"

    def extract(self, passages: Sequence[str]) -> list[Extraction]:
        return [Extraction((), ()) for _ in passages]
