"""Namespaces and their API keys. Keys are stored as SHA-256 digests, never in the clear.

Embedded mode keeps them in SQLite under the data directory; with Redis they live in Redis,
so that every API replica sees the same namespaces and keys.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any, Protocol

import redis

KEY_PREFIX = "mr_"


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


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


class SqliteRegistry:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False)
        self._lock = threading.Lock()
        with self._lock:
            self._db.execute("CREATE TABLE IF NOT EXISTS namespace (name TEXT PRIMARY KEY, created REAL)")
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS api_key (digest TEXT PRIMARY KEY, namespace TEXT, created REAL)"
            )
            self._db.commit()

    def create_namespace(self, name: str) -> bool:
        with self._lock:
            cursor = self._db.execute("INSERT OR IGNORE INTO namespace VALUES (?, ?)", (name, time.time()))
            self._db.commit()
            return cursor.rowcount == 1

    def namespaces(self) -> list[str]:
        with self._lock:
            return [r[0] for r in self._db.execute("SELECT name FROM namespace ORDER BY name")]

    def exists(self, name: str) -> bool:
        with self._lock:
            return self._db.execute("SELECT 1 FROM namespace WHERE name = ?", (name,)).fetchone() is not None

    def add_key(self, namespace: str) -> str:
        key = new_key()
        with self._lock:
            self._db.execute("INSERT INTO api_key VALUES (?, ?, ?)", (digest(key), namespace, time.time()))
            self._db.commit()
        return key

    def namespace_of(self, key: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT namespace FROM api_key WHERE digest = ?", (digest(key),)).fetchone()
        return None if row is None else str(row[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()


class RedisRegistry:
    """Keys: `memrag:registry:namespaces` (a set) and `memrag:keys` (key digest → namespace)."""

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
        self._r.hset("memrag:keys", digest(key), namespace)
        return key

    def namespace_of(self, key: str) -> str | None:
        found = self._r.hget("memrag:keys", digest(key))
        return None if found is None else found.decode()

    def close(self) -> None:
        return None
