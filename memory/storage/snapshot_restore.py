"""`memrag restore`: a snapshot archive unpacked into a new data directory, after everything in it checks out.

The archive (a plain or gzip-compressed tar) is read once, front to back, into a hidden folder beside
the target; the target appears (one rename) only when every member was a regular file with a
plain name under `data/`, within the size bounds, listed in the manifest with its size and
SHA-256, and nothing the manifest lists was missing. Anything else is refused with what was wrong,
and the hidden folder is removed: a target is a whole restore or untouched.
"""

from __future__ import annotations

import errno
import gzip
import os
import shutil
import tarfile
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import IO, cast

from memrag.memory.storage.snapshot_format import (
    DATA,
    MANIFEST,
    Manifest,
    SnapshotError,
    check_relative,
    parse_manifest,
)
from memrag.memory.storage.snapshot_sparse import restore_file

_GZIP_MAGIC = b"\x1f\x8b"
# ValueError: tarfile's own, for a number in a header it cannot read
_READ_FAILURES = (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile, ValueError)


@dataclass(frozen=True)
class RestoreLimits:
    """Bounds an archive must keep: files, bytes per file and in all, the manifest's size, and the free
    space left on the target's disk after the restore."""

    max_files: int = 200_000
    max_file_bytes: int = 256 << 30
    max_total_bytes: int = 2 << 40
    max_manifest_bytes: int = 64 << 20
    reserve_bytes: int = 64 << 20


@dataclass(frozen=True)
class _Written:
    size: int
    sha256: str


