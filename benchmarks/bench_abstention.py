"""Short answers and abstention on a HippoRAG-layout QA set: EM/F1 of the offline readers (before and
after: benchmarks/abstention_report.py) and the share of abstentions, with the gold passages removed and on the
full set, for the offline reader and the LLM reader scripted on loopback (tests/scripted_reader.py).

Reuses an index that `memrag eval DATASET --data-dir DIR` built (it indexes there first if DIR is
empty); the gold passages are deleted from a copy of it, never from DIR itself.

    OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python -m benchmarks.bench_abstention \
        ../shared/data/musique-100 --data-dir /tmp/abst/musique_off [--sweep] [--dump FILE]
    .venv/bin/python -m benchmarks.bench_abstention ../shared/data/musique-100 --replay FILE [--sweep]

`--dump` writes what each question retrieved (hits, the fusion's signals, dense top) as JSON Lines; `--replay`
reads it back and runs the readers only (no index opened, no embedding): the readers and the
abstention thresholds can be compared, and chosen, on exactly the same retrievals.

"With their gold passages removed": every gold passage of every question is deleted from the copy,
then every question is asked again: an abstention there is right (unless another passage still
holds the answer); an abstention on the full corpus is false.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from benchmarks.abstention_report import Asked, Readers, read, report
from memrag.memory.engine import Engine
from memrag.memory.errors import NotFound
from memrag.memory.eval.dataset import Dataset, load_dataset, passage_text
from memrag.memory.eval.harness import EvalOptions, eval_embedding_cache, index_corpus
from memrag.memory.extraction.offline import SpacyExtractor
from memrag.memory.ids import document_id
from memrag.memory.llm.openai_chat import OpenAIChat
from memrag.memory.params import RetrievalParams
from memrag.memory.retrieval.abstention import dense_top
from memrag.memory.retrieval.fusion import QuerySignals
from memrag.memory.retrieval.reader import LlmReader
from memrag.memory.settings import Settings
from memrag.memory.types import Hit
from memrag.memory.wiring import make_embedder, open_engine
from tests.fake_llm import FakeLLM
from tests.scripted_reader import scripted_llm


@dataclass(frozen=True)
class Retrieved:
    """What one question retrieved: the hits the readers see, the fusion's signals (None: no walk ran) and
    the closest passage's cosine (`Retrieval.dense_top`, what the offline reader's abstention reads)."""

    question: str
    hits: tuple[Hit, ...]
    signals: QuerySignals | None
    dense_top: float | None


def retrieve_all(engine: Engine, dataset: Dataset, top_k: int) -> list[Retrieved]:
    params = RetrievalParams(top_k=max(top_k, 10))  # as `memrag eval`: the readers see the top k of a top-10 retrieval
    found = []
    for q in dataset.questions:
        vector = engine.query_embedder.embed([q.question])[0]
        signals = engine.rank(q.question, params, vector).signals  # the same ranking retrieve reads texts for
        retrieval = engine.retrieve(q.question, params, vector)
        found.append(Retrieved(q.question, retrieval.hits[:top_k], signals, retrieval.dense_top))
    return found


def ask_all(retrieved: Sequence[Retrieved], readers: Readers) -> list[Asked]:
    return [read(r.question, r.hits, r.dense_top, readers) for r in retrieved]


def dump(path: Path, phase: str, retrieved: Sequence[Retrieved], dataset: Dataset) -> None:
    """Append one JSON line per question (hits, signals, dense top, gold answers): read back by `--replay`."""
    with path.open("a", encoding="utf-8") as out:
        for r, q in zip(retrieved, dataset.questions, strict=True):
            row = {
                "phase": phase,
                "question": r.question,
                "answers": list(q.answers),
                "hits": [[h.passage_id, h.doc_id, h.text, h.score] for h in r.hits],
                "signals": None if r.signals is None else asdict(r.signals),
                "dense_top": r.dense_top,
            }
            out.write(json.dumps(row) + "\n")


def gold_documents(dataset: Dataset) -> list[str]:
    """The document ids (as `memrag eval` indexes them) of every question's gold passages."""
    gold = {text for q in dataset.questions for text in q.gold}
    return sorted({document_id(t, x) for t, x in dataset.corpus if passage_text(t, x) in gold})


