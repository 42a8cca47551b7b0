"""Build a long-document QA set from a shared set: its articles packed into "volumes" of ≥ N characters.

Questions, answers and text are the shared set's own; gold = the volumes holding the gold passages.
Then score it with the chunker: `memrag eval OUT --chunk` (recall over documents, memrag and dense).
Run: .venv/bin/python -m benchmarks.build_volumes ../shared/data/musique-100 /tmp/musique-volumes [--chars 4000]
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

from memrag.memory.eval.dataset import load_dataset
from memrag.memory.eval.long_documents import pack_volumes, write_dataset


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset", type=Path, help="a HippoRAG-layout set (corpus.json, questions.json)")
    parser.add_argument("out", type=Path, help="directory to write the long-document set to")
    parser.add_argument("--chars", type=int, default=4000, help="least characters per volume")
    args = parser.parse_args()
    source = load_dataset(args.dataset)
    volumes = pack_volumes(source, args.chars)
    write_dataset(volumes, args.out)
    sizes = [len(text) for _, text in volumes.corpus]
    golds = [len(q.gold) for q in volumes.questions]
    print(
        f"{len(source.corpus)} passages → {len(volumes.corpus)} volumes "
        f"(characters: median {statistics.median(sizes):.0f}, max {max(sizes)}); "
        f"gold volumes per question: mean {statistics.mean(golds):.2f}, min {min(golds)}, max {max(golds)}"
    )


if __name__ == "__main__":
    main()
