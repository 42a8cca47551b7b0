"""Short answers and abstention on a HippoRAG-layout QA set: EM/F1 of the offline reader (today's
sentence vs the short span) and the share of abstentions, with the gold passages removed and on the
full set, for the offline reader and the LLM reader scripted on loopback (tests/scripted_reader.py).

Reuses an index that `memrag eval DATASET --data-dir DIR` built (it indexes there first if DIR is
empty); the gold passages are deleted from a copy of it, never from DIR itself.

    OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python -m benchmarks.bench_abstention \
        ../shared/data/musique-100 --data-dir /tmp/abst/musique_off [--sweep]

"With their gold passages removed": every gold passage of every question is deleted from the copy,
then every question is asked again: an abstention there is right (unless another passage still
holds the answer); an abstention on the full corpus is false.
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from memrag.memory.engine import Engine
from memrag.memory.errors import NotFound
from memrag.memory.eval.dataset import Dataset, load_dataset, passage_text
from memrag.memory.eval.harness import EvalOptions, index_corpus
from memrag.memory.eval.metrics import exact_match, token_f1
from memrag.memory.extraction.offline import SpacyExtractor
from memrag.memory.ids import document_id
from memrag.memory.llm.openai_chat import OpenAIChat
from memrag.memory.params import RetrievalParams
from memrag.memory.retrieval.abstention import MIN_TERM_SUPPORT, term_support
from memrag.memory.retrieval.reader import Answer, ExtractiveReader, LlmReader, sentence_answer
from memrag.memory.retrieval.sentence_spans import SentenceSpans
from memrag.memory.settings import Settings
from memrag.memory.types import Hit
from memrag.memory.wiring import make_embedder, open_engine
from tests.fake_llm import FakeLLM
from tests.scripted_reader import scripted_llm

SWEEP = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)


@dataclass(frozen=True)
class Asked:
    """One question read by every reader over the same retrieved passages."""

    support: float  # abstention.term_support of the passages shown
    before: Answer  # today's offline answer: the best sentence
    after: Answer  # the short offline answer (abstention off)
    offline: Answer  # the offline reader as shipped (abstention on)
    llm: Answer | None  # the scripted LLM reader


@dataclass(frozen=True)
class Readers:
    offline: ExtractiveReader
    spans_only: ExtractiveReader
    llm: LlmReader | None


def read(question: str, hits: Sequence[Hit], readers: Readers) -> Asked:
    texts = [h.text for h in hits]
    return Asked(
        term_support(question, texts),
        sentence_answer(question, hits, "sentence"),
        readers.spans_only.answer(question, hits),
        readers.offline.answer(question, hits),
        readers.llm.answer(question, hits) if readers.llm else None,
    )


def ask_all(engine: Engine, dataset: Dataset, readers: Readers, top_k: int) -> list[Asked]:
    params = RetrievalParams(top_k=max(top_k, 10))  # as `memrag eval`: the readers see the top k of a top-10 retrieval
    return [read(q.question, engine.retrieve(q.question, params).hits[:top_k], readers) for q in dataset.questions]


def gold_documents(dataset: Dataset) -> list[str]:
    """The document ids (as `memrag eval` indexes them) of every question's gold passages."""
    gold = {text for q in dataset.questions for text in q.gold}
    return sorted({document_id(t, x) for t, x in dataset.corpus if passage_text(t, x) in gold})


def scores(answers: Sequence[Answer], dataset: Dataset) -> tuple[float, float]:
    """(EM, F1) in % of the answers' text without citation markers."""
    em = [exact_match(a.plain, q.answers) for a, q in zip(answers, dataset.questions, strict=True)]
    f1 = [token_f1(a.plain, q.answers) for a, q in zip(answers, dataset.questions, strict=True)]
    return 100 * float(np.mean(em)), 100 * float(np.mean(f1))


def share(flags: Sequence[bool]) -> float:
    return 100 * float(np.mean(flags)) if flags else 0.0


def report(dataset: Dataset, full: list[Asked], removed: list[Asked], sweep: bool) -> str:
    pick: dict[str, Callable[[Asked], Answer]] = {
        "sentence (before)": lambda a: a.before,
        "short span, no abstention": lambda a: a.after,
        f"short span + abstention (support < {MIN_TERM_SUPPORT})": lambda a: a.offline,
    }
    if full[0].llm is not None:
        pick["scripted LLM reader"] = lambda a: a.llm or a.before
    lines = [f"{dataset.name}: {len(dataset.questions)} questions", f"{'reader':<44}{'EM':>7}{'F1':>7}"]
    lines += [
        f"{name:<44}{scores([p(a) for a in full], dataset)[0]:>7.1f}{scores([p(a) for a in full], dataset)[1]:>7.1f}"
        for name, p in pick.items()
    ]
    lines.append(f"{'abstentions, %':<44}{'gold removed':>14}{'full set (false)':>18}")
    lines.append(
        f"{'offline reader':<44}{share([a.offline.abstained for a in removed]):>14.1f}"
        f"{share([a.offline.abstained for a in full]):>18.1f}"
    )
    if full[0].llm is not None:
        lines.append(
            f"{'scripted LLM reader':<44}{share([bool(a.llm and a.llm.abstained) for a in removed]):>14.1f}"
            f"{share([bool(a.llm and a.llm.abstained) for a in full]):>18.1f}"
        )
    if sweep:
        lines.append("offline threshold sweep (abstain when term support < t): t, gold removed %, full set (false) %")
        for t in SWEEP:
            below = [share([a.support < t for a in asked]) for asked in (removed, full)]
            lines.append(f"  {t:.2f} {below[0]:>7.1f} {below[1]:>7.1f}")
    return "\n".join(lines)


def open_copy(source: Path, scratch: Path, dataset: Dataset, threads: int) -> Engine:
    """An engine over a copy of `source` (indexed first if it holds nothing)."""
    base = Settings()
    cache = base.embedding_cache or Path.home() / ".cache" / "memrag" / "embeddings.sqlite"
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


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("dataset", type=Path)
    parser.add_argument("--data-dir", type=Path, required=True, help="an index built by `memrag eval --data-dir`")
    parser.add_argument("--top-k", type=int, default=5, help="passages shown to the readers")
    parser.add_argument("--no-llm", action="store_true", help="leave out the scripted LLM reader")
    parser.add_argument("--sweep", action="store_true", help="abstention shares at other thresholds")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    dataset = load_dataset(args.dataset)
    fake = None if args.no_llm else FakeLLM(default=scripted_llm)
    llm = None if fake is None else LlmReader(OpenAIChat(fake.base_url, "scripted-echo", max_retries=0))
    spans = SentenceSpans()  # both offline readers read the same parsed passages
    readers = Readers(ExtractiveReader(spans), ExtractiveReader(spans, min_support=0.0), llm)
    with tempfile.TemporaryDirectory(prefix="bench-abstention-") as scratch:
        engine = open_copy(args.data_dir, Path(scratch), dataset, args.threads)
        try:
            full = ask_all(engine, dataset, readers, args.top_k)
            for doc_id in gold_documents(dataset):
                with contextlib.suppress(NotFound):  # a gold passage the corpus holds twice is one document
                    engine.delete(doc_id)
            removed = ask_all(engine, dataset, readers, args.top_k)
        finally:
            engine.close()
            if fake is not None:
                fake.close()
    print(report(dataset, full, removed, args.sweep))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
