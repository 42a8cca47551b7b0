"""CPU of the offline reader per answer, first read and read again, over a MuSiQue set's questions.

Each question is answered from its own paragraphs (gold and distractors, as retrieval would bring
them), once cold (spaCy parses every passage) and then `--repeat` times more (what a server does
for questions asked again: parsed passages and memoised stems come from memory). Prints the CPU
per answer of each, a digest of every answer (text, support, citations, abstention): two checkouts
that read alike print the same digest, and the peak RSS (what the reader keeps for its passages).

    .venv/bin/python -m benchmarks.bench_reader [../shared/data/musique-100] [--repeat 5]
    PYTHONPATH=OTHER_CHECKOUT .venv/bin/python benchmarks/bench_reader.py ...   # another checkout's reader
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from pathlib import Path
from typing import Any

import memrag
from memrag.memory.eval.harness import peak_rss_mb
from memrag.memory.retrieval.reader import Answer, ExtractiveReader
from memrag.memory.types import Hit

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "data" / "musique-100"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("data", type=Path, nargs="?", default=DEFAULT, help="a HippoRAG-format set (questions.json)")
    parser.add_argument("--repeat", type=int, default=5, help="reads of every question after the first")
    args = parser.parse_args()
    questions = json.loads((args.data / "questions.json").read_text())
    asked = [(q["question"], _hits(q)) for q in questions]
    reader = ExtractiveReader()
    print(f"reader of {Path(memrag.__file__).resolve().parent}; {len(asked)} questions")
    started = time.process_time()
    first = [reader.answer(question, hits) for question, hits in asked]
    cold = time.process_time() - started
    started = time.process_time()
    for _ in range(args.repeat):
        again = [reader.answer(question, hits) for question, hits in asked]
    warm = time.process_time() - started
    if args.repeat and again != first:
        raise SystemExit("answers read again differ from the first ones")
    print(f"first read: {1000 * cold / len(asked):.2f} ms CPU per answer (spaCy parses included)")
    print(
        f"read again ({args.repeat} rounds): {1000 * warm / (len(asked) * max(args.repeat, 1)):.3f} ms CPU per answer"
    )
    print(f"answers digest {_digest(first)}; peak RSS {peak_rss_mb():.0f} MB")


def _hits(question: dict[str, Any]) -> tuple[Hit, ...]:
    qid = str(question["id"])
    return tuple(
        Hit(f"{qid}-{n}", qid, f"{p['title']}\n{p['text']}", 1.0 / (n + 1))
        for n, p in enumerate(question["paragraphs"])
    )


def _digest(answers: list[Answer]) -> str:
    rows = [(a.text, a.support, a.abstained, [(c.number, c.passage_id) for c in a.citations]) for a in answers]
    return hashlib.sha256(json.dumps(rows).encode()).hexdigest()[:16]


if __name__ == "__main__":
    main()
