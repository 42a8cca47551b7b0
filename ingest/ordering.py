"""Per-document order: writes are numbered when they are submitted, and an older one never wins.

Every add, update and delete is numbered at submission: one number per job from a counter of
its namespace (`INCR memrag:seq:{ns}` with Redis, a counter of the process in embedded mode),
which holds for each document of the job. Retries, takeovers and parallel workers can bring a
job's log entry to the writer after a newer job's; the writer remembers, per document, the
number of the last write it applied, and skips a write older than that (counted on its job as
superseded, not failed). A delete is remembered the same way — a numbered tombstone — so a late
add of an older version cannot bring the document back.

A remembered number is needed only while an older write of the document can still arrive: it is
forgotten once the namespace's low-water mark is above it — the lowest number of any job that
may still write (with Redis, the lowest of `memrag:pending:{ns}` when the entry was logged; in
embedded mode, the lowest of the jobs still queued). So the map holds the documents of the writes
in flight, not of the whole namespace.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

Applied = tuple[int, bool]  # (the write's number, whether it was a delete)


@dataclass
class DocumentOrder:
    """The last applied write of each document of one namespace, above the low-water mark `low`."""

    last: dict[str, Applied] = field(default_factory=dict)
    low: int = 0

    def split(self, doc_ids: Iterable[str], seq: int | None) -> tuple[list[str], list[str]]:
        """(admitted, superseded) for a write numbered `seq` of these documents. A write is admitted
        unless a newer one of its document was applied; the same number again is the same write
        re-applied (after a crash), admitted. An unnumbered write (logged by a version of memrag
        before numbering) is admitted and never remembered."""
        admitted: list[str] = []
        superseded: list[str] = []
        for doc_id in doc_ids:
            last = self.last.get(doc_id)
            (superseded if seq is not None and last is not None and seq < last[0] else admitted).append(doc_id)
        return admitted, superseded

    def written(self, doc_ids: Sequence[str], seq: int | None, deleted: bool) -> dict[str, Applied]:
        """What applying this write adds to the map (nothing for an unnumbered write)."""
        return {} if seq is None else dict.fromkeys(doc_ids, (seq, deleted))

    def update(self, changes: dict[str, Applied], low: int | None) -> None:
        """Remember applied writes, then forget every one below the (raised) low-water mark."""
        self.last.update(changes)
        if low is not None and low > self.low:
            self.low = low
            self.last = {d: a for d, a in self.last.items() if a[0] >= low}

    @property
    def tombstones(self) -> int:
        """Deletes still remembered (an older add of their document may yet arrive)."""
        return sum(1 for _, deleted in self.last.values() if deleted)
