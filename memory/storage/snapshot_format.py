"""The snapshot archive's format: a plain tar of `data/<path>` files and a `manifest.json` naming each.

The manifest says what the archive is (`format`, `version`), what it holds (every file's path
under the data directory, size and SHA-256) and, for information, each namespace's applied-log
position. Restoring trusts nothing else in the archive: a member the manifest does not list, a
name outside `data/`, anything but a regular file, a size or checksum that differs is refused
(`snapshot_restore.py`).
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import PurePosixPath
from typing import Any

from memrag.memory.errors import InvalidInput
from memrag.memory.validation import InvalidValue, check_namespace

FORMAT = "memrag-snapshot"
VERSION = 1
MANIFEST = "manifest.json"
DATA = "data"
_SHA256 = re.compile(r"[0-9a-f]{64}")
_ENTRY = re.compile(r"[0-9]{1,20}-[0-9]{1,20}")  # a Redis stream entry id
_MAX_NAME = 1024  # characters in a file's path inside the data directory


class SnapshotError(InvalidInput):
    """An archive that is not a memrag snapshot this version can restore, or a snapshot that cannot be taken."""


@dataclass(frozen=True)
class SnapshotFile:
    """One file of the data directory: its path there (POSIX, relative), size in bytes and SHA-256 (hex)."""

    path: str
    size: int
    sha256: str


@dataclass(frozen=True)
class Manifest:
    """What a snapshot holds. `namespace`: the one namespace taken (None: the whole data directory);
    `positions`: namespace → the last log entry its writer had applied (what a restored applier resumes after)."""

    created: str
    namespace: str | None
    namespaces: tuple[str, ...]
    positions: dict[str, str]
    files: tuple[SnapshotFile, ...]
    format: str = FORMAT
    version: int = VERSION
    total_bytes: int = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "total_bytes", sum(f.size for f in self.files))

    def to_json(self) -> bytes:
        body = asdict(self)
        del body["total_bytes"]
        return json.dumps(body, indent=1, sort_keys=True).encode()


def member_name(path: str) -> str:
    """The archive member that holds data-directory file `path`."""
    return f"{DATA}/{path}"


def check_relative(path: str, what: str) -> str:
    """`path` if it is a plain relative POSIX path (no '..', '.', empty part, backslash or NUL)."""
    parts = path.split("/")
    if (
        not path
        or len(path) > _MAX_NAME
        or path.startswith("/")
        or "\\" in path
        or "\x00" in path
        or any(p in ("", ".", "..") for p in parts)
    ):
        raise SnapshotError(f"{what} {path[:200]!r} is not a plain relative path: refused (the archive is not safe)")
    return str(PurePosixPath(path))


def parse_manifest(raw: bytes) -> Manifest:
    """The manifest of an archive, checked: its format and version first, then every entry."""
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise SnapshotError(
            "the snapshot's manifest is not JSON: the archive is damaged or not a memrag snapshot"
        ) from None
    if not isinstance(body, dict) or body.get("format") != FORMAT:
        raise SnapshotError("this archive is not a memrag snapshot (its manifest names no memrag-snapshot format)")
    if body.get("version") != VERSION:
        raise SnapshotError(
            f"snapshot format version {str(body.get('version'))[:20]!r} is not one this memrag restores "
            f"(it restores version {VERSION}): restore it with the memrag version that took it"
        )
    try:
        return Manifest(
            created=str(body["created"])[:40],
            namespace=None if body["namespace"] is None else _namespace(body["namespace"]),
            namespaces=tuple(_namespace(n) for n in body["namespaces"]),
            positions={_namespace(k): _entry(v) for k, v in dict(body["positions"]).items()},
            files=tuple(_file(entry) for entry in body["files"]),
        )
    except (KeyError, TypeError, ValueError, AttributeError, InvalidValue):
        raise SnapshotError(
            "the snapshot's manifest lacks a field or has one of the wrong kind: not restorable"
        ) from None


def _namespace(value: Any) -> str:
    """A namespace the manifest names (printed, and a folder name): held to the rules of every namespace."""
    return check_namespace(value)


def _entry(value: Any) -> str:
    if not isinstance(value, str) or not _ENTRY.fullmatch(value):
        raise ValueError("not a stream entry id")
    return value


def _file(entry: Any) -> SnapshotFile:
    path = check_relative(str(entry["path"]), "a file the manifest lists,")
    size, digest = entry["size"], str(entry["sha256"])
    if not isinstance(size, int) or isinstance(size, bool) or size < 0 or not _SHA256.fullmatch(digest):
        raise SnapshotError(f"the manifest's entry for {path!r} has no valid size or SHA-256: not restorable")
    return SnapshotFile(path, size, digest)
