"""A small persistent JSON cache in SQLite (LLM results keyed by model, prompt version and content)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from memrag.memory.storage.sqlite import SqliteFile


class SqliteJsonCache:
    """get/put of JSON values by string key; ":memory:" when no path is given."""

    def __init__(self, path: Path | None) -> None:
        self._db = SqliteFile(path, ["CREATE TABLE IF NOT EXISTS entry (key TEXT PRIMARY KEY, value TEXT NOT NULL)"])

    def get(self, key: str) -> object | None:
        rows = self._db.read("SELECT value FROM entry WHERE key = ?", (key,))
        value: object = json.loads(rows[0][0]) if rows else None
        return value

    def put(self, key: str, value: object) -> None:
        self._db.write("INSERT OR REPLACE INTO entry VALUES (?, ?)", (key, json.dumps(value)))

    def put_many(self, items: Iterable[tuple[str, object]]) -> None:
        """Store several values in one transaction (one commit, not one per value)."""
        self._db.write_many("INSERT OR REPLACE INTO entry VALUES (?, ?)", ((k, json.dumps(v)) for k, v in items))

    def close(self) -> None:
        self._db.close()
