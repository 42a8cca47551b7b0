"""Namespaces and their API keys. Keys are stored as SHA-256 digests, never in the clear.

Embedded mode keeps them in SQLite under the data directory; with Redis they live in Redis,
so that every API replica sees the same namespaces and keys.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import redis

from memrag.ingest.redis_errors import translate_redis_errors
from memrag.memory.storage.sqlite import SqliteFile

KEY_PREFIX = "mr_"
ID_LENGTH = 12


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def public_id(key_digest: str) -> str:
    """A key's public name: the head of its digest (says nothing usable about the key)."""
    return key_digest[:ID_LENGTH]


@dataclass(frozen=True)
class KeyInfo:
    id: str
    created: float


class Registry(Protocol):
    def create_namespace(self, name: str) -> bool:
        """True if it was created, False if it existed."""
        ...

    def namespaces(self) -> list[str]: ...

    def exists(self, name: str) -> bool: ...

    def add_key(self, namespace: str) -> str:
        """A new key for the namespace, returned once; only its digest is kept."""
        ...

    def namespace_of(self, key: str) -> str | None: ...

    def keys(self, namespace: str) -> list[KeyInfo]: ...

    def revoke(self, namespace: str, key_id: str) -> bool:
        """True if a key of the namespace with this id existed; it no longer works."""
        ...

    def close(self) -> None: ...


class SqliteRegistry:
    def __init__(self, path: Path) -> None:
        self._db = SqliteFile(
            path,
            [
                "CREATE TABLE IF NOT EXISTS namespace (name TEXT PRIMARY KEY, created REAL)",
                "CREATE TABLE IF NOT EXISTS api_key (digest TEXT PRIMARY KEY, namespace TEXT, created REAL)",
            ],
        )

    def create_namespace(self, name: str) -> bool:
        return self._db.write("INSERT OR IGNORE INTO namespace VALUES (?, ?)", (name, time.time())) == 1

    def namespaces(self) -> list[str]:
        return [str(r[0]) for r in self._db.read("SELECT name FROM namespace ORDER BY name")]

    def exists(self, name: str) -> bool:
        return bool(self._db.read("SELECT 1 FROM namespace WHERE name = ?", (name,)))

    def add_key(self, namespace: str) -> str:
        key = new_key()
        self._db.write("INSERT INTO api_key VALUES (?, ?, ?)", (digest(key), namespace, time.time()))
        return key

    def namespace_of(self, key: str) -> str | None:
        rows = self._db.read("SELECT namespace FROM api_key WHERE digest = ?", (digest(key),))
        return str(rows[0][0]) if rows else None

    def keys(self, namespace: str) -> list[KeyInfo]:
        rows = self._db.read("SELECT digest, created FROM api_key WHERE namespace = ? ORDER BY created", (namespace,))
        return [KeyInfo(public_id(d), float(c)) for d, c in rows]

    def revoke(self, namespace: str, key_id: str) -> bool:
        if len(key_id) != ID_LENGTH:
            return False
        deleted = self._db.write(
            "DELETE FROM api_key WHERE namespace = ? AND substr(digest, 1, ?) = ?", (namespace, ID_LENGTH, key_id)
        )
        return deleted > 0

    def close(self) -> None:
        self._db.close()


@translate_redis_errors
class RedisRegistry:
    """Keys: `memrag:registry:namespaces` (a set), `memrag:keys` (key digest → namespace) and
    `memrag:keys:{ns}` (key id → digest and creation time, for listing and revoking). Redis down:
    StorageError (503)."""

    def __init__(self, client: redis.Redis) -> None:
        self._r: Any = client  # redis-py types replies as unions; ours are raw bytes
        self._names = "memrag:registry:namespaces"

    def create_namespace(self, name: str) -> bool:
        return bool(self._r.sadd(self._names, name))

    def namespaces(self) -> list[str]:
        return sorted(n.decode() for n in self._r.smembers(self._names))

    def exists(self, name: str) -> bool:
        return bool(self._r.sismember(self._names, name))

    def add_key(self, namespace: str) -> str:
        key = new_key()
        hashed = digest(key)
        with self._r.pipeline() as tx:
            tx.hset("memrag:keys", hashed, namespace)
            tx.hset(f"memrag:keys:{namespace}", public_id(hashed), f"{hashed} {time.time()}")
            tx.execute()
        return key

    def namespace_of(self, key: str) -> str | None:
        found = self._r.hget("memrag:keys", digest(key))
        return None if found is None else found.decode()

    def keys(self, namespace: str) -> list[KeyInfo]:
        found = self._r.hgetall(f"memrag:keys:{namespace}")
        infos = [KeyInfo(k.decode(), float(v.decode().split()[1])) for k, v in found.items()]
        return sorted(infos, key=lambda k: k.created)

    def revoke(self, namespace: str, key_id: str) -> bool:
        entry = self._r.hget(f"memrag:keys:{namespace}", key_id)
        if entry is None:
            return False
        with self._r.pipeline() as tx:
            tx.hdel("memrag:keys", entry.decode().split()[0])
            tx.hdel(f"memrag:keys:{namespace}", key_id)
            tx.execute()
        return True

    def close(self) -> None:
        """The client is not ours: whoever made it closes it."""
