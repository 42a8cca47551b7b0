"""One BLAS thread per memrag process: its products are small and run beside other work, where
OpenBLAS's helper threads spin between calls.

A query's exact scans (storage/scan_mirror.py: musique-100's 17k facts, ~1 ms of product) and the
synonym blocks of indexing are numpy products over numpy's OpenBLAS, which by default starts a
thread per core and keeps them spinning after each call. In a service, where other requests and
the embedder's own threads want the cores, that spinning is CPU taken from them:
benchmarks/bench_blas_threads.py measures it. The limit is set (threadpoolctl) on the BLAS
libraries loaded when an engine is made, numpy's among them, and holds for the process: it is
process-wide, so an application embedding memrag gets it too. A BLAS loaded later (scipy's own, on
no memrag hot path) keeps its default. The thread that set it does not keep threadpoolctl's control
of OpenBLAS, so a host application's own `threadpool_limits` still work.
"""

from __future__ import annotations

import logging
import threading

import threadpoolctl

log = logging.getLogger("memrag.engine")
_lock = threading.Lock()
_limited = False
_warned = False


def one_blas_thread() -> None:
    """Limit every BLAS library loaded now to one thread; done once it holds (a limit that did not
    take, e.g. while another thread controls OpenBLAS, is tried again by the next engine)."""
    global _limited, _warned
    with _lock:
        if _limited:
            return
        threadpoolctl.threadpool_limits(limits=1, user_api="blas")
        _release_control()
        _limited = all(lib["num_threads"] == 1 for lib in threadpoolctl.threadpool_info() if lib["user_api"] == "blas")
        if not _limited and not _warned:
            _warned = True
            log.warning("BLAS could not be limited to one thread: queries will cost more CPU (tried again later)")


def _release_control() -> None:
    """Let go of threadpoolctl's control of OpenBLAS (3.8+ gives it to the first thread that sets a
    limit and keeps it until released), so that other threads may set limits after this one."""
    controller = getattr(threadpoolctl, "OpenBLASController", None)
    clear = getattr(controller, "clear_controlling_thread", None)
    if clear is not None:
        clear()
