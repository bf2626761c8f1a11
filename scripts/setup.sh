#!/usr/bin/env bash
# Installs everything Vigil needs on a fresh Debian 12 with Node.js >= 20:
# Debian packages (when running as root and they are missing), a pinned pnpm,
# the npm dependencies, the TypeScript builds and the native addon.
# Idempotent: a second run does only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

PNPM_VERSION=10.34.9
log() { printf '[setup] %s\n' "$*" >&2; }

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
  echo "setup: Node.js >= 20 is required (found $(node --version 2>/dev/null || echo none))" >&2
  exit 2
fi

# Debian packages: only when root, only what is missing.
want=()
while read -r pkg; do
  case "$pkg" in ''|'#'*) continue ;; esac
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then want+=("$pkg"); fi
done < <(cat scripts/debian-packages.txt ${VIGIL_EXTRA_PACKAGES_FILE:-})
if [ "${#want[@]}" -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    log "installing Debian packages: ${want[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null || apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${want[@]}" >/dev/null
  else
    log "missing Debian packages (${want[*]}); not root, so not installing them. Live capture will be unavailable."
  fi
fi

if ! command -v pnpm >/dev/null || [ "$(pnpm --version 2>/dev/null)" != "$PNPM_VERSION" ]; then
  log "installing pnpm@$PNPM_VERSION with npm"
  npm install -g --silent "pnpm@$PNPM_VERSION" >/dev/null
fi

log "installing npm dependencies"
pnpm install --frozen-lockfile --reporter=silent

log "building packages"
pnpm -s build >/dev/null

# The native addon (packages/ebpf-native): CO-RE BPF programs and the Node-API
# module, linked statically against libbpf, staged as the package's prebuilt
# module (what its tarball ships). Rebuilt only when a source is newer than the
# staged module. Without the toolchain, the rest of Vigil still works.
if [ "$(uname -s)" = Linux ]; then
  addon=$(cd packages/ebpf-native && node --input-type=module -e "import { prebuiltPath } from './scripts/prebuilt.mjs'; console.log(prebuiltPath('.'))")
  addon=packages/ebpf-native/${addon#./}
  if [ ! -f "$addon" ] || [ -n "$(find packages/ebpf-native/native packages/ebpf-native/CMakeLists.txt -newer "$addon" -print -quit)" ]; then
    log "building the capture addon"
    if ! pnpm -s --filter @vigil/ebpf-native build:native; then
      # As root the machine is expected to capture (CI runs the live tests): fail loudly.
      if [ "$(id -u)" -eq 0 ]; then echo "setup: the capture addon failed to build" >&2; exit 1; fi
      log "the capture addon did not build (see above); live capture will be unavailable"
    fi
  fi
else
  log "not Linux: skipping the capture addon; live capture will be unavailable"
fi
