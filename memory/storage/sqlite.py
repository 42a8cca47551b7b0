"""One SQLite file shared by a process's threads: created with its folder and tables, each call under one lock.

A failure of the file itself (disk full, I/O error, locked) is a StorageError naming the file's
role, never its path; the SQLite error is its cause.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from memrag.memory.errors import StorageError

Row = tuple[Any, ...]


class SqliteFile:
    """A connection to `path` (":memory:" when None); each write is committed (or rolled back) under the lock."""

    def __init__(self, path: Path | None, schema: Sequence[str]) -> None:
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        self._role = "in memory" if path is None else path.name
        self._lock = threading.Lock()
        with self._failures():
            self._db = sqlite3.connect(":memory:" if path is None else str(path), check_same_thread=False)
        with self._failures(), self._lock, self._db:
            for statement in schema:
                self._db.execute(statement)

    def read(self, sql: str, params: Sequence[object] = ()) -> list[Row]:
        """All rows of a query."""
        with self._failures(), self._lock:
            return self._db.execute(sql, params).fetchall()

    def write(self, sql: str, params: Sequence[object] = ()) -> int:
        """Run one statement and commit; returns the number of rows it changed."""
        with self._failures(), self._lock, self._db:  # the connection commits, or rolls back on an error
            return self._db.execute(sql, params).rowcount

    def write_many(self, sql: str, rows: Iterable[Sequence[object]]) -> None:
        """Run one statement per row, committed together."""
        with self._failures(), self._lock, self._db:
            self._db.executemany(sql, rows)

    def write_all(self, steps: Sequence[tuple[str, Iterable[Sequence[object]]]]) -> None:
        """Run several statements, each once per row, committed together (all or none)."""
        with self._failures(), self._lock, self._db:
            for sql, rows in steps:
                self._db.executemany(sql, rows)

    @contextmanager
    def _failures(self) -> Iterator[None]:
        """SQLite's operational failures (disk full, I/O error, locked) as StorageError."""
        try:
            yield
        except sqlite3.OperationalError as exc:
            raise StorageError(
                f"local storage failed ({self._role}): the disk may be full or failing; try again later"
            ) from exc

    def close(self) -> None:
        with self._lock:
            self._db.close()
