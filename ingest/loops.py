"""The service loops' common shape: step until stopped; a failed step is logged and retried, never fatal.

An outage (Redis, storage or the LLM unavailable: a RedisError, or the StorageError and
ModelError their adapters translate it to) is logged as one line per retry; anything else with
its traceback. Credentials are masked in both (memory/redact.py).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import redis

from memrag.memory.errors import ModelError, StorageError
from memrag.memory.redact import protect

log = protect(logging.getLogger("memrag.loops"))
FIRST_PAUSE_S = 0.5
LONGEST_PAUSE_S = 30.0


def run_until(
    stop: threading.Event, step: Callable[[], object], what: str, first_pause_s: float = FIRST_PAUSE_S
) -> None:
    """Call `step` until `stop` is set. A failure (Redis gone, storage busy) is logged, then retried
    after a pause that doubles up to 30 s, so a writer or worker thread never dies silently."""
    pause = first_pause_s
    while not stop.is_set():
        try:
            step()
        except (StorageError, ModelError, redis.RedisError) as exc:
            log.warning("%s: %s; retrying in %.1f s", what, exc, pause)
        except Exception:  # a service loop: any other failure is logged with its traceback and retried
            log.exception("%s failed; retrying in %.1f s", what, pause)
        else:
            pause = first_pause_s
            continue
        stop.wait(pause)
        pause = min(pause * 2, LONGEST_PAUSE_S)
