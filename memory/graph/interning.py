"""Record ids interned as dense integers, at ~40 bytes an id instead of a dict of str (~170 bytes).

Ids are kept packed in one byte buffer: a content-hash id (`entity-` + 32 hex digits, see
`memory/ids.py`) as a tag byte and its 16 raw bytes, any other string as UTF-8. They are found
again through 64-bit keys (a slice of the hash, or a BLAKE2b digest of other strings) held in a
sorted numpy array plus a small dict of recent additions, merged when the dict grows; a key
may be shared by several ids (a collision), so every candidate is checked against the id itself.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence

import numpy as np

from memrag.memory.graph.growable import Growable

_PREFIXES = ("", "entity", "passage", "fact", "doc")  # tag byte → prefix; 0: plain UTF-8
_TAGS = {prefix: tag for tag, prefix in enumerate(_PREFIXES) if prefix}
_HASH_BYTES = 17  # a content-hash id packed: tag byte + 16 bytes
_FEW = 8  # fewer ids than this are unpacked one by one (cheaper than the vectorised set-up)
SHARED_KEY = -2  # `KeyIndex.lookup`: several values share the key, ask `candidates`


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


def unpack(packed: bytes | bytearray) -> str:
    tag = packed[0]
    if tag == 0:
        return packed[1:].decode("utf-8")
    return f"{_PREFIXES[tag]}-{packed[1:].hex()}"


def key_of(packed: bytes) -> int:
    """A 64-bit lookup key (signed): bytes of the hash itself, or a digest of a plain id."""
    digest = packed[1:9] if packed[0] else hashlib.blake2b(packed, digest_size=8).digest()
    return int.from_bytes(digest, "little", signed=True)


LOOKUP_MERGE_MIN = 64  # recent keys a lookup merges in at the least (fewer: the dict is cheap to read)


class KeyIndex:
    """64-bit keys → values (ints ≥ 0), several values per key allowed: a sorted array of keys
    with their values, plus recent additions in a dict, merged in when it passes `merge_at`, or by
    a lookup once it holds a sixteenth as many keys as the array (a vectorised lookup reads the
    dict key by key: after a reopen every key is recent). Callers hold the graph's lock to read as
    to write."""

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

    def lookup(self, keys: np.ndarray) -> np.ndarray:
        """For each key (vectorised): its value when it has exactly one, -1 when none, SHARED_KEY when several."""
        keys = np.asarray(keys, dtype=np.int64)
        if len(self._recent) >= LOOKUP_MERGE_MIN and 16 * len(self._recent) >= len(self._keys):
            self._merge()  # amortised: the array grows by a sixteenth at least between two of these
        found = np.full(len(keys), -1, dtype=np.int64)
        if len(self._keys):
            first = self._keys.searchsorted(keys, "left")
            count = self._keys.searchsorted(keys, "right") - first
            one = count == 1
            found[one] = self._values[first[one]]
            found[count > 1] = SHARED_KEY
        recent = self._recent
        if recent:
            hits = [(i, values) for i, key in enumerate(keys.tolist()) if (values := recent.get(key)) is not None]
            if hits:
                at = np.array([i for i, _ in hits], dtype=np.int64)
                alone = np.array([len(v) == 1 for _, v in hits]) & (found[at] == -1)
                found[at] = np.where(alone, [v[0] for _, v in hits], SHARED_KEY)
        return found

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
        ends = self._ends.view()
        return unpack(self._blob[int(ends[index - 1]) if index else 0 : int(ends[index])])

    def names(self, indices: np.ndarray) -> list[str]:
        """The ids at many indices; content-hash ids are unpacked together (one hex pass, no per-id bytes)."""
        indices = np.asarray(indices, dtype=np.int64)
        ends = self._ends.view()[indices]
        starts = np.where(indices > 0, self._ends.view()[np.maximum(indices - 1, 0)], 0)
        blob = np.frombuffer(self._blob, dtype=np.uint8)
        if len(indices) < _FEW or not (ends - starts == _HASH_BYTES).all() or not blob[starts].all():
            return [self.name(int(i)) for i in indices]
        packed = blob[starts[:, None] + np.arange(_HASH_BYTES)]
        digits = packed[:, 1:].tobytes().hex()
        prefixes = [_PREFIXES[tag] + "-" for tag in packed[:, 0].tolist()]
        return [prefix + digits[32 * i : 32 * i + 32] for i, prefix in enumerate(prefixes)]

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
    """Vector-store point ids (UUID strings) → node indices, without keeping the UUID strings: the
    UUID's first 64 bits find an entry, its last 64 bits confirm it (12 bytes an entry)."""

    def __init__(self, merge_at: int = 65_536) -> None:
        self._index = KeyIndex(merge_at)
        self._low = Growable(np.int64)
        self._node = Growable(np.int32)

    def add(self, point: str, node: int) -> None:
        halves = uuid_halves([point])
        if halves is not None and self._confirmed(halves[0, 0], halves[0, 1]) < 0:
            self._index.add(int(halves[0, 0]), self._low.append(halves[0, 1]))
            self._node.append(node)

    def find(self, point: str) -> int | None:
        node = int(self.find_many([point])[0])
        return None if node < 0 else node

    def find_many(self, points: Sequence[str]) -> np.ndarray:
        """The node of each point (int64, -1 for a point never added or not a UUID), vectorised."""
        halves = uuid_halves(points)
        if halves is None:  # some are not UUIDs: one at a time
            return np.array([self.find(p) if _is_uuid(p) else -1 for p in points], dtype=np.int64)
        entries = self._index.lookup(halves[:, 0])
        single = entries >= 0
        confirmed = np.zeros(len(points), dtype=bool)
        confirmed[single] = self._low.view()[entries[single]] == halves[single, 1]
        nodes = np.full(len(points), -1, dtype=np.int64)
        nodes[confirmed] = self._node.view()[entries[confirmed]]
        for i in np.flatnonzero(entries == SHARED_KEY).tolist():
            entry = self._confirmed(halves[i, 0], halves[i, 1])
            nodes[i] = self._node.view()[entry] if entry >= 0 else -1
        return nodes

    def _confirmed(self, high: np.int64, low: np.int64) -> int:
        """The entry holding exactly this UUID (-1 if none)."""
        lows = self._low.view()
        return next((e for e in self._index.candidates(int(high)) if lows[e] == low), -1)


_DASHES = np.array([8, 13, 18, 23])
_DIGITS = np.setdiff1d(np.arange(36), _DASHES)


def uuid_halves(points: Sequence[str]) -> np.ndarray | None:
    """Each canonical UUID string's 128 bits as two little-endian int64s (shape (n, 2)), in one
    pass over all of them; None when any is not of the form 8-4-4-4-12 hex digits."""
    text = "".join(points)
    if len(text) != 36 * len(points) or not text.isascii():
        return None
    chars = np.frombuffer(text.encode("ascii"), dtype=np.uint8).reshape(len(points), 36)
    if not (chars[:, _DASHES] == ord("-")).all():
        return None
    try:
        raw = bytes.fromhex(chars[:, _DIGITS].tobytes().decode("ascii"))
    except ValueError:
        return None
    if len(raw) != 16 * len(points):  # fromhex skips whitespace
        return None
    return np.frombuffer(raw, dtype="<i8").reshape(len(points), 2)


def _is_uuid(point: str) -> bool:
    return uuid_halves([point]) is not None
