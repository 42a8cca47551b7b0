"""`memrag snapshot`: a consistent copy of a data directory, or of one namespace of it, as one tar archive.

Qdrant Edge 0.9 (qdrant-edge-py) restores Qdrant's own shard snapshots (`EdgeShard.unpack_snapshot`,
`update_from_snapshot`) but cannot take one: only a Qdrant server makes them. So the shards are
copied as files, and the copy is consistent by two rules:
- Each namespace's store is copied while this process holds its owner lock, the lock its one
  writer holds while the store is open (`qdrant_edge.EdgeStore`): nothing writes it meanwhile. The
  last writer flushed it when it closed; what a killed writer had not flushed is in the shard's
  write-ahead log, copied with it and replayed when the restored store is loaded, and the
  leftovers of its interrupted write are swept by the writer that opens the restored store. A
  store open in a process refuses the snapshot rather than copying half of a write.
- SQLite files are copied through SQLite's backup API (consistent even while another process
  writes them: a worker's caches), before any store: the applied-log positions in the archive are
  never ahead of their store (were one behind, the restored applier re-applies entries, which
  changes nothing: writes are idempotent).
"""

from __future__ import annotations

import io
import os
import sqlite3
import tarfile
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, closing
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from memrag.memory.storage.process_lock import hold_exclusive
from memrag.memory.storage.snapshot_format import MANIFEST, Manifest, SnapshotError, SnapshotFile, member_name
from memrag.memory.storage.snapshot_sparse import add_file
from memrag.memory.validation import check_namespace

NAMESPACES = "namespaces"  # one Qdrant Edge store per namespace (memory/wiring.py)
POSITIONS = "log-positions"  # each applier's log positions and per-document order (ingest/applied_log.py)
ORDER_DB = "order.sqlite"
DERIVED = ("cache/onnx",)  # the embedding model's export, made again on first use: left out
_SKIPPED_SUFFIXES = (".lock", ".tmp", "-journal", "-wal", "-shm")  # locks, half-written files, SQLite's sidecars
_SQLITE_MAGIC = b"SQLite format 3\x00"
GZIP_LEVEL = 1


@dataclass(frozen=True)
class _Source:
    """A file to archive: its path in the data directory and where its bytes are read (a staged copy for SQLite)."""

    path: str
    disk: Path


def write_snapshot(data_dir: Path, out: Path, namespace: str | None = None) -> Manifest:
    """Archive `data_dir` (or its namespace `namespace`: its store and log position only) to `out`,
    a new file, written whole or not at all. Raises SnapshotError (what to do) or StorageError
    (a store open in another process)."""
    if not data_dir.is_dir():
        raise SnapshotError(f"no data directory at {data_dir}: give the --data-dir the store was written in")
    out = _fresh_output(out, data_dir)
    names = _namespaces(data_dir, namespace)
    with ExitStack() as held:
        for name in names:
            held.enter_context(closing(_lock(data_dir, name)))
        staging = Path(held.enter_context(tempfile.TemporaryDirectory(dir=out.parent, prefix=".memrag-snapshot-")))
        sqlite_sources, stores = _collect(data_dir, staging, namespace, names)
        positions = _positions(staging, sqlite_sources)
        return _write_archive(
            [*sqlite_sources, *stores], out, lambda files: Manifest(_now(), namespace, tuple(names), positions, files)
        )


def _fresh_output(out: Path, data_dir: Path) -> Path:
    out = out.absolute()
    if out.exists() or out.is_symlink():
        raise SnapshotError(f"{out} exists: a snapshot never overwrites a file; choose a new name")
    if not out.parent.is_dir():
        raise SnapshotError(f"no folder {out.parent} to write the snapshot in: create it first")
    if out.resolve().is_relative_to(data_dir.resolve()):
        raise SnapshotError("the snapshot would be written inside the data directory it copies: write it elsewhere")
    return out


def _namespaces(data_dir: Path, namespace: str | None) -> list[str]:
    root = data_dir / NAMESPACES
    if namespace is None:
        return sorted(p.name for p in root.iterdir() if p.is_dir() and not p.is_symlink()) if root.is_dir() else []
    check_namespace(namespace)
    if not (root / namespace).is_dir():
        raise SnapshotError(f"the data directory holds no namespace {namespace!r}: check --namespace")
    return [namespace]


def _lock(data_dir: Path, namespace: str) -> IO[str]:
    return hold_exclusive(
        data_dir / NAMESPACES / namespace / "owner.lock",
        f"namespace {namespace!r} is open in another process (memrag serve, or memrag worker --apply): a snapshot "
        "copies a store nothing is writing; stop that process for the snapshot, or snapshot a stopped replica's "
        "data directory",
    )


