"""An embedded-mode process never loads the Qdrant server client (qdrant_client and grpc: ~35-55 MB, ~0.5-1 s)."""

import subprocess
import sys
from pathlib import Path

EMBEDDED_PROCESS = """
import sys
from pathlib import Path

import numpy as np

from memrag.api import services
from memrag.api.app import create_app
from memrag.api.prometheus import Metrics
from memrag.cli import main
from memrag.memory.extraction.recorded import NoExtractor
from memrag.memory.settings import Settings
from memrag.memory.wiring import open_engine


class Stub:
    name, dim = "stub", 8

    def embed(self, texts):
        return np.ones((len(texts), 8), dtype=np.float32)


settings = Settings(data_dir=Path(sys.argv[1]), qdrant_url=None)
create_app(settings)
built = services.build(settings, Metrics())  # what `memrag serve` runs at start-up: engines, jobs
built.close()
open_engine(settings, "imports", embedder=Stub(), extractor=NoExtractor()).close()
loaded = sorted(name for name in ("qdrant_client", "grpc") if name in sys.modules)
print(",".join(loaded) or "none")
"""


def test_the_service_cli_and_an_embedded_engine_load_no_server_client(tmp_path: Path) -> None:
    """Bug caught: an eager import of the server adapter (storage/qdrant_server.py) in the wiring, or
    anywhere the service's start-up, the CLI or the engine opener reaches, loading qdrant_client into
    every embedded process."""
    done = subprocess.run(
        [sys.executable, "-c", EMBEDDED_PROCESS, str(tmp_path)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "none"
