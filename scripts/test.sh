#!/usr/bin/env bash
# Runs Vigil's whole test job on a fresh Debian 12 with Node.js >= 20:
# set-up (Debian packages when root, pnpm, npm dependencies, builds), then
# lint, typecheck, the API docs build (warnings are errors), the packages as
# published (scripts/package-test.sh) and the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh

step() { printf '\n== %s\n' "$*"; }
step "lint (biome)"
pnpm -s lint
step "typecheck (tsc, strict)"
pnpm -s typecheck
step "generated docs are current"
scripts/ts scripts/docs/generate.ts --check
step "API docs (typedoc, warnings are errors)"
pnpm -s docs >/dev/null
step "packages as published (pack, publint, attw, npm install, consumers, live capture)"
bash scripts/package-test.sh
step "tests (vitest)"
pnpm -s test
