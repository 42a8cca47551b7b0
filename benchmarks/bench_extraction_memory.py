"""Peak memory of the offline extractor on one long passage: parsed whole (as before) vs in pieces (now).

The text is the shared musique-100 corpus joined until it is `--chars` long (public text). Each mode runs
in its own process so that its peak RSS is its own; the 'whole' mode raises spaCy's max_length to fit.
Run: nice -n 10 .venv/bin/python -m benchmarks.bench_extraction_memory [--chars 500000]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "musique-100" / "corpus.json"


def long_text(chars: int) -> str:
    rows = json.loads(DATA.read_text(encoding="utf-8"))
    parts, size = [], 0
    while size < chars:
        for row in rows:
            parts.append(row["text"])
            size += len(row["text"]) + 2
            if size >= chars:
                break
    return "\n\n".join(parts)[:chars]


def measure(mode: str, chars: int) -> dict[str, float]:
    """Parse (and extract) in this process; peak RSS of the process, seconds of the work."""
    from memrag.memory.extraction.offline import SpacyExtractor, extract_from_doc, shared_pipeline

    text = long_text(chars)
    nlp = shared_pipeline()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    started = time.perf_counter()
    if mode == "whole":
        nlp.max_length = len(text) + 1
        found = extract_from_doc(nlp(text), "Long document")
    else:
        found = SpacyExtractor().extract([f"Long document\n{text}"])[0]
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    return {"loaded_mb": before, "peak_mb": peak, "seconds": seconds, "triples": len(found.triples)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chars", type=int, default=500_000)
    parser.add_argument("--mode", choices=["whole", "pieces"], help="(internal) measure one mode here")
    args = parser.parse_args()
    if args.mode:
        print(json.dumps(measure(args.mode, args.chars)))
        return
    if not DATA.is_file():
        print(f"no corpus at {DATA}; nothing to measure")
        return
    for mode in ("whole", "pieces"):
        command = [
            sys.executable,
            "-m",
            "benchmarks.bench_extraction_memory",
            "--chars",
            str(args.chars),
            "--mode",
            mode,
        ]
        out = json.loads(subprocess.run(command, capture_output=True, text=True, check=True).stdout)
        print(
            f"{mode:<7} {args.chars:,} characters: peak RSS {out['peak_mb']:.0f} MB "
            f"(pipeline loaded {out['loaded_mb']:.0f} MB), {out['seconds']:.1f} s, {out['triples']:,} triples"
        )


if __name__ == "__main__":
    main()