def _collect(
    data_dir: Path, staging: Path, namespace: str | None, locked: list[str]
) -> tuple[list[_Source], list[_Source]]:
    """SQLite files (staged through the backup API) and the other files: the `locked` namespaces'
    stores (a namespace made since they were listed is not taken) and plain files."""
    if namespace is None:
        paths = sorted(_walk(data_dir, "", (NAMESPACES, *DERIVED)))
    else:
        positions = [f"{POSITIONS}/{ORDER_DB}", f"{POSITIONS}/{namespace}"]
        paths = [p for p in positions if (data_dir / p).is_file()]
    for name in locked:
        paths += sorted(_walk(data_dir / NAMESPACES / name, f"{NAMESPACES}/{name}/", ()))
    sqlite_sources: list[_Source] = []
    others: list[_Source] = []
    for path in paths:
        if _is_sqlite(data_dir / path):
            staged = staging / f"{len(sqlite_sources)}.sqlite"
            _backup(data_dir / path, staged, namespace if path.startswith(f"{POSITIONS}/") else None, path)
            sqlite_sources.append(_Source(path, staged))
        else:
            others.append(_Source(path, data_dir / path))
    return sqlite_sources, others


def _walk(folder: Path, prefix: str, left_out: tuple[str, ...]) -> Iterator[str]:
    """Paths (relative to the data directory) of the files under `folder` but those `left_out`; a link or
    special file refuses the snapshot."""
    for entry in sorted(os.scandir(folder), key=lambda e: e.name):
        path = prefix + entry.name
        if path in left_out or entry.name.endswith(_SKIPPED_SUFFIXES):
            continue
        if entry.is_symlink() or not (entry.is_dir() or entry.is_file()):
            raise SnapshotError(
                f"the data directory holds {path!r}, which is not a plain file or folder: a snapshot copies plain "
                "files only; move it out of the data directory"
            )
        if entry.is_dir():
            yield from _walk(Path(entry.path), path + "/", left_out)
        else:
            yield path


def _is_sqlite(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(len(_SQLITE_MAGIC)) == _SQLITE_MAGIC


def _backup(source: Path, staged: Path, only_namespace: str | None, path: str) -> None:
    """A consistent copy of a SQLite file; with `only_namespace`, rows of other namespaces removed."""
    try:
        with closing(sqlite3.connect(str(source), timeout=30)) as src, closing(sqlite3.connect(str(staged))) as dst:
            src.backup(dst)
            if only_namespace is not None:
                tables = [r[0] for r in dst.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
                with dst:
                    for table in tables:
                        columns = [r[1] for r in dst.execute(f'PRAGMA table_info("{table}")')]
                        if "namespace" in columns:
                            dst.execute(f'DELETE FROM "{table}" WHERE namespace != ?', (only_namespace,))
                dst.execute("VACUUM")
    except sqlite3.Error as exc:
        raise SnapshotError(f"cannot copy {path!r} of the data directory (SQLite: {exc}): try again") from exc


def _positions(staging: Path, sqlite_sources: list[_Source]) -> dict[str, str]:
    """namespace → last applied log entry, as the archived order database holds them (none: {})."""
    for source in sqlite_sources:
        if source.path == f"{POSITIONS}/{ORDER_DB}":
            with closing(sqlite3.connect(str(source.disk))) as db:
                try:
                    return {str(n): str(e) for n, e in db.execute("SELECT namespace, entry FROM position")}
                except sqlite3.Error:
                    return {}
    return {}


def _write_archive(
    sources: list[_Source], out: Path, describe: Callable[[tuple[SnapshotFile, ...]], Manifest]
) -> Manifest:
    """Write the files, then their manifest (`describe(files)`), to `out`: through a hidden partial
    file, synced and renamed once complete, so `out` is a whole archive or nothing."""
    fd, name = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".partial")
    partial = Path(name)
    try:
        with os.fdopen(fd, "wb") as handle:
            with _tar_writer(handle, out) as tar:
                manifest = describe(tuple(_add(tar, source) for source in sources))
                body = manifest.to_json()
                info = tarfile.TarInfo(MANIFEST)
                info.size, info.mode, info.mtime = len(body), 0o600, int(time.time())
                tar.addfile(info, io.BytesIO(body))
            handle.flush()
            os.fsync(handle.fileno())
        os.link(partial, out)  # unlike a rename, never replaces a file someone made there meanwhile
    except FileExistsError:
        raise SnapshotError(f"{out} appeared while the snapshot was written: choose a new name") from None
    finally:
        partial.unlink(missing_ok=True)
    return manifest


def _tar_writer(handle: IO[bytes], out: Path) -> tarfile.TarFile:
    """A plain tar; gzip-compressed (fastest level) when `out` is named .tar.gz or .tgz. Edge's files are
    sparse (mostly holes), which tar stores as zeros: compressed, they take next to nothing."""
    if out.name.endswith((".tar.gz", ".tgz")):
        return tarfile.open(fileobj=handle, mode="w:gz", format=tarfile.PAX_FORMAT, compresslevel=GZIP_LEVEL)
    return tarfile.open(fileobj=handle, mode="w", format=tarfile.PAX_FORMAT)


def _add(tar: tarfile.TarFile, source: _Source) -> SnapshotFile:
    size, digest = add_file(tar, member_name(source.path), source.disk)
    return SnapshotFile(source.path, size, digest)


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
