"""py-spy profiles of a `memrag serve` process under load (benchmarks/load_api.py): sampling, and the
samples' shares by part of an answer (HTTP, JSON and validation, embedding, retrieval, reader)."""

from __future__ import annotations

import linecache
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

RATE = 100  # py-spy's samples per second (`sample`)

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
    cmd = [spy, "record", "-p", str(pid), "-d", str(int(duration)), "-r", str(RATE), "-f", "raw", "-o", str(out)]
    return subprocess.Popen(
        [*cmd, "--nonblocking", *(["--gil"] if gil else [])], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


# An innermost frame that waits: py-spy samples such a thread though it uses no CPU.
WAITS = ("Condition.wait ", "Condition._acquire_restore ", "Event.wait ", "EpollSelector.select ")
# A line of ours that takes a lock: a thread sampled there waits for it (with --gil, py-spy sees the GIL
# held at a contended acquire, though 20 threads queueing on one RLock cost no more CPU or wall than 2).
_TAKES_LOCK = re.compile(r"\bwith\b[^:]*lock\b|lock\.acquire\(")
_FRAME = re.compile(r"\((?P<path>[^():]+\.py):(?P<line>\d+)\)$")


@dataclass(frozen=True)
class Samples:
    """A raw profile's samples: those of work by part, those of threads waiting, those at a lock of ours."""

    parts: dict[str, int]
    waiting: int
    locked: int

    @property
    def working(self) -> int:
        return sum(self.parts.values())


def read_samples(raw: Path, root: Path | None = None) -> Samples:
    """Each stack's samples go to the first part (innermost frame first) its frames name, unless its
    innermost frame waits (a condition, the event loop's select) or, read from the sources under
    `root`, is one of our lines taking a lock."""
    parts: dict[str, int] = {}
    waiting = locked = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = stack.split(";")[::-1]
        if frames[0].startswith(WAITS):
            waiting += int(count)
        elif root is not None and _takes_lock(frames[0], root):
            locked += int(count)
        else:
            part = next((name for frame in frames for name, marks in PARTS if any(m in frame for m in marks)), "other")
            parts[part] = parts.get(part, 0) + int(count)
    return Samples(parts, waiting, locked)


def profile_summary(raw: Path, answers: int = 0, root: Path | None = None) -> str:
    """Shares of the sampled CPU by part (`read_samples`), waiting samples counted apart; with `answers`,
    each part's sampled milliseconds per answer too (with --gil: the GIL held, which one process cannot
    spread over cores)."""
    found = read_samples(raw, root)
    total = found.working or 1
    ranked = sorted(found.parts.items(), key=lambda kv: -kv[1])
    shares = ", ".join(f"{name} {100 * n / total:.0f}%" for name, n in ranked)
    lines = [
        f"server CPU samples {total}: {shares} (and {found.waiting} samples of threads waiting, "
        f"{found.locked} at a lock of ours, left out)"
    ]
    if answers:
        per_answer = ", ".join(f"{name} {_ms(n, answers):.2f}" for name, n in ranked)
        lines.append(f"sampled ms per answer: {_ms(total, answers):.2f} = {per_answer}")
    return "\n".join(lines)


def gil_ceiling(raw: Path, answers: int, cpu_ms: float, cores: int, root: Path | None = None) -> str:
    """What the GIL allows one server process (from a --gil profile): at most 1000 / (GIL-held ms per
    answer) answers/s whatever the cores, as a share of the all-core bound (cores / CPU ms per answer)."""
    held = _ms(read_samples(raw, root).working, answers)
    if held <= 0 or cpu_ms <= 0:
        return "GIL ceiling: n/a (no samples)"
    ceiling, bound = 1000 / held, 1000 * cores / cpu_ms
    return (
        f"GIL held {held:.2f} ms per answer (waits left out): one process serves at most {ceiling:.0f} "
        f"answers/s = {100 * ceiling / bound:.0f}% of the all-core bound ({cores} cores / {cpu_ms:.1f} ms)"
    )


def _ms(samples: int, answers: int) -> float:
    return 1000 * samples / RATE / max(answers, 1)


def _takes_lock(frame: str, root: Path) -> bool:
    """Whether the frame's line, read from the server's sources under `root`, takes a lock."""
    found = _FRAME.search(frame)
    if found is None or not found["path"].startswith("memrag/"):
        return False
    source = linecache.getline(str(root / found["path"]), int(found["line"]))
    return bool(_TAKES_LOCK.search(source))
