"""LLM extraction cost per passage, measured on the scripted OpenAI-compatible server (real HTTP).

The server answers each OpenIE call with GPT-3.5's recorded output for that musique passage, so
replies have realistic sizes. It counts words, not BPE tokens (no tokenizer files can be fetched
here): read "tokens" below as whitespace-separated words. The second indexing of the same
passages must make no LLM call (the OpenIE cache).

Run: .venv/bin/python -m benchmarks.bench_extraction_cost [--passages 200]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from memrag.memory.extraction.llm import LlmExtractor
from memrag.memory.llm.openai_chat import OpenAIChat
from memrag.memory.storage.json_cache import SqliteJsonCache
from tests.fake_llm import FakeLLM

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "musique-100"


def recorded_replies(docs: list[dict]) -> FakeLLM:
    by_passage = {d["passage"]: d for d in docs}

    def reply(messages: list[dict]) -> str:
        user = messages[-1]["content"]
        if user in by_passage:  # the named-entity call sends the passage alone
            return json.dumps({"named_entities": by_passage[user]["extracted_entities"]})
        passage = user.removeprefix("Paragraph:\n").rsplit("\n\n", 1)[0]
        return json.dumps({"triples": by_passage.get(passage, {}).get("extracted_triples", [])})

    return FakeLLM(reply)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, default=200)
    args = parser.parse_args()
    openie = DATA / "openie_gpt-3.5-turbo-1106.json"
    if not openie.exists():
        print(f"no recorded OpenIE at {openie}; nothing to measure")
        return
    docs = json.loads(openie.read_text())["docs"][: args.passages]
    passages = [d["passage"] for d in docs]
    server = recorded_replies(docs)
    with tempfile.TemporaryDirectory() as scratch:
        cache_path = Path(scratch) / "openie.sqlite"
        first = OpenAIChat(server.base_url, "gpt-3.5-turbo-1106")
        started = time.perf_counter()
        extracted = LlmExtractor(first, SqliteJsonCache(cache_path)).extract(passages)
        seconds = time.perf_counter() - started
        second = OpenAIChat(server.base_url, "gpt-3.5-turbo-1106")
        LlmExtractor(second, SqliteJsonCache(cache_path)).extract(passages)
    server.close()
    n = len(passages)
    print(
        json.dumps(
            {
                "passages": n,
                "llm_calls_per_passage": first.usage.calls / n,
                "prompt_tokens_per_passage (words)": round(first.usage.prompt_tokens / n, 1),
                "completion_tokens_per_passage (words)": round(first.usage.completion_tokens / n, 1),
                "triples_per_passage": round(sum(len(e.triples) for e in extracted) / n, 2),
                "extraction_s_against_loopback_server": round(seconds, 2),
                "second_indexing_llm_calls": second.usage.calls,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
