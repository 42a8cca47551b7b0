"""The embedded mode's journal: accepted jobs not yet finished, in SQLite, so a restart loses none.

A job is written here before its 202 goes out and removed when it ends (done or failed); each
slice applied is recorded with its result, so a process that opens the journal resumes what is
left under the same job ids, from the first slice not applied (a slice applied but not recorded,
cut by a crash, runs again and changes nothing: content-hash ids). A process that closes leaves
its unfinished jobs here instead of draining them.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import IO

from memrag.ingest.jobs import Job, JobKind, SliceResult, new_job, slice_from_json, slice_to_json
from memrag.memory.storage.process_lock import hold_exclusive
from memrag.memory.storage.sqlite import SqliteFile

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS pending (job_id TEXT PRIMARY KEY, namespace TEXT NOT NULL,"
    " kind TEXT NOT NULL, documents INTEGER NOT NULL, created REAL NOT NULL, payload BLOB NOT NULL)",
    "CREATE TABLE IF NOT EXISTS applied (job_id TEXT NOT NULL, slice INTEGER NOT NULL, result TEXT NOT NULL,"
    " PRIMARY KEY (job_id, slice))",
)


class JobJournal:
    """One process at a time runs a data directory's jobs: the journal is locked while open."""

    def __init__(self, path: Path | None) -> None:
        self._owner: IO[str] | None = None
        if path is not None:
            self._owner = hold_exclusive(
                path.with_suffix(".lock"),
                f"another process runs the jobs of {path.parent} (memrag serve or memrag ingest); "
                "send documents to it, or set MEMRAG_REDIS_URL to share the work through workers",
            )
        self._db = SqliteFile(path, _SCHEMA)

    def add(self, job: Job, payload: bytes) -> None:
        self._db.write(
            "INSERT OR REPLACE INTO pending VALUES (?, ?, ?, ?, ?, ?)",
            (job.id, job.namespace, job.kind, job.documents, job.created_at, payload),
        )

    def record_slice(self, job_id: str, slice_no: int, result: SliceResult) -> None:
        """Slice `slice_no` of the job is applied (written once the store holds it)."""
        self._db.write("INSERT OR REPLACE INTO applied VALUES (?, ?, ?)", (job_id, slice_no, slice_to_json(result)))

    def applied(self, job_id: str) -> dict[int, SliceResult]:
        """The slices of an unfinished job that a previous process applied, by number."""
        rows = self._db.read("SELECT slice, result FROM applied WHERE job_id = ?", (job_id,))
        return {int(n): slice_from_json(raw) for n, raw in rows}

    def finish(self, job_id: str) -> None:
        rows = [(job_id,)]
        self._db.write_all([(f"DELETE FROM {table} WHERE job_id = ?", rows) for table in ("pending", "applied")])

    def pending(self) -> list[tuple[Job, bytes]]:
        """Unfinished jobs in the order they were accepted, as new (queued) jobs with their ids."""
        rows = self._db.read(
            "SELECT job_id, namespace, kind, documents, created, payload FROM pending ORDER BY created, rowid"
        )
        found = []
        for job_id, namespace, kind, documents, created, payload in rows:
            job = replace(new_job(namespace, _kind(kind), int(documents)), id=job_id, created_at=float(created))
            found.append((job, bytes(payload)))
        return found

    def close(self) -> None:
        self._db.close()
        if self._owner is not None:
            self._owner.close()


def _kind(raw: str) -> JobKind:
    return "delete" if raw == "delete" else "add"
