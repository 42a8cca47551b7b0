"""An embedded-mode process never loads the Qdrant server client (qdrant_client and grpc: ~55 MB, ~1 s)."""

import subprocess
import sys
from pathlib import Path

EMBEDDED_PROCESS = """
import sys
from pathlib import Path
from memrag.api.app import create_app
from memrag.cli import main
from memrag.memory.settings import Settings
from memrag.memory.wiring import make_vector_store

store = make_vector_store(Settings(data_dir=Path(sys.argv[1]), qdrant_url=None), "imports")
store.close()
loaded = sorted(name for name in ("qdrant_client", "grpc") if name in sys.modules)
print(",".join(loaded) or "none")
"""


def test_the_service_cli_and_an_embedded_store_load_no_server_client(tmp_path: Path) -> None:
    """Bug caught: a module-level import of the server adapter (storage/qdrant_server.py) in the
    wiring or anywhere the service and CLI import, loading qdrant_client into every embedded process."""
    done = subprocess.run(
        [sys.executable, "-c", EMBEDDED_PROCESS, str(tmp_path)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "none"
