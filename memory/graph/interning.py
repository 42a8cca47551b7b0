"""Record ids interned as dense integers, at ~40 bytes an id instead of a dict of str (~170 bytes).

Ids are kept packed in one byte buffer: a content-hash id (`entity-` + 32 hex digits, see
`memory/ids.py`) as a tag byte and its 16 raw bytes, any other string as UTF-8. They are found
again through 64-bit keys (a slice of the hash, or a BLAKE2b digest of other strings) held in a
sorted numpy array plus a small dict of recent additions, merged when the dict grows; a key
may be shared by several ids (a collision), so every candidate is checked against the id itself.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator

import numpy as np

from memrag.memory.graph.growable import Growable

_PREFIXES = ("", "entity", "passage", "fact", "doc")  # tag byte → prefix; 0: plain UTF-8
_TAGS = {prefix: tag for tag, prefix in enumerate(_PREFIXES) if prefix}


def pack(record_id: str) -> bytes:
    """The compact form of an id: 17 bytes for a content-hash id (`prefix-` + 32 lower-case hex)."""
    prefix, _, digits = record_id.partition("-")
    tag = _TAGS.get(prefix)
    if tag is not None and len(digits) == 32:
        try:
            raw = bytes.fromhex(digits)
        except ValueError:
            raw = b""
        if raw.hex() == digits:  # not upper-case or spaced hex, which would not come back as given
            return bytes([tag]) + raw
    return b"\x00" + record_id.encode("utf-8")


def unpack(packed: bytes) -> str:
    tag = packed[0]
    if tag == 0:
        return packed[1:].decode("utf-8")
    return f"{_PREFIXES[tag]}-{packed[1:].hex()}"


def key_of(packed: bytes) -> int:
    """A 64-bit lookup key (signed): bytes of the hash itself, or a digest of a plain id."""
    digest = packed[1:9] if packed[0] else hashlib.blake2b(packed, digest_size=8).digest()
    return int.from_bytes(digest, "little", signed=True)


class KeyIndex:
    """64-bit keys → values (ints ≥ 0), several values per key allowed: a sorted array of keys
    with their values, plus recent additions in a dict, merged in when it passes `merge_at`."""

    def __init__(self, merge_at: int = 65_536) -> None:
        self._merge_at = merge_at
        self._keys = np.zeros(0, dtype=np.int64)
        self._values = np.zeros(0, dtype=np.int32)
        self._recent: dict[int, list[int]] = {}

    def candidates(self, key: int) -> Iterator[int]:
        """The values stored under `key`, recent ones first (lazily: a caller may stop at the first)."""
        yield from self._recent.get(key, ())
        keys = self._keys
        if len(keys) == 0:
            return
        start = int(keys.searchsorted(key))
        while start < len(keys) and keys[start] == key:
            yield int(self._values[start])
            start += 1

    def add(self, key: int, value: int) -> None:
        self._recent.setdefault(key, []).append(value)
        if len(self._recent) >= self._merge_at:
            self._merge()

    def _merge(self) -> None:
        pairs = [(k, v) for k, values in self._recent.items() for v in values]
        keys = np.fromiter((k for k, _ in pairs), dtype=np.int64, count=len(pairs))
        values = np.fromiter((v for _, v in pairs), dtype=np.int32, count=len(pairs))
        order = np.argsort(keys, kind="stable")
        at = np.searchsorted(self._keys, keys[order])  # one pass over the sorted array, no full re-sort
        self._keys, self._values = np.insert(self._keys, at, keys[order]), np.insert(self._values, at, values[order])
        self._recent = {}


class IdTable:
    """Ids ↔ dense indices 0, 1, 2, … in order of first addition; an id is never removed."""

    def __init__(self, merge_at: int = 65_536) -> None:
        self._blob = bytearray()
        self._ends = Growable(np.int64)
        self._index = KeyIndex(merge_at)

    def __len__(self) -> int:
        return len(self._ends)

    def find(self, record_id: str) -> int | None:
        packed = pack(record_id)
        return self._find_packed(packed, key_of(packed))

    def add(self, record_id: str) -> int:
        """The id's index, given the next one if it is new."""
        packed = pack(record_id)
        key = key_of(packed)
        found = self._find_packed(packed, key)
        if found is not None:
            return found
        self._blob += packed
        index = self._ends.append(len(self._blob))
        self._index.add(key, index)
        return index

    def name(self, index: int) -> str:
        return unpack(self._packed(index))

    def _packed(self, index: int) -> bytes:
        ends = self._ends.view()
        start = int(ends[index - 1]) if index else 0
        return bytes(self._blob[start : int(ends[index])])

    def _find_packed(self, packed: bytes, key: int) -> int | None:
        for index in self._index.candidates(key):
            if self._packed(index) == packed:
                return index
        return None


class PointIndex:
    """Vector-store point ids (UUID strings) → node indices, without keeping the UUIDs: a
    candidate is confirmed by recomputing its point id with `point_of`."""

    def __init__(self, point_of: Callable[[int], str | None]) -> None:
        self._point_of = point_of
        self._index = KeyIndex()

    def add(self, point: str, node: int) -> None:
        key = _point_key(point)
        if key is not None and node not in self._index.candidates(key):
            self._index.add(key, node)

    def find(self, point: str) -> int | None:
        key = _point_key(point)
        if key is None:
            return None
        for node in self._index.candidates(key):
            if self._point_of(node) == point:
                return node
        return None


def _point_key(point: str) -> int | None:
    """The UUID's first 64 bits as a signed int; None for a string that is not a UUID."""
    digits = point[:8] + point[9:13] + point[14:18]
    try:
        return int.from_bytes(bytes.fromhex(digits), "little", signed=True) if len(digits) == 16 else None
    except ValueError:
        return None
