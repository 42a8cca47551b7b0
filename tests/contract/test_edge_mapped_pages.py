"""Qdrant Edge's mapped file pages go back to the kernel without changing what the store holds, and new
collections cap their segments (an optimisation's peak memory stays bounded as the collection grows)."""

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from memrag.memory import heap
from memrag.memory.ports import VectorRecord
from memrag.memory.storage import mapped_pages
from memrag.memory.storage import qdrant_edge as edge
from memrag.memory.storage.edge_layout import MAX_SEGMENT_KB
from memrag.memory.types import DocumentInput
from tests.helpers import make_engine

DIM = 64
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="madvise(MADV_PAGEOUT) is Linux's")

MAPS = """\
55d0-55e0 r--p 00000000 fd:01 10 /usr/bin/python3.11
7f00-7f10 rw-p 00000000 00:00 0
7f10-7f20 r--s 00000000 fd:01 11 /data/ns/entities/segments/ab/vector_storage/matrix.dat
7f20-7f30 r--s 00000000 fd:01 12 /data/ns/entities/segments/ab/vector_index/links_compressed.bin
7f30-7f40 rw-s 00000000 fd:01 13 /data/ns/facts/wal/open-1 (deleted)
7f40-7f50 r--s 00000000 fd:01 14 /data/ns/facts/segments/cd/payload_storage/page_0.dat
7f50-7f60 r--s 00000000 fd:01 15 /data/other/facts/segments/cd/payload_storage/page_0.dat
7f60-7f70 rw-p 00000000 00:00 0                          [heap]
"""


def test_only_vector_payload_and_log_files_under_the_root_are_released():
    found = mapped_pages.releasable(mapped_pages.parse_maps(MAPS), Path("/data/ns"))
    assert [(m.start, m.end) for m in found] == [(0x7F10, 0x7F20), (0x7F30, 0x7F40), (0x7F40, 0x7F50)]
    assert found[1].path == "/data/ns/facts/wal/open-1"  # a log segment already deleted still counts


def _resident_mb_under(root: Path) -> float:
    """Resident MB of this process's mappings of files under `root`."""
    prefix, total, inside = str(root.resolve()) + "/", 0, False
    for line in Path("/proc/self/smaps").read_text().splitlines():
        fields = line.split(maxsplit=5)
        if len(fields) >= 5 and "-" in fields[0] and not fields[0].endswith(":"):
            inside = len(fields) == 6 and fields[5].startswith(prefix)
        elif line.startswith("Rss:") and inside:
            total += int(line.split()[1])
    return total / 1024


@linux_only
def test_page_out_drops_resident_store_pages_and_searches_find_the_same(tmp_path):
    rng = np.random.default_rng(5)
    vectors = rng.standard_normal((20_000, DIM)).astype(np.float32)
    store = edge.EdgeStore(tmp_path, optimize_every=10**9)
    index = store.open_index("things", DIM)
    index.upsert([VectorRecord(f"r{i}", v, {"n": i}) for i, v in enumerate(vectors)])
    index.flush()
    queries = rng.standard_normal((3, DIM)).astype(np.float32)
    before = index.search_points(queries, 5, exact=True)  # reads every vector: their pages are resident
    resident = _resident_mb_under(tmp_path)
    assert mapped_pages.page_out(tmp_path) > 0
    assert _resident_mb_under(tmp_path) < resident / 2
    assert index.search_points(queries, 5, exact=True) == before
    assert index.get(["r7"]) == [{"n": 7, "id": "r7"}]
    store.close()


def test_new_collections_store_the_segment_cap(tmp_path):
    store = edge.EdgeStore(tmp_path)
    store.open_index("things", DIM)
    config = json.loads((tmp_path / "things" / "edge_config.json").read_text())
    assert config["optimizers"]["max_segment_size"] == MAX_SEGMENT_KB
    store.close()


def test_writes_hand_pages_back_every_so_many_records_and_around_each_optimise(tmp_path, monkeypatch):
    """Catches the store never calling `page_out` (the peak-RSS figures rest on these calls), calling it
    on another folder than its collection's, or optimising without first handing back the pages every
    collection's searches left resident (the soak's high-water mark was an optimisation on top of them)."""
    released: list[object] = []

    def spy(root: Path) -> int:
        released.append(root)
        return 0

    monkeypatch.setattr(edge, "page_out", spy)
    store = edge.EdgeStore(tmp_path, optimize_every=10**9)
    index = store.open_index("things", DIM)
    vectors = np.random.default_rng(3).standard_normal((edge.PAGE_OUT_EVERY, DIM)).astype(np.float32)
    index.upsert([VectorRecord(f"r{i}", v, {}) for i, v in enumerate(vectors[:-1])])
    assert released == []  # one record short of the bound
    index.upsert([VectorRecord("last", vectors[-1], {})])
    assert released == [tmp_path / "things"]
    shard = index._shard  # the optimisation itself recorded in the same list, to see the order
    monkeypatch.setattr(index, "_shard", _Recording(shard, released))
    index.optimize()  # the whole store's pages first (they would add to the optimisation's peak), then its own
    assert released == [tmp_path / "things", tmp_path, "optimise", tmp_path / "things"]
    store.close()


class _Recording:
    """A shard whose `optimize` call is noted in `calls` before it runs."""

    def __init__(self, shard: object, calls: list[object]) -> None:
        self._shard, self._calls = shard, calls

    def optimize(self) -> object:
        self._calls.append("optimise")
        return self._shard.optimize()  # type: ignore[attr-defined]

    def __getattr__(self, name: str) -> object:
        return getattr(self._shard, name)


def test_indexing_hands_the_whole_stores_pages_back_on_the_trim_schedule(tmp_path, monkeypatch):
    """Catches indexing leaving the pages its searches and reads touched resident: a collection that
    is searched but rarely written (entities once texts repeat) never reached its own page-out bound."""
    released: list[Path] = []

    def spy(root: Path) -> int:
        released.append(root)
        return 0

    monkeypatch.setattr(edge, "page_out", spy)
    engine = make_engine(tmp_path)
    every = heap.TRIM_EVERY_PASSAGES
    engine.add([DocumentInput(text=f"passage number {i}", id=f"d{i}") for i in range(every - 1)])
    assert tmp_path not in released  # one passage short of the schedule
    engine.add([DocumentInput(text="the last passage", id="last")])
    assert released.count(tmp_path) == 1  # the namespace's root: every collection at once
    engine.close()
