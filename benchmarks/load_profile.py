"""py-spy profiles of a `memrag serve` process under load (benchmarks/load_api.py): sampling, and the
samples' shares by part of an answer (HTTP, JSON and validation, embedding, retrieval, reader)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

# Where a sample's CPU went, by the innermost frame of ours or of a library that names the part.
PARTS = (
    ("embedding", ("onnxruntime", "tokenizers", "memory/embedding/")),
    (
        "retrieval",
        (
            "memory/engine",
            "memory/retrieval/pipeline",
            "memory/graph/",
            "memory/storage/",
            "retrieval/ordering",
            "fusion",
        ),
    ),
    ("reader", ("memory/retrieval/reader", "sentence_spans", "short_answer", "abstention", "spacy", "thinc")),
    ("JSON and validation", ("pydantic", "json", "api/convert", "api/schemas", "encoders")),
    ("HTTP", ("uvicorn", "h11", "starlette", "fastapi", "anyio", "asyncio", "httptools")),
)


def sample(pid: int, duration: float, out: Path, gil: bool = False) -> subprocess.Popen[bytes] | None:
    """py-spy sampling the server for the run (raw folded stacks in `out`; with `gil`, only the thread
    holding the GIL: the part of the CPU that one process cannot spread over cores); None if py-spy is missing."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(spy).exists():
        print("no py-spy found: `pip install py-spy` to profile the server")
        return None
    cmd = [spy, "record", "-p", str(pid), "-d", str(int(duration)), "-r", "100", "-f", "raw", "-o", str(out)]
    return subprocess.Popen(
        [*cmd, "--nonblocking", *(["--gil"] if gil else [])], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


# An innermost frame that waits: py-spy samples such a thread though it uses no CPU.
WAITS = ("Condition.wait ", "Condition._acquire_restore ", "Event.wait ", "EpollSelector.select ")


def profile_summary(raw: Path) -> str:
    """Shares of the sampled CPU by part: the first part (innermost frame first) a stack's frames name;
    waiting samples are counted apart."""
    counts: dict[str, int] = {}
    waiting = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = stack.split(";")[::-1]
        if frames and frames[0].startswith(WAITS):
            waiting += int(count)
            continue
        part = next((name for frame in frames for name, marks in PARTS if any(m in frame for m in marks)), "other")
        counts[part] = counts.get(part, 0) + int(count)
    total = sum(counts.values()) or 1
    shares = ", ".join(f"{name} {100 * n / total:.0f}%" for name, n in sorted(counts.items(), key=lambda kv: -kv[1]))
    return f"server CPU samples {total}: {shares} (and {waiting} samples of threads waiting, left out)"
