"""Storage adapters translate their SDK's failures at the boundary: a StorageError naming the
component and what to do, never a path, URL or host (tests.helpers.leaks); the SDK error is the cause."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from memrag.memory.errors import StorageError
from memrag.memory.storage.edge_guard import DiskFull
from memrag.memory.storage.qdrant_edge import EdgeStore
from memrag.memory.storage.qdrant_server import QdrantStore
from memrag.memory.storage.sqlite import SqliteFile
from tests.helpers import free_port, leaks

ROOT = Path(__file__).resolve().parents[3]


def test_a_failing_edge_shard_is_a_storage_error_without_its_path(tmp_path):
    store = EdgeStore(tmp_path / "ns")
    index = store.open_index("passages", 4)
    store.close()  # the shard is closed under the index: every call now fails inside the binding
    with pytest.raises(StorageError, match=r"\(Qdrant Edge\) failed to search") as failed:
        index.search(np.ones(4, dtype=np.float32), 3)
    assert failed.value.__cause__ is not None and not leaks(str(failed.value))
    with pytest.raises(StorageError, match="failed to read records"):
        list(index.scroll())


def test_edge_refuses_to_open_or_write_without_its_disk_reserve(tmp_path):
    with pytest.raises(DiskFull, match="disk under embedded storage is full") as full:
        EdgeStore(tmp_path / "ns", min_free_bytes=10**18).open_index("passages", 4)
    assert not leaks(str(full.value))


@pytest.mark.filterwarnings("ignore:Failed to obtain server version")
def test_an_unreachable_qdrant_server_is_a_storage_error_without_its_url():
    store = QdrantStore.connect(f"http://127.0.0.1:{free_port()}", prefix="t_")
    with pytest.raises(StorageError, match="Qdrant server") as failed:
        store.open_index("passages", 4)
    assert not leaks(str(failed.value))
    store.close()


def test_a_sqlite_file_that_cannot_be_opened_is_a_storage_error_naming_only_the_file(tmp_path):
    (tmp_path / "jobs.sqlite").mkdir()  # a directory where the database should be
    with pytest.raises(StorageError, match=r"local storage failed \(jobs.sqlite\)") as failed:
        SqliteFile(tmp_path / "jobs.sqlite", ["CREATE TABLE t (x)"])
    assert not leaks(str(failed.value))


FULL_DISK = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    import numpy as np
    from memrag.memory.ports import VectorRecord
    from memrag.memory.storage.edge_guard import DiskFull
    from memrag.memory.storage.qdrant_edge import EdgeStore

    root = Path(sys.argv[1])
    records = [VectorRecord(f"r{i}", np.ones(32, np.float32), {"text": "x" * 2000}) for i in range(200)]
    store = EdgeStore(root / "ns", min_free_bytes=2**20)
    index = store.open_index("passages", 32)
    index.upsert(records[:10])
    filler = root / "filler"
    try:
        with filler.open("wb") as f:
            while True:
                f.write(b"\\0" * 65536)
    except OSError:
        pass
    try:
        index.upsert(records)
        print("written on a full disk")
    except DiskFull:
        print("refused")
    filler.unlink()
    index.upsert(records)
    store.close()
    store = EdgeStore(root / "ns", min_free_bytes=2**20)
    print("reopened", sum(1 for _ in store.open_index("passages", 32).scroll()))
    store.close()
    """
)


def test_a_full_disk_is_refused_as_disk_full_not_a_crash_and_writes_resume_when_freed(tmp_path):
    """Without the guard, Edge's write into a memory-mapped page on a full disk is SIGBUS (the process dies)."""
    mount = tmp_path / "small"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(mount)], capture_output=True).returncode:
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    try:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        run = subprocess.run(
            [sys.executable, "-c", FULL_DISK, str(mount)], capture_output=True, text=True, env=env, timeout=120
        )
    finally:
        subprocess.run(["umount", str(mount)], check=True)
    assert run.returncode == 0, (run.returncode, run.stderr[-2000:])
    assert run.stdout.split("\n")[:2] == ["refused", "reopened 200"]
