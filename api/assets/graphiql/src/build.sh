#!/usr/bin/env bash
# Builds Gatehouse's GraphiQL page into api/assets/graphiql/ from the
# pinned packages of package-lock.json (api/assets/graphiql/BUILD.md).
set -euo pipefail
cd "$(dirname "$0")"
out=..
npm ci --no-audit --no-fund
rm -f "$out"/graphiql.{js,css} "$out"/*.worker.js "$out"/codicon.ttf "$out"/*.LEGAL.txt
# The page: GraphiQL, React, Monaco and graphql-ws in one module.
npx esbuild graphiql.jsx --bundle --minify --format=esm --target=es2022 \
  --loader:.ttf=file --asset-names='[name]' --legal-comments=external \
  --define:process.env.NODE_ENV='"production"' --outfile="$out/graphiql.js"
# Monaco's workers, which the page starts from /graphiql/<name>.worker.js.
for worker in \
  editor:monaco-editor/esm/vs/editor/editor.worker.js \
  json:monaco-editor/esm/vs/language/json/json.worker.js \
  graphql:monaco-graphql/esm/graphql.worker.js; do
  npx esbuild "node_modules/${worker#*:}" --bundle --minify --format=iife --target=es2022 \
    --legal-comments=external --define:process.env.NODE_ENV='"production"' \
    --outfile="$out/${worker%%:*}.worker.js"
done
