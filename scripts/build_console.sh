#!/usr/bin/env bash
# Rebuild the web console's bundle: console/src/*.js + sigma.js + graphology → api/console/console.js (minified),
# and the axe-core copy the browser test injects → tests/browser/axe.min.js. CI does not run this: both are committed.
set -euo pipefail
cd "$(dirname "$0")/../console"
npm ci --no-audit --no-fund
npx esbuild src/main.js --bundle --minify --format=esm --target=es2020 --legal-comments=linked \
  --outfile=../api/console/console.js
cp node_modules/axe-core/axe.min.js ../tests/browser/axe.min.js
for pkg in sigma graphology graphology-layout-forceatlas2 events graphology-utils; do  # what the bundle holds
  [ -d "node_modules/$pkg" ] || continue
  printf '=== %s %s ===\n' "$pkg" "$(node -p "require('./node_modules/$pkg/package.json').version")"
  cat node_modules/"$pkg"/LICENSE* 2>/dev/null || echo "(license: $(node -p "require('./node_modules/$pkg/package.json').license"))"
  echo
done > ../api/console/THIRD_PARTY_LICENSES.txt
ls -l ../api/console/console.js ../tests/browser/axe.min.js
