#!/usr/bin/env bash
# Runs the Vigil demo end to end on a fresh Debian 12 with Node.js >= 20:
# set-up first (idempotent), then `vigil demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec node packages/cli/bin/vigil.js demo "$@"
