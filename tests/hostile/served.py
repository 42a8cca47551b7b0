"""A `memrag serve` process on loopback that can be stopped and started again over the same data."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.api.live import ADMIN_KEY, Live
from tests.helpers import free_port, wait_until_up

ROOT = Path(__file__).resolve().parents[2]
BODY_LIMIT = 2 * 1024 * 1024


class Served:
    """The server over `data_dir`; its log (stdout and stderr) goes to `log`, appended across restarts."""

    def __init__(self, data_dir: Path, model_cache: Path, log: Path) -> None:
        self.data_dir, self.log = data_dir, log
        self.env = {
            **os.environ,
            "MEMRAG_DATA_DIR": str(data_dir),
            "MEMRAG_ADMIN_KEY": ADMIN_KEY,
            "MEMRAG_EMBEDDING_CACHE": str(model_cache),
            "MEMRAG_MAX_REQUEST_BYTES": str(BODY_LIMIT),
        }
        for name in ("MEMRAG_REDIS_URL", "MEMRAG_QDRANT_URL", "MEMRAG_LLM_BASE_URL"):
            self.env.pop(name, None)
        self._proc: subprocess.Popen[bytes] | None = None
        self.live = Live("", {"Authorization": f"Bearer {ADMIN_KEY}"})

    def start(self) -> Live:
        port = free_port()
        with self.log.open("ab") as out:
            self._proc = subprocess.Popen(
                [sys.executable, "-m", "memrag.cli.main", "serve", "--host", "127.0.0.1", "--port", str(port)],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        url = f"http://127.0.0.1:{port}"
        wait_until_up(f"{url}/healthz", self._proc)
        self.live = Live(url, self.live.admin)
        return self.live

    def stop(self) -> None:
        if self._proc is not None:
            self._proc.terminate()
            self._proc.wait(timeout=60)
            self._proc = None

    def restart(self) -> Live:
        self.stop()
        return self.start()
