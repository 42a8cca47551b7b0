"""An engine opened as users open it runs numpy's products on one BLAS thread (memory/blas_threads.py)."""

import subprocess
import sys
from pathlib import Path

ENGINE_PROCESS = """
import sys
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_info

from memrag.memory.extraction.recorded import NoExtractor
from memrag.memory.settings import Settings
from memrag.memory.wiring import open_engine


class Stub:
    name, dim = "stub", 8

    def embed(self, texts):
        return np.ones((len(texts), 8), dtype=np.float32)


def blas_threads():
    return sorted({lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"})


before = blas_threads()
open_engine(Settings(data_dir=Path(sys.argv[1])), "blas", embedder=Stub(), extractor=NoExtractor()).close()
print(before, blas_threads())
"""


def test_opening_an_engine_leaves_numpy_one_blas_thread(tmp_path: Path) -> None:
    """Bug caught: the limit not reaching the engine users open (wiring.open_engine), so every query's
    exact scan wakes OpenBLAS's helper threads, which spin after it on cores the service needs. Run
    with two BLAS threads to start with, so that the limit has something to change."""
    env = {"OPENBLAS_NUM_THREADS": "2", "PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1"}
    done = subprocess.run(
        [sys.executable, "-c", ENGINE_PROCESS, str(tmp_path)], capture_output=True, text=True, timeout=120, env=env
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "[2] [1]"
