#!/usr/bin/env bash
# The embedded default end to end: index a small real corpus (MuSiQue passages with recorded
# GPT-3.5 triples) into ./memrag-data, then answer questions from it. No server, no LLM.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
export HF_HUB_OFFLINE=1 MEMRAG_DATA_DIR=${MEMRAG_DATA_DIR:-./memrag-data}
.venv/bin/memrag import-hipporag tests/fixtures/musique_small.json
.venv/bin/memrag retrieve "Who was the first president of the association which published Journal of Psychotherapy Integration?"
.venv/bin/memrag retrieve "In which state did the performer of Hello Love live when he died?" --top-k 3
