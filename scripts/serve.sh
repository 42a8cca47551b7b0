#!/usr/bin/env bash
# Installs, then runs the HTTP API on the embedded default (Qdrant Edge under ./memrag-data,
# jobs in-process, offline extractor and reader unless MEMRAG_LLM_BASE_URL is set).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
export HF_HUB_OFFLINE=1 MEMRAG_DATA_DIR=${MEMRAG_DATA_DIR:-./memrag-data}
if [ -z "${MEMRAG_ADMIN_KEY:-}" ]; then
  MEMRAG_ADMIN_KEY=$(.venv/bin/python -c "import secrets; print(secrets.token_urlsafe(24))")
  export MEMRAG_ADMIN_KEY
  echo "MEMRAG_ADMIN_KEY was not set; this run's admin key is: $MEMRAG_ADMIN_KEY"
fi
exec .venv/bin/memrag serve --host "${MEMRAG_HOST:-127.0.0.1}" --port "${MEMRAG_PORT:-8080}"
