#!/usr/bin/env bash
# Installs, then runs the checks: ruff, mypy, import-linter, and the test suite.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh || exit 1
export HF_HUB_OFFLINE=1
CODE=(memrag memory ingest api cli tests benchmarks)
.venv/bin/ruff check "${CODE[@]}" || exit 1
.venv/bin/ruff format --check "${CODE[@]}" || exit 1
.venv/bin/mypy memrag tests benchmarks || exit 1
.venv/bin/lint-imports || exit 1
.venv/bin/python -m pytest -q "$@"
status=$?
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests"
  exit 1
fi
exit "$status"