def restore_snapshot(archive: Path, target: Path, limits: RestoreLimits | None = None) -> Manifest:
    """Unpack `archive` into `target` (absent or an empty folder). Raises SnapshotError naming what is
    wrong with the target or the archive; the target is left as it was then."""
    target = target.absolute()
    _check_target(target)
    if not archive.is_file():
        raise SnapshotError(f"no snapshot file at {archive}: give the path `memrag snapshot --out` wrote")
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.restoring-"))
    try:
        manifest, written = _extract(archive, staging, limits or RestoreLimits())
        _verify(manifest, written)
        _put_in_place(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return manifest


def _check_target(target: Path) -> None:
    if target.is_symlink() or (target.exists() and not target.is_dir()):
        raise SnapshotError(f"{target} is not a folder: restore into a new or empty folder")
    if target.is_dir() and any(target.iterdir()):
        raise SnapshotError(
            f"{target} is not empty: restore into a new or empty folder (a restore never mixes a snapshot with "
            "other data)"
        )


def _put_in_place(staging: Path, target: Path) -> None:
    try:
        os.replace(staging, target)  # replaces only an absent target or an empty folder
    except OSError as exc:
        if exc.errno in (errno.ENOTEMPTY, errno.EEXIST, errno.ENOTDIR):
            raise SnapshotError(f"{target} was filled while the snapshot was restored: nothing was restored") from None
        raise


def _extract(archive: Path, staging: Path, limits: RestoreLimits) -> tuple[Manifest, dict[str, _Written]]:
    """Every member written under `staging` (checked as it comes), and the manifest at the end."""
    with archive.open("rb") as head:
        compressed = head.read(2) == _GZIP_MAGIC
    written: dict[str, _Written] = {}
    raw_manifest: bytes | None = None
    try:
        with tarfile.open(archive, "r:gz") if compressed else tarfile.open(archive, "r:") as tar:
            for member in tar:
                if raw_manifest is not None:
                    raise SnapshotError("the archive holds members after its manifest: not a snapshot memrag wrote")
                _check_member(member, len(written), limits)
                source = tar.extractfile(member)
                if source is None:  # a regular file always has a body; refuse rather than guess
                    raise SnapshotError(f"member {member.name[:200]!r} has no content: refused")
                if member.name == MANIFEST:
                    raw_manifest = source.read(member.size)
                else:
                    _take(source, member, staging, written, limits)
    except _READ_FAILURES as exc:
        raise SnapshotError(
            f"the archive cannot be read as a tar file ({type(exc).__name__}): it is truncated, damaged or "
            "not a memrag snapshot"
        ) from None
    if raw_manifest is None:
        raise SnapshotError("the archive has no manifest: it is truncated or not a memrag snapshot")
    return parse_manifest(raw_manifest), written


def _take(
    source: IO[bytes], member: tarfile.TarInfo, staging: Path, written: dict[str, _Written], limits: RestoreLimits
) -> None:
    """Write one data member under `staging`, within the bounds; recorded in `written` by its path."""
    path = _data_path(_real_name(member))
    if path in written:
        raise SnapshotError(f"the archive holds {path!r} twice: refused")
    if sum(w.size for w in written.values()) + member.size > limits.max_total_bytes:
        raise SnapshotError(f"the archive holds more than {limits.max_total_bytes} bytes: refused")
    stored = member.size if member.sparse is None else sum(n for _, n in cast(list[tuple[int, int]], member.sparse))
    _check_room(staging, stored, limits.reserve_bytes)
    written[path] = _write_file(source, member, staging, path)


def _real_name(member: tarfile.TarInfo) -> str:
    """A sparse member's own name (GNU tar's rule: tarfile lets a long name's `path` header win over it)."""
    return member.pax_headers.get("GNU.sparse.name", member.name) if member.sparse is not None else member.name


def _check_member(member: tarfile.TarInfo, files_so_far: int, limits: RestoreLimits) -> None:
    name = _real_name(member)[:200]
    if not member.isreg():
        kind = "link" if member.issym() or member.islnk() else "folder" if member.isdir() else "device or pipe"
        raise SnapshotError(f"member {name!r} is a {kind}: a snapshot holds regular files only; refused")
    if files_so_far >= limits.max_files:
        raise SnapshotError(f"the archive holds more than {limits.max_files} files: refused")
    bound = limits.max_manifest_bytes if member.name == MANIFEST else limits.max_file_bytes
    if member.size > bound:
        raise SnapshotError(f"member {name!r} is larger than {bound} bytes: refused")


def _data_path(name: str) -> str:
    """The data-directory path a member stands for; only `data/<plain relative path>` is accepted."""
    head, _, rest = name.partition("/")
    if head != DATA or not rest:
        raise SnapshotError(f"member {name[:200]!r} is outside the snapshot's data/ folder: refused")
    return check_relative(rest, "member")


def _check_room(staging: Path, size: int, reserve: int) -> None:
    free = shutil.disk_usage(staging).free
    if free - size < reserve:
        raise SnapshotError(
            f"the target's disk lacks room for the snapshot ({size} bytes more wanted, {free} free): free some space"
        )


def _write_file(source: IO[bytes], member: tarfile.TarInfo, staging: Path, path: str) -> _Written:
    """Copy the member's data to `staging/path`, a new file (holes left as holes, as the store wrote them)."""
    dest = staging / path
    if not dest.resolve().is_relative_to(staging.resolve()):  # `path` was checked; this is a second lock
        raise SnapshotError(f"member {path!r} would land outside the target: refused")
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    try:
        return _Written(member.size, restore_file(source, member, fd))
    except ValueError:
        raise SnapshotError(f"member {path!r} has a damaged sparse map: refused") from None
    finally:
        os.close(fd)


def _verify(manifest: Manifest, written: dict[str, _Written]) -> None:
    """Every file the manifest lists arrived, whole and unchanged; nothing else did."""
    listed = {f.path: f for f in manifest.files}
    for path in sorted(set(written) - set(listed)):
        raise SnapshotError(f"member {path!r} is not in the snapshot's manifest: refused")
    for path, expected in sorted(listed.items()):
        got = written.get(path)
        if got is None:
            raise SnapshotError(f"the archive lacks {path!r}, which its manifest lists: it is truncated or was altered")
        if got.size != expected.size or got.sha256 != expected.sha256:
            raise SnapshotError(
                f"checksum mismatch for {path!r}: the archive is damaged or was altered; take a new snapshot"
            )
