"""An engine opened as users open it runs numpy's products on one BLAS thread (memory/blas_threads.py)."""

import subprocess
import sys
from pathlib import Path

ENGINE_PROCESS = """
import sys
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

from memrag.memory.extraction.recorded import NoExtractor
from memrag.memory.settings import Settings
from memrag.memory.wiring import open_engine


class Stub:
    name, dim = "stub", 8

    def embed(self, texts):
        return np.ones((len(texts), 8), dtype=np.float32)


def blas_threads():
    return sorted({lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"})


threadpool_limits(limits=2, user_api="blas")  # two to start with, so that the limit has something to change
before = blas_threads()
open_engine(Settings(data_dir=Path(sys.argv[1])), "blas", embedder=Stub(), extractor=NoExtractor()).close()
print(before, blas_threads())
"""


def test_opening_an_engine_leaves_numpy_one_blas_thread(tmp_path: Path) -> None:
    """Bug caught: the limit not reaching the engine users open (wiring.open_engine), so every query's
    exact scan wakes OpenBLAS's helper threads, which spin after it on cores the service needs."""
    done = subprocess.run(
        [sys.executable, "-c", ENGINE_PROCESS, str(tmp_path)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "[2] [1]"


def test_the_limit_leaves_other_threads_free_to_set_their_own() -> None:
    """Bug caught: the engine's thread keeping threadpoolctl's control of OpenBLAS, so that a host
    application's `threadpool_limits` from any other thread silently does nothing."""
    done = subprocess.run([sys.executable, "-c", HOST_PROCESS], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "[1] [2]"


HOST_PROCESS = """
import threading

import numpy  # loads the BLAS library the engine limits
from threadpoolctl import threadpool_info, threadpool_limits

from memrag.memory.blas_threads import one_blas_thread


def blas_threads():
    return sorted({lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"})


seen = []


def host_work():
    with threadpool_limits(limits=2, user_api="blas"):
        seen.append(blas_threads())


limited, host_done = threading.Event(), threading.Event()


def engine_worker():  # a long-lived worker thread (as a server's pool keeps) makes the engine
    one_blas_thread()
    limited.set()
    host_done.wait()


engine_thread = threading.Thread(target=engine_worker)
engine_thread.start()
limited.wait()
after_engine = blas_threads()
host_work()  # the host application's main thread, while the worker lives
host_done.set()
engine_thread.join()
print(after_engine, seen[0])
"""
