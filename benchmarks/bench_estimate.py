"""The cost estimate against the real run, on musique-100 with the scripted LLM server (real HTTP).

The server answers each OpenIE call with GPT-3.5's recorded output for that passage and each reading
call with the scripted reader, and reports `usage` counted with `approximate_tokens` (characters ÷ 4),
the unit the estimate is made in: what is compared is the estimate's prediction of calls, prompts and
reply lengths, not a tokenizer (a real endpoint counts with its own BPE, a further difference of its
own). The reply-length ratios were fitted on the first 945 passages; the second 945 are held out.

1. `estimate_add` before anything is spent; 2. the same documents indexed through in-process jobs
(slices of 16, jobs of 256), each job's usage summed; 3. what the server reports for those calls;
4. a few questions answered by the LLM reader, with each answer's usage.

Run: nice -n 10 .venv/bin/python -m benchmarks.bench_estimate [--passages 1890] [--questions 5]
Embedding uses the hash embedder (the LLM figures do not depend on it; `embed_seconds` is its time).
"""

from __future__ import annotations

import argparse
import json
import re
import tempfile
import time
from pathlib import Path

from memrag.ingest.jobs import Job
from memrag.ingest.local_jobs import LocalJobs
from memrag.memory.embedding.hashed import HashEmbedder
from memrag.memory.engine import Engine
from memrag.memory.extraction.llm import LlmExtractor
from memrag.memory.indexing.chunking import WholeDocumentChunker
from memrag.memory.indexing.estimate import estimate_add
from memrag.memory.llm.openai_chat import OpenAIChat
from memrag.memory.llm.prompts import NER_SYSTEM, READER_SYSTEM
from memrag.memory.llm.usage import Usage, approximate_tokens, total
from memrag.memory.params import RetrievalParams
from memrag.memory.retrieval.reader import LlmReader
from memrag.memory.retrieval.recognition import KeepTopFacts
from memrag.memory.storage.json_cache import SqliteJsonCache
from memrag.memory.storage.qdrant_edge import EdgeStore
from memrag.memory.storage.record_store import RecordStore
from memrag.memory.types import DocumentInput
from tests.fake_llm import FakeLLM
from tests.scripted_reader import echo_answer

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "musique-100"
_QUOTED = re.compile(r"<passage>\n(.*?)\n</passage>", re.DOTALL)
JOB_DOCUMENTS = 256
CALIBRATED = 945  # passages the reply-length ratios were fitted on (memory/extraction/llm.py)


def recorded_server(docs: list[dict]) -> FakeLLM:
    """GPT-3.5's recorded entities and triples for the passage quoted in each OpenIE prompt."""
    by_passage = {d["passage"]: d for d in docs}

    def reply(messages: list[dict]) -> str:
        system, user = messages[0]["content"], messages[-1]["content"]
        if system == READER_SYSTEM:
            return echo_answer(user)
        quoted = _QUOTED.search(user)
        found = by_passage.get(quoted.group(1) if quoted else "", {})
        if system == NER_SYSTEM:
            return json.dumps({"named_entities": found.get("extracted_entities", [])})
        return json.dumps({"triples": found.get("extracted_triples", [])})

    return FakeLLM(reply, count_tokens=approximate_tokens)


def server_reported(server: FakeLLM) -> Usage:
    """The usage the server reported for every request it answered (recomputed as it computes it)."""
    prompt = completion = 0
    for request in server.requests:
        messages = request["messages"]
        prompt += sum(approximate_tokens(m["content"]) for m in messages)
        completion += approximate_tokens(str(server.default(messages)))
    return Usage(len(server.requests), prompt, completion)


def run_jobs(jobs: LocalJobs, inputs: list[DocumentInput]) -> list[Job]:
    finished = []
    for start in range(0, len(inputs), JOB_DOCUMENTS):
        job = jobs.submit_add("musique", inputs[start : start + JOB_DOCUMENTS])
        while (job := jobs.get(job.id)).status not in ("done", "failed"):
            time.sleep(0.2)
        finished.append(job)
    return finished


