"""Sparse files in a snapshot archive: only their data is stored, their holes are recorded, not copied.

Qdrant Edge writes through memory-mapped files that are mostly holes (a one-document store is
~0.5 MB on disk and ~545 MB long), and tar would store every hole as zeros. A file with holes is
archived in GNU tar's sparse format 1.0 (PAX headers `GNU.sparse.*`, a map of data segments before
the data), which GNU tar and Python's tarfile read back as the whole file. The checksum of a file
is taken over its data segments, each preceded by its offset and length (`segment_digest`): the
holes are zeros by definition and the map says where they are.
"""

from __future__ import annotations

import errno
import hashlib
import io
import os
import posixpath
import tarfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import IO, cast

Segment = tuple[int, int]  # (offset, length) of a run of data in a file
_CHUNK = 1 << 20
_BLOCK = tarfile.BLOCKSIZE


class SegmentDigest:
    """The SHA-256 of a file's data segments, each preceded by "offset:length\\n" (both sides of an archive)."""

    def __init__(self) -> None:
        self._sha = hashlib.sha256()

    def segment(self, offset: int, length: int) -> None:
        self._sha.update(f"{offset}:{length}\n".encode())

    def data(self, chunk: bytes) -> None:
        self._sha.update(chunk)

    def hexdigest(self) -> str:
        return self._sha.hexdigest()


def data_segments(fd: int, size: int) -> list[Segment]:
    """Where file `fd` (of `size` bytes) holds data; [(0, size)] where the file system tells no holes."""
    segments: list[Segment] = []
    offset = 0
    while offset < size:
        try:
            start = os.lseek(fd, offset, os.SEEK_DATA)
        except OSError as exc:
            if exc.errno == errno.ENXIO:  # only a hole after `offset`
                break
            raise
        end = min(os.lseek(fd, start, os.SEEK_HOLE), size)
        segments.append((start, end - start))
        offset = end
    return segments


def add_file(tar: tarfile.TarFile, name: str, path: Path) -> tuple[int, str]:
    """Archive the file at `path` as member `name` (sparse when it has holes); returns its size and checksum."""
    with path.open("rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        segments = data_segments(handle.fileno(), size)
        digest = SegmentDigest()
        info = tarfile.TarInfo(name)
        info.mode, info.mtime = 0o600, int(time.time())
        prefix = b""
        if segments != [(0, size)] and size > 0:
            head, tail = posixpath.split(name)
            info.name = posixpath.join(
                head, "GNUSparseFile.0", tail
            )  # the name GNU tar gives; readers use the PAX name
            info.pax_headers = {
                "GNU.sparse.major": "1",
                "GNU.sparse.minor": "0",
                "GNU.sparse.name": name,
                "GNU.sparse.realsize": str(size),
            }
            prefix = _sparse_map(segments, size)
        info.size = len(prefix) + sum(length for _, length in segments)
        tar.addfile(info, _SegmentReader(handle, prefix, segments, digest))
    return size, digest.hexdigest()


def _sparse_map(segments: Sequence[Segment], size: int) -> bytes:
    """GNU sparse 1.0 map: the count, then offset and length of each segment (a last empty one at the end
    of the file when it ends in a hole), one number per line, padded to a whole tar block."""
    entries = [*segments, (size, 0)] if not segments or sum(segments[-1]) < size else list(segments)
    text = "".join(f"{n}\n" for n in [len(entries), *[v for entry in entries for v in entry]]).encode()
    return text + bytes(-len(text) % _BLOCK)


class _SegmentReader:
    """What tarfile copies for a member: the sparse map (if any), then each data segment, hashed on the way."""

    def __init__(self, handle: IO[bytes], prefix: bytes, segments: Sequence[Segment], digest: SegmentDigest) -> None:
        self._parts = io.BytesIO(prefix)
        self._handle, self._segments, self._digest = handle, list(segments), digest
        self._left = 0

    def read(self, size: int = -1) -> bytes:
        """Up to `size` bytes, fewer only at the end (tarfile's copy takes a short read for the end)."""
        wanted = size if size > 0 else _CHUNK
        parts = [self._parts.read(wanted)]
        got = len(parts[0])
        while got < wanted:
            chunk = self._next_data(wanted - got)
            if not chunk:
                break
            parts.append(chunk)
            got += len(chunk)
        return b"".join(parts)

    def _next_data(self, most: int) -> bytes:
        while self._left == 0 and self._segments:
            offset, self._left = self._segments.pop(0)
            self._handle.seek(offset)
            self._digest.segment(offset, self._left)
        if self._left == 0:
            return b""
        chunk = self._handle.read(min(self._left, most))
        if not chunk:
            raise OSError(errno.EIO, "a file of the data directory shrank while it was archived")
        self._left -= len(chunk)
        self._digest.data(chunk)
        return chunk


def restore_file(source: IO[bytes], member: tarfile.TarInfo, fd: int) -> str:
    """Write member's data segments to `fd` at their offsets (holes stay holes); returns the checksum.
    Raises ValueError when the member's sparse map is not ordered within the file."""
    segments: list[Segment] = [(0, member.size)] if member.size else []
    if member.sparse is not None:
        sparse = cast(list[Segment], member.sparse)  # typeshed types it as a list of int; tarfile makes pairs
        segments = [(o, n) for o, n in sparse if not (n == 0 and o == member.size)]  # less the end marker
    digest = SegmentDigest()
    end = 0
    for offset, length in segments:
        if offset < end or length < 0 or offset + length > member.size:
            raise ValueError("a sparse map out of order or beyond its file")
        digest.segment(offset, length)
        source.seek(offset)
        left = length
        while left:
            chunk = source.read(min(_CHUNK, left))
            if not chunk:
                raise EOFError("the archive ends inside a file")
            os.pwrite(fd, chunk, offset + length - left)
            digest.data(chunk)
            left -= len(chunk)
        end = offset + length
    os.ftruncate(fd, member.size)
    return digest.hexdigest()
