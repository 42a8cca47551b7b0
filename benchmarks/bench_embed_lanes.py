"""One ONNX session on two intra-op threads against two one-thread sessions sharing a call's batches.

Ingestion embeds a slice's entity names, facts and passages in token-budget batches
(`memory/embedding/onnx.py`). Small batches of short texts may split poorly across intra-op
threads; the alternative runs two single-threaded sessions of the same graph on two Python
threads (ONNX Runtime releases the GIL), each taking the next batch in turn. The batches are the
same, so the vectors are too (checked). Both set pool spinning off, the embedder's setting.
Printed per round: wall and CPU seconds for each way on a slice of musique-100's texts, side by
side, the load average, and the resident memory the second session adds.

    .venv/bin/python -m benchmarks.bench_embed_lanes [--export-dir DIR] [--rounds 3] [--passages 64]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import onnxruntime as ort

from benchmarks.bench_int8_rows import MODEL, padded_batches, slice_texts
from memrag.memory.embedding.onnx import PLAIN_FILE, OnnxEmbedder


def session(graph: Path, threads: int) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.add_session_config_entry("session.inter_op.allow_spinning", "0")
    return ort.InferenceSession(str(graph), options, providers=["CPUExecutionProvider"])


def pooled(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    summed = (hidden * mask[:, :, None]).sum(axis=1) / mask.sum(axis=1, keepdims=True)
    return np.asarray(summed / np.linalg.norm(summed, axis=1, keepdims=True), dtype=np.float32)


def embed_with(
    sessions: Sequence[ort.InferenceSession], embedder: OnnxEmbedder, texts: Sequence[str], pool: ThreadPoolExecutor
) -> np.ndarray:
    """Vectors of `texts` (in batch order), each session on its own thread taking the next batch."""
    batches = iter(padded_batches(embedder, texts))
    results: list[tuple[int, np.ndarray]] = []
    lock = threading.Lock()
    order = iter(range(1 << 30))

    def lane(run: ort.InferenceSession) -> None:
        while True:
            with lock:
                taken = next(batches, None)
                number = next(order)
            if taken is None:
                return
            ids, mask = taken
            hidden = run.run(
                ["last_hidden_state"], {"input_ids": ids, "attention_mask": mask, "token_type_ids": 0 * ids}
            )
            vectors = pooled(np.asarray(hidden[0]), mask)
            with lock:
                results.append((number, vectors))

    list(pool.map(lane, sessions))
    return np.concatenate([vectors for _, vectors in sorted(results, key=lambda r: r[0])])


def resident_mb() -> float:
    return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def timed(run: Callable[[], object]) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    run()
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--export-dir", type=Path, help="the ONNX export (made here if missing; default: afresh)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--passages", type=int, default=64, help="musique-100 passages whose texts are embedded")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="memrag-lanes-") as scratch:
        export_dir = args.export_dir or Path(scratch) / "onnx"
        embedder = OnnxEmbedder(MODEL, export_dir, quantize=False, threads=1)
        texts = slice_texts(64, args.passages)
        pool = ThreadPoolExecutor(max_workers=2)
        shared = session(export_dir / PLAIN_FILE, threads=2)
        first = session(export_dir / PLAIN_FILE, threads=1)
        embed_with([first], embedder, texts[:50], pool)
        before = resident_mb()
        second = session(export_dir / PLAIN_FILE, threads=1)
        embed_with([second], embedder, texts[:50], pool)
        print(f"{len(texts)} texts; the second one-thread session adds {resident_mb() - before:.0f} MB resident")
        one = embed_with([shared], embedder, texts, pool)
        two = embed_with([first, second], embedder, texts, pool)
        print(f"largest difference between the two ways' vectors: {float(np.abs(one - two).max()):.1e}")
        for round_number in range(args.rounds):
            a_wall, a_cpu = timed(lambda: embed_with([shared], embedder, texts, pool))
            b_wall, b_cpu = timed(lambda: embed_with([first, second], embedder, texts, pool))
            c_wall, c_cpu = timed(lambda: embed_with([first, first], embedder, texts, pool))
            print(
                f"round {round_number + 1} (load {os.getloadavg()[0]:.1f}): one session x2 threads "
                f"{a_wall:.2f} s wall {a_cpu:.2f} s CPU | two sessions x1 {b_wall:.2f} s wall {b_cpu:.2f} s CPU "
                f"= {b_wall / a_wall:.2f}x wall {b_cpu / a_cpu:.2f}x CPU | one x1 session run by both threads "
                f"{c_wall / a_wall:.2f}x wall {c_cpu / a_cpu:.2f}x CPU"
            )


if __name__ == "__main__":
    main()