def document_errors(extractor: LlmExtractor, inputs: list[DocumentInput], finished: list[Job]) -> list[float]:
    """|estimated − real| tokens of each document, in percent of real, sorted."""
    real = {d: u for job in finished for d, u in job.document_usage.items()}
    errors = []
    for doc in inputs:
        spent = real.get(str(doc.id))
        if spent is not None and spent.tokens:
            guess = extractor.expected(f"{doc.title}\n{doc.text}")
            errors.append(100 * abs(guess.tokens - spent.tokens) / spent.tokens)
    return sorted(errors)


def error(estimated: int, real: int) -> str:
    return f"{100 * (estimated - real) / real:+.1f}%" if real else "n/a"


def compare(label: str, guess: Usage, real: Usage) -> None:
    print(f"{label}:")
    for field in ("llm_calls", "prompt_tokens", "completion_tokens", "tokens"):
        estimated, actual = getattr(guess, field), getattr(real, field)
        print(f"  {field:18} estimated {estimated:>10,}  real {actual:>10,}  error {error(estimated, actual)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, default=1890)
    parser.add_argument("--questions", type=int, default=5)
    args = parser.parse_args()
    openie = DATA / "openie_gpt-3.5-turbo-1106.json"
    if not openie.exists():
        print(f"no recorded OpenIE at {openie}; nothing to measure")
        return
    docs = json.loads(openie.read_text())["docs"][: args.passages]
    inputs = [DocumentInput(text=d["text"], title=d["title"], id=f"p{i:04d}") for i, d in enumerate(docs)]
    server = recorded_server(docs)
    chat = OpenAIChat(server.base_url, "gpt-3.5-turbo-1106")
    with tempfile.TemporaryDirectory() as scratch:
        extractor = LlmExtractor(chat, SqliteJsonCache(Path(scratch) / "openie.sqlite"))
        store = RecordStore(EdgeStore(Path(scratch) / "store"), 32)
        engine = Engine(
            store, HashEmbedder(32), extractor, WholeDocumentChunker(), KeepTopFacts(), reader=LlmReader(chat)
        )
        started = time.perf_counter()
        guess = estimate_add(engine.preparer, engine.store, inputs)
        held_out = estimate_add(engine.preparer, engine.store, inputs[CALIBRATED:])
        estimate_s = time.perf_counter() - started
        assert not server.requests, "the estimate called the LLM"
        jobs = LocalJobs(lambda namespace: engine)
        started = time.perf_counter()
        finished = run_jobs(jobs, inputs)
        index_s = time.perf_counter() - started
        reported = server_reported(server)
        job_usage = total([j.usage for j in finished])
        held_out_real = total([u for j in finished for d, u in j.document_usage.items() if int(d[1:]) >= CALIBRATED])
        print(
            f"musique-100: {len(inputs)} documents, {guess.passages} passages; estimate {estimate_s:.1f} s, "
            f"indexing {index_s:.1f} s; jobs: {[j.status for j in finished].count('done')} done of {len(finished)}"
        )
        compare("all passages: estimate vs what the server reported", guess.usage, reported)
        if len(inputs) > CALIBRATED:
            label = f"held out (passages {CALIBRATED + 1}-{len(inputs)}): estimate vs the jobs' usage"
            compare(label, held_out.usage, held_out_real)
        per_document = document_errors(extractor, inputs, finished)
        print(
            f"per document, |tokens error|: median {per_document[len(per_document) // 2]:.1f}%, "
            f"p90 {per_document[int(0.9 * len(per_document))]:.1f}% (the sum averages these out)"
        )
        print(f"jobs' usage (summed): {job_usage.as_dict()}")
        same = [
            getattr(job_usage, f) == getattr(reported, f) for f in ("llm_calls", "prompt_tokens", "completion_tokens")
        ]
        print(f"jobs' usage equals the server's report: {all(same)}")
        print(f"one job: {finished[0].id}: {finished[0].documents} documents, usage {finished[0].usage.as_dict()}")
        questions = json.loads((DATA / "questions.json").read_text())[: args.questions]
        for q in questions:
            answer, _ = engine.ask(q["question"], RetrievalParams(top_k=5))
            print(f"answer usage {answer.usage.as_dict() if answer.usage else None}: {q['question'][:60]}")
        jobs.close()
        engine.close()
    server.close()


if __name__ == "__main__":
    main()
