"""The service loops' common shape: step until stopped; a failed step is logged and retried, never fatal."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger("memrag.loops")
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
            pause = first_pause_s
        except Exception:  # a service loop: any failure is logged and retried
            log.exception("%s failed; retrying in %.1f s", what, pause)
            stop.wait(pause)
            pause = min(pause * 2, LONGEST_PAUSE_S)
