#!/usr/bin/env bash
# Runs every property test (fast-check) ROUNDS times with fresh random seeds; each failure prints
# its seed and counterexample (replay with VIGIL_FC_SEED=SEED pnpm test FILE). The test job runs
# the same properties with one fixed seed.
#   bash scripts/fuzz.sh [ROUNDS] [vitest filters…]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-5}"
shift || true
mapfile -t files < <(grep -rl "from 'fast-check'" packages/*/test examples/*/test | sort)
if [ "$#" -gt 0 ]; then files=("$@"); fi
failed=0
for ((i = 1; i <= rounds; i++)); do
  printf '\n== fuzz round %d of %d (%d files)\n' "$i" "$rounds" "${#files[@]}"
  VIGIL_FC_SEED=random npx vitest run "${files[@]}" || failed=$((failed + 1))
done
printf '\n%d of %d rounds failed\n' "$failed" "$rounds"
[ "$failed" -eq 0 ]
