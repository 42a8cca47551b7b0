#!/usr/bin/env bash
# Rehearses the scaled topology on loopback, no containers: Redis, writer, 2 workers, 2 API replicas, HAProxy.
# Usage: bash deploy/rehearse.sh [--docs N] [--measure-s S] [--keep]   (needs redis-server and haproxy)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
for tool in redis-server haproxy; do
  command -v "$tool" >/dev/null || { echo "rehearse: $tool is missing (apt-get install -y redis-server haproxy)" >&2; exit 2; }
done
[ -x "$(dirname "$PY")/memrag" ] || { echo "rehearse: no memrag beside $PY (bash scripts/install.sh)" >&2; exit 2; }
export HF_HUB_OFFLINE=1
# The driver stops what it started (also on SIGTERM from `timeout`). This is the backstop for a driver
# that died without doing so: it ends the process groups the driver recorded in $REHEARSAL_PIDS whose
# leader is still one of ours (memrag, redis-server, haproxy), and nothing else.
REHEARSAL_PIDS=$(mktemp /tmp/memrag-rehearsal-pids.XXXXXX)
export REHEARSAL_PIDS
kill_recorded() {
  while read -r pid; do
    case "$(ps -o args= -p "$pid" 2>/dev/null)" in
      *memrag*|*redis-server*|*haproxy*) kill -9 -- "-$pid" 2>/dev/null || true ;;
    esac
  done < "$REHEARSAL_PIDS"
}
driver=""
cleanup() {
  if [ -n "$driver" ]; then  # interrupted while the driver runs: stop it (it stops its processes)
    kill -TERM "$driver" 2>/dev/null || true
    wait "$driver" 2>/dev/null || true
    kill_recorded
  fi
  rm -f "$REHEARSAL_PIDS"
}
trap cleanup EXIT INT TERM
timeout --signal=TERM --kill-after=60 "${REHEARSAL_TIMEOUT_S:-420}" "$PY" deploy/rehearse.py "$@" &
driver=$!
status=0
wait "$driver" || status=$?
driver=""
if [ "$status" -ge 128 ]; then kill_recorded; fi  # killed by a signal: maybe before it stopped them
exit "$status"
