"""One BLAS thread per memrag process: its products are small and run beside other work, where
OpenBLAS's helper threads spin between calls.

A query's exact scans (storage/scan_mirror.py: musique-100's 17k facts, ~1 ms of product) and the
synonym blocks of indexing are numpy products over numpy's OpenBLAS, which by default starts a
thread per core and keeps them spinning after each call. In a service, where other requests and
the embedder's own threads want the cores, that spinning is CPU taken from them:
benchmarks/bench_blas_threads.py measures it. The limit is set once, on the libraries loaded when
an engine is first made (threadpoolctl), and holds for the process.
"""

from __future__ import annotations

import threading

from threadpoolctl import threadpool_limits

_lock = threading.Lock()
_limited = False


def one_blas_thread() -> None:
    """Limit every BLAS library loaded now to one thread (once per process; later calls do nothing)."""
    global _limited
    with _lock:
        if not _limited:
            threadpool_limits(limits=1, user_api="blas")
            _limited = True
