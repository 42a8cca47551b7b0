"""Where a benchmark's high-water mark rises: its main run in-process, VmHWM read every 5 ms, stacks kept at each rise.

Each time the high-water mark passes `--above` MB (and every 2 MB past the last rise printed), it
prints the mark, the resident size now, its anonymous and file-backed parts, and every thread's
innermost frames. A native call that holds the GIL (Qdrant Edge's do) shows as the first frames seen
after it returns, with the resident size already back down: that is how the soak's spike was found
to be an optimisation (README, "a fourth session"):

    OMP_NUM_THREADS=1 python -m benchmarks.probe_high_water --above 960 benchmarks.bench_soak \\
        --passages 30000 --every 2500 --threads 2 --distinct-texts --data-dir DIR
"""

from __future__ import annotations

import argparse
import importlib
import sys
import threading
import traceback
from pathlib import Path

from benchmarks.process_memory import status_mb

PERIOD_S = 0.005
STEP_MB = 2.0
FRAMES = 7


def stacks() -> list[str]:
    """Every thread's innermost frames, outermost first."""
    return [
        " > ".join(f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in traceback.extract_stack(frame)[-FRAMES:])
        for frame in sys._current_frames().values()
    ]


def watch(above: float, stop: threading.Event) -> None:
    best = above
    while not stop.wait(PERIOD_S):
        mark = status_mb("VmHWM")
        if mark > best + STEP_MB:
            best = mark
            now, anon, files = status_mb("VmRSS"), status_mb("RssAnon"), status_mb("RssFile")
            print(f"high-water {mark:.0f} MB: resident {now:.0f} (anonymous {anon:.0f}, files {files:.0f})", flush=True)
            for stack in stacks():
                print("    " + stack, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--above", type=float, default=900.0, help="MB from which rises are reported")
    parser.add_argument("module", help="a benchmark module with a main(), e.g. benchmarks.bench_soak")
    parser.add_argument("args", nargs=argparse.REMAINDER, help="its arguments")
    args = parser.parse_args()
    target = importlib.import_module(args.module)
    sys.argv = [args.module, *args.args]
    stop = threading.Event()
    threading.Thread(target=watch, args=(args.above, stop), daemon=True).start()
    try:
        target.main()
    finally:
        stop.set()


if __name__ == "__main__":
    main()