def open_copy(source: Path, scratch: Path, dataset: Dataset, threads: int) -> Engine:
    """An engine over a copy of `source` (indexed first if it holds nothing)."""
    base = Settings()
    cache = eval_embedding_cache(base)  # as `memrag eval`
    settings = base.model_copy(
        update={"data_dir": source, "embedding_threads": threads, "embedding_cache": cache, "qdrant_url": None}
    )
    embedder = make_embedder(settings)
    if not (source / "namespaces").exists():
        engine = open_engine(settings, "eval", embedder=embedder, extractor=SpacyExtractor(), whole_documents=True)
        index_corpus(engine, dataset, EvalOptions(progress=True))
        engine.close()
    copy = scratch / "copy"
    shutil.copytree(source, copy)
    where = settings.model_copy(update={"data_dir": copy})
    return open_engine(where, "eval", embedder=embedder, extractor=SpacyExtractor(), whole_documents=True)


def replay(path: Path, dataset: Dataset) -> tuple[list[Retrieved], list[Retrieved]]:
    """The retrievals a `--dump` run wrote (full set, then gold removed), in the dataset's order."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]

    def retrieved(phase: str) -> list[Retrieved]:
        chosen = [r for r in rows if r["phase"] == phase]
        if [r["question"] for r in chosen] != [q.question for q in dataset.questions]:
            raise SystemExit(f"{path} holds other questions than {dataset.name}: dump it again with --dump")
        return [
            Retrieved(
                r["question"],
                tuple(Hit(pid, doc, text, score) for pid, doc, text, score in r["hits"]),
                None if r["signals"] is None else QuerySignals(**r["signals"]),
                r["dense_top"] if "dense_top" in r else _dense_top(r),
            )
            for r in chosen
        ]

    return retrieved("full"), retrieved("removed")


def _dense_top(row: dict[str, Any]) -> float | None:
    """`Retrieval.dense_top` of a row dumped before it was written down: from the signals, or the first hit's
    score (a dense ranking's cosine)."""
    signals = None if row["signals"] is None else QuerySignals(**row["signals"])
    return dense_top(signals, [(h[0], h[3]) for h in row["hits"]])


def retrieve_both(args: argparse.Namespace, dataset: Dataset) -> tuple[list[Retrieved], list[Retrieved]]:
    """Each question retrieved on the full set, then on a copy without the gold passages."""
    with tempfile.TemporaryDirectory(prefix="bench-abstention-") as scratch:
        engine = open_copy(args.data_dir, Path(scratch), dataset, args.threads)
        try:
            on_full = retrieve_all(engine, dataset, args.top_k)
            for doc_id in gold_documents(dataset):
                with contextlib.suppress(NotFound):  # a gold passage the corpus holds twice is one document
                    engine.delete(doc_id)
            return on_full, retrieve_all(engine, dataset, args.top_k)
        finally:
            engine.close()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("dataset", type=Path)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--data-dir", type=Path, help="an index built by `memrag eval --data-dir`")
    source.add_argument("--replay", type=Path, help="read the retrievals a --dump run wrote (no index opened)")
    parser.add_argument("--top-k", type=int, default=5, help="passages shown to the readers")
    parser.add_argument("--no-llm", action="store_true", help="leave out the scripted LLM reader")
    parser.add_argument("--sweep", action="store_true", help="abstention shares at other thresholds")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--dump", type=Path, help="write each question's hits and signals to this JSON Lines file")
    args = parser.parse_args(argv)
    dataset = load_dataset(args.dataset)
    on_full, on_removed = replay(args.replay, dataset) if args.replay else retrieve_both(args, dataset)
    if args.dump:
        args.dump.write_text("", encoding="utf-8")
        dump(args.dump, "full", on_full, dataset)
        dump(args.dump, "removed", on_removed, dataset)
    fake = None if args.no_llm else FakeLLM(default=scripted_llm)
    readers = Readers.make(
        None if fake is None else LlmReader(OpenAIChat(fake.base_url, "scripted-echo", max_retries=0))
    )
    try:
        full, removed = ask_all(on_full, readers), ask_all(on_removed, readers)
    finally:
        if fake is not None:
            fake.close()
    print(report(dataset, full, removed, args.sweep))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
