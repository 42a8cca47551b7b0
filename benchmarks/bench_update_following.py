"""`memrag eval --counterfactual` with a scripted LLM reader on loopback (tests/scripted_reader.py).

The scripted model echoes a sentence of the first passage it is shown that shares a word with the
question, so the share of answers following an update measures what retrieval put in front of it.
It also plays the recognition step (keeping every candidate fact; memrag keeps the first four).

    .venv/bin/python -m benchmarks.bench_update_following ../shared/data/musique-100 \
        --openie ../shared/data/musique-100/openie_gpt-3.5-turbo-1106.json --out /tmp/cf-llm.json
"""

from __future__ import annotations

import os
import sys

from memrag.cli.main import main as memrag
from tests.fake_llm import FakeLLM
from tests.scripted_reader import scripted_llm


def main(argv: list[str]) -> int:
    fake = FakeLLM(default=scripted_llm)
    os.environ["MEMRAG_LLM_BASE_URL"] = fake.base_url
    os.environ["MEMRAG_LLM_MODEL"] = "scripted-echo"
    try:
        code = memrag(["eval", *argv, "--counterfactual"])
    finally:
        fake.close()
    print(f"scripted LLM requests: {len(fake.requests)}")
    return code


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
