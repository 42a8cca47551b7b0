#!/bin/sh
# Container entrypoint: MEMRAG_*_FILE secrets into MEMRAG_*, the build-time ONNX export into place, then the command.
set -eu

# 1. Secrets as files (compose secrets, mounted Kubernetes secrets): MEMRAG_ADMIN_KEY_FILE=/run/secrets/x
#    becomes MEMRAG_ADMIN_KEY with the file's content (trailing newline dropped). The app reads only
#    MEMRAG_ADMIN_KEY, MEMRAG_LLM_API_KEY, ... itself.
for var in $(env | sed -n 's/^\(MEMRAG_[A-Z0-9_]*\)_FILE=.*/\1/p'); do
  file=$(printenv "${var}_FILE")
  if [ ! -r "$file" ]; then
    echo "memrag-entrypoint: ${var}_FILE=$file is not a readable file" >&2
    exit 1
  fi
  value=$(cat "$file")
  export "$var=$value"
  unset "${var}_FILE"
done

# 2. The image holds the ONNX export of the embedding model (made at build time, with torch) under
#    /opt/memrag/onnx/<model>. memrag looks for it beside its embedding cache
#    (${MEMRAG_EMBEDDING_CACHE:-$MEMRAG_DATA_DIR/cache/embeddings.sqlite}/../onnx/<model>, '/' in the
#    model name as '__'), which lives on the data volume: link it there unless an export already is.
model=$(printf '%s' "${MEMRAG_EMBEDDING_MODEL:-all-MiniLM-L6-v2}" | sed 's|/|__|g')
cache=${MEMRAG_EMBEDDING_CACHE:-${MEMRAG_DATA_DIR:-./memrag-data}/cache/embeddings.sqlite}
baked=${BAKED_ONNX_DIR:-/opt/memrag/onnx}/$model/model.onnx
target=$(dirname "$cache")/onnx/$model
if [ -f "$baked" ] && [ ! -e "$target/model.onnx" ]; then  # -e is false for a dangling link too
  mkdir -p "$target"
  ln -sf "$baked" "$target/model.onnx"
fi

exec "$@"
