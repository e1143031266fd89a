#!/bin/sh
# Builds into a private directory inside the repo (e.g. build-proto) so several people can build and test
# at once without sharing dist/. Usage: scripts/build-to.sh DIR; then: node --test DIR/test/.../x.test.js
set -e
cd "$(dirname "$0")/.."
out="${1:?usage: scripts/build-to.sh DIR}"
npx tsc -p tsconfig.json --outDir "$out"
node scripts/gen-openapi.mjs "$out/openapi/schemas.json" >/dev/null
