"""An exclusive, non-blocking lock on a file, held for a process's lifetime (released when it dies)."""

from __future__ import annotations

import fcntl
from pathlib import Path
from typing import IO

from memrag.memory.errors import StorageError


def hold_exclusive(path: Path, taken: str) -> IO[str]:
    """Lock `path` for this process; if another process holds it, StorageError(`taken`).
    Close the returned handle to release it (the OS releases it if the process is killed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = path.open("a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise StorageError(taken) from None
    return handle
