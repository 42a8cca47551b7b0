"""What one applier has applied of each namespace's log, kept beside the store it writes.

Per namespace: the position (the last log entry applied), the low-water mark and the per-document
order (`ordering.py`), in one SQLite file (`log-positions/order.sqlite`) and saved in one
transaction after each entry. The store is flushed before that save; a crash between the two
re-applies the entry with the order as it was before it, which decides the same way again
(applying an admitted write twice changes nothing: content-hash ids). The position is also
written to `log-positions/{ns}` (plain text, atomic rename) for operators and scripts; the SQLite
copy is the one read back. A folder holding only such files (an older memrag) is taken up.
"""

from __future__ import annotations

import os
from pathlib import Path

from memrag.ingest.ordering import Applied, DocumentOrder
from memrag.memory.storage.sqlite import SqliteFile

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS position (namespace TEXT PRIMARY KEY, entry TEXT NOT NULL, low INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS applied (namespace TEXT NOT NULL, doc_id TEXT NOT NULL, seq INTEGER NOT NULL,"
    " deleted INTEGER NOT NULL, PRIMARY KEY (namespace, doc_id))",
)
START = "0-0"  # before the first entry of a stream


class AppliedLog:
    """Positions and document order of one applier (one data directory), cached in memory after the first read."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self._folder = folder
        self._db = SqliteFile(folder / "order.sqlite", _SCHEMA)
        self._positions: dict[str, str] = {}
        self._orders: dict[str, DocumentOrder] = {}

    def position(self, namespace: str) -> str:
        if namespace not in self._positions:
            self._load(namespace)
        return self._positions[namespace]

    def order(self, namespace: str) -> DocumentOrder:
        """The namespace's order as of its position; changed only through `save`."""
        if namespace not in self._orders:
            self._load(namespace)
        return self._orders[namespace]

    def _load(self, namespace: str) -> None:
        rows = self._db.read("SELECT entry, low FROM position WHERE namespace = ?", (namespace,))
        legacy = self._folder / namespace
        if rows:
            entry, low = str(rows[0][0]), int(rows[0][1])
        else:
            entry, low = (legacy.read_text().strip() if legacy.exists() else START), 0
        applied = self._db.read("SELECT doc_id, seq, deleted FROM applied WHERE namespace = ?", (namespace,))
        self._positions[namespace] = entry
        self._orders[namespace] = DocumentOrder({str(d): (int(s), bool(x)) for d, s, x in applied}, low)

    def save(self, namespace: str, entry_id: str, changes: dict[str, Applied], low: int | None) -> None:
        """Entry `entry_id` is applied (the store flushed): its writes and the low-water mark it carried
        are saved with the position, together; then the plain-text copy of the position."""
        order = self.order(namespace)
        kept_low = max(order.low, low if low is not None else 0)
        self._db.write_all(
            [
                ("INSERT OR REPLACE INTO position VALUES (?, ?, ?)", [(namespace, entry_id, kept_low)]),
                (
                    "INSERT OR REPLACE INTO applied VALUES (?, ?, ?, ?)",
                    [(namespace, d, seq, int(deleted)) for d, (seq, deleted) in changes.items()],
                ),
                ("DELETE FROM applied WHERE namespace = ? AND seq < ?", [(namespace, kept_low)]),
            ]
        )
        order.update(changes, kept_low)
        self._positions[namespace] = entry_id
        path = self._folder / namespace
        tmp = path.with_suffix(".tmp")
        tmp.write_text(entry_id)
        os.replace(tmp, path)

    def close(self) -> None:
        self._db.close()
