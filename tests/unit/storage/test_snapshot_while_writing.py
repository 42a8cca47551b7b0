"""A snapshot is never half of a write: while a writer process has the store open the snapshot is
refused (and leaves no file); after the writer was killed in the middle of its writes, the snapshot
holds exactly what the store holds — restored, it serves what the original serves when reopened,
every document whole."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from memrag.memory.errors import StorageError
from memrag.memory.params import RetrievalParams
from memrag.memory.storage.snapshot import write_snapshot
from memrag.memory.storage.snapshot_restore import restore_snapshot
from tests.helpers import extractions, graph_signature, make_engine, ranking_signature

TEXTS = [f"Station {i} lies on line {i % 4} and connects to stop {i % 6}." for i in range(3000)]
RECORDED = extractions(
    {
        t: [(f"station {i}", "lies on", f"line {i % 4}"), (f"station {i}", "connects to", f"stop {i % 6}")]
        for i, t in enumerate(TEXTS)
    }
)
ROOT = Path(__file__).resolve().parents[3]
# The writer: adds documents one by one (and deletes every fifth one it added before), printing the
# number of each write once it has returned, until it is killed.
WRITER = """
import sys
from pathlib import Path
from memrag.memory.types import DocumentInput
from tests.helpers import make_engine
from tests.unit.storage.test_snapshot_while_writing import RECORDED, TEXTS
engine = make_engine(Path(sys.argv[1]), RECORDED)
for i, text in enumerate(TEXTS):
    engine.add([DocumentInput(text=text, id=f"d{i}")])
    if i % 5 == 4:
        engine.delete(f"d{i - 3}")
    print(i, flush=True)
"""


def served(store: Path) -> tuple[list[str], bool, dict[tuple[str, str], float], object]:
    """Document ids, whether every document has all its passages, the graph, a ranking."""
    engine = make_engine(store, RECORDED)
    try:
        documents = engine.list_documents()
        passages = {p.id for p in engine.store.get_passages([p for d in documents for p in d.passage_ids])}
        whole = all(set(d.passage_ids) <= passages for d in documents)
        ranking = ranking_signature(engine.rank("Which station connects to stop 3?", RetrievalParams(top_k=5)))
        return [d.id for d in documents], whole, graph_signature(engine), ranking
    finally:
        engine.close()


def wait_for_line(writer: subprocess.Popen[str], at_least: int) -> int:
    assert writer.stdout is not None
    for line in writer.stdout:
        if int(line) >= at_least:
            return int(line)
    raise AssertionError(f"the writer stopped early: {writer.wait()}")


@pytest.mark.skipif(sys.platform != "linux", reason="kills a writer process with SIGKILL")
def test_a_snapshot_is_refused_while_a_writer_writes_and_whole_after_it_was_killed_mid_write(tmp_path):
    store = tmp_path / "data" / "namespaces" / "ns"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(store)], stdout=subprocess.PIPE, text=True, cwd=ROOT, env=env
    )
    try:
        wait_for_line(writer, 20)
        with pytest.raises(StorageError, match="open in another process"):
            write_snapshot(tmp_path / "data", tmp_path / "during.tar")
        last_written = wait_for_line(writer, 60)
    finally:
        writer.send_signal(signal.SIGKILL)  # in the middle of its writes
        writer.wait()
    assert not (tmp_path / "during.tar").exists() and not list(tmp_path.glob(".during.tar*"))

    write_snapshot(tmp_path / "data", tmp_path / "after.tar")
    restore_snapshot(tmp_path / "after.tar", tmp_path / "restored")
    restored = served(tmp_path / "restored" / "namespaces" / "ns")
    assert restored == served(store)  # what the killed writer's store serves, reopened
    ids, whole = restored[0], restored[1]
    acknowledged = last_written if last_written % 5 != 1 else last_written - 1  # d(5k+1) are deleted later
    assert whole and f"d{acknowledged}" in ids and "d1" not in ids  # acknowledged writes kept, deletes too
