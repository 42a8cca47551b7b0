"""ONNX Runtime sessions for the embedder: how one is opened, and how its arena hands back idle memory."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def open_session(path: Path, threads: int, memory_patterns: bool = False) -> Any:
    """An ONNX Runtime CPU session of the graph at `path` on `threads` threads whose idle pool threads
    sleep instead of spinning: spinning burned CPU between calls (one query embedded: 14.5 → 7.8 ms
    CPU) and took cores from threads with work (240 passages: 10.8 → 7.4 s CPU, 11 → 14 passages/s),
    side by side at load 8 (`benchmarks/bench_onnx_spinning.py`).

    Without `memory_patterns` the session plans no memory layout per input shape: batches come in
    many shapes, and the plans and their blocks held ~30 MB for no speed (same vectors, to the bit:
    `benchmarks/bench_embedder_memory.py`)."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.enable_mem_pattern = memory_patterns
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.add_session_config_entry("session.inter_op.allow_spinning", "0")
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def arena_shrinkage() -> Any:
    """Options for a run after which the session's CPU arena frees the regions no run is using (never
    its first, so a run at the same time keeps what it holds). An ingestion call ends with a one-token
    run under them (OnnxEmbedder.embed): its batches (two lanes at once) grow the arena ~35 MB that it
    would keep through the writes that follow, when the process peaks. Freed after each call: the same
    vectors, CPU within noise (`benchmarks/bench_embedder_memory.py --layouts two_sessions`, the commit
    before and after, one after the other: RSS after ingesting 205 -> 171 MB, high-water 234 -> 208
    MB, CPU 14.9 -> 15.4 s at load ~13). Not after each batch: that cost ~12 % more CPU for the same
    high-water mark. Freed chunks go back to the system only with glibc's mmap threshold fixed
    (`memory/heap.py`'s limit_arenas, set by ingestion): with the threshold glibc raises as blocks are
    freed, the same run's high-water mark rose to 309 MB."""
    import onnxruntime as ort

    options = ort.RunOptions()
    options.add_run_config_entry("memory.enable_memory_arena_shrinkage", "cpu:0")
    return options
