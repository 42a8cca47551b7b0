"""A small persistent JSON cache in SQLite (LLM results keyed by model, prompt version and content)."""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path


class SqliteJsonCache:
    """get/put of JSON values by string key; ":memory:" when no path is given."""

    def __init__(self, path: Path | None) -> None:
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(":memory:" if path is None else str(path), check_same_thread=False)
        self._db.execute("CREATE TABLE IF NOT EXISTS entry (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        self._lock = threading.Lock()

    def get(self, key: str) -> object | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM entry WHERE key = ?", (key,)).fetchone()
        value: object = json.loads(row[0]) if row else None
        return value

    def put(self, key: str, value: object) -> None:
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO entry VALUES (?, ?)", (key, json.dumps(value)))
            self._db.commit()

    def close(self) -> None:
        with self._lock:
            self._db.close()
