#!/usr/bin/env bash
# The packages as users get them: packs every package (pnpm pack, as published),
# checks the tarballs (contents, publint, @arethetypeswrong/cli), installs them
# with npm into an empty folder and uses them there: an ESM and a CommonJS
# consumer, a strict tsc consumer, `vigil --help`, and, as root with BPF, a live
# capture through the prebuilt addon with no build tools on the PATH, again after
# `npm ci`. Run after `pnpm build` and the addon build (scripts/setup.sh does
# both). Usage: bash scripts/package-test.sh [--keep]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
PACKAGES=(core ebpf-native rules reporters fleet cli)
work=$(mktemp -d "${TMPDIR:-/tmp}/vigil-package-test.XXXXXX")
if [ "${1:-}" = --keep ]; then echo "keeping $work"; else trap 'rm -rf "$work"' EXIT; fi
say() { printf '[package-test] %s\n' "$*"; }
fail() { printf '[package-test] FAILED: %s\n' "$*" >&2; exit 1; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# --- pack ----------------------------------------------------------------------------
mkdir -p "$work/tgz"
for p in "${PACKAGES[@]}"; do
  [ -f "packages/$p/dist/index.js" ] || fail "packages/$p is not built: run pnpm build"
  (cd "packages/$p" && pnpm pack --pack-destination "$work/tgz" >/dev/null)
done
key=$(cd packages/ebpf-native && node --input-type=module -e "import { prebuiltKey } from './scripts/prebuilt.mjs'; console.log(prebuiltKey())")
prebuilt_in_tarball=0
for f in "$work"/tgz/*.tgz; do
  files=$(tar -tzf "$f")
  name=$(basename "$f")
  # (grep reads here-strings, not pipes: grep -q closing a pipe early fails the pipeline under pipefail)
  grep -qx 'package/LICENSE' <<<"$files" || fail "$name has no LICENSE"
  grep -qx 'package/README.md' <<<"$files" || fail "$name has no README.md"
  if grep -q '^package/src/' <<<"$files"; then fail "$name ships src/"; fi
  if grep -q '"workspace:' <<<"$(tar -xzOf "$f" package/package.json)"; then fail "$name still names workspace: versions"; fi
  if grep -qE '\]\(\.\./|\]\((packages|docs|examples)/' <<<"$(tar -xzOf "$f" package/README.md)"; then
    fail "$name: README links into the repository"
  fi
  printf '[package-test] %-32s %8d bytes  %4d files\n' "$name" "$(stat -c %s "$f")" "$(echo "$files" | wc -l)"
done
# The main entries' declarations must not load zod's (a strict consumer would type-check them):
# their schemas are typed by core's VigilSchema; the zod-typed ones live on the ./schemas subpath.
for p in core rules reporters fleet ebpf-native cli; do
  f=$(ls "$work"/tgz/vigil-"$p"-*.tgz)
  for d in index.d.ts index.d.cts; do
    decl=$(tar -xzOf "$f" "package/dist/$d" 2>/dev/null || true)
    [ -n "$decl" ] || { [ "$p" = cli ] && continue; fail "$(basename "$f") has no dist/$d"; }
    # (TSDoc comment lines are left out: an @example may show zod code.)
    code=$(grep -vE '^\s*(\*|/\*\*|//)' <<<"$decl" || true)
    if grep -qE "from ['\"]zod['\"]|import\(['\"]zod['\"]\)|^import ['\"]zod['\"]" <<<"$code"; then
      fail "$(basename "$f"): dist/$d imports zod"
    fi
  done
done
say 'the main entries of core, rules, reporters, fleet, ebpf-native and cli declare no zod types'
if grep -qx "package/prebuilds/$key/vigil_native.node" <<<"$(tar -tzf "$work"/tgz/vigil-ebpf-native-*.tgz)"; then
  prebuilt_in_tarball=1
elif [ "$key" = linux-x64-glibc ]; then
  fail "the @vigil/ebpf-native tarball has no prebuilds/$key/vigil_native.node: build the addon (pnpm --filter @vigil/ebpf-native build:native)"
else
  say "no prebuilt addon for $key in the tarball (only linux-x64-glibc is built here)"
fi

# --- publint and Are the Types Wrong ---------------------------------------------------
for f in "$work"/tgz/*.tgz; do
  "$root/node_modules/.bin/publint" run "$f" --strict --level warning >"$work/publint.txt" 2>&1 ||
    { cat "$work/publint.txt"; fail "publint: $(basename "$f")"; }
  "$root/node_modules/.bin/attw" "$f" --no-definitely-typed --format table \
    >"$work/attw.txt" 2>&1 || { cat "$work/attw.txt"; fail "attw: $(basename "$f")"; }
done
say "publint (strict) and attw pass for ${#PACKAGES[@]} tarballs"

# --- npm install into an empty folder, without build tools ------------------------------
# The PATH of a machine with Node.js and nothing else: no compiler, cmake, clang or bpftool.
bare="$work/bare-bin"
mkdir -p "$bare"
for t in node npm npx sh; do ln -s "$(command -v "$t")" "$bare/$t"; done
for t in cc c++ gcc clang cmake bpftool make; do
  if PATH=$bare command -v "$t" >/dev/null 2>&1; then fail "$t is on the bare PATH"; fi
done
app="$work/app"
mkdir -p "$app"
cp scripts/package-test/consumer.mjs scripts/package-test/consumer.cjs "$app/"
printf '{ "name": "vigil-consumer", "private": true, "type": "module" }\n' >"$app/package.json"
t0=$(now)
(cd "$app" && PATH=$bare npm install --prefer-offline --no-audit --no-fund --loglevel=error "$work"/tgz/*.tgz >"$work/npm.txt" 2>&1) ||
  { cat "$work/npm.txt"; fail 'npm install of the tarballs'; }
count=$(cd "$app" && node -e "console.log(Object.keys(require('./package-lock.json').packages).filter((k) => k).length)")
say "npm install: $(since "$t0") s, $count packages"
native="$app/node_modules/@vigil/ebpf-native"
if [ -e "$native/build/Release/vigil_native.node" ]; then fail 'the install step built the addon though a prebuilt one fits'; fi

# --- consumers --------------------------------------------------------------------------
expect=$([ "$prebuilt_in_tarball" = 1 ] && echo 1 || echo 0)
(cd "$app" && PATH=$bare VIGIL_EXPECT_PREBUILT=$expect node consumer.mjs) || fail 'ESM consumer'
(cd "$app" && PATH=$bare node consumer.cjs) || fail 'CommonJS consumer'
PATH=$bare "$app/node_modules/.bin/vigil" --help >"$work/help.txt" || fail 'vigil --help'
grep -q '^Usage: vigil COMMAND' "$work/help.txt" || fail "vigil --help printed: $(head -3 "$work/help.txt")"
[ "$(PATH=$bare "$app/node_modules/.bin/vigil" --version)" = "$(node -p "require('./packages/cli/package.json').version")" ] ||
  fail 'vigil --version'
say 'ESM and CommonJS consumers, vigil --help and --version: ok'
# vigil demo needs a repository checkout (the agent lab); from an install it says so, exit 2.
(cd "$app" && PATH=$bare ./node_modules/.bin/vigil demo --out "$work/demo" >"$work/demo.txt" 2>&1) && fail 'vigil demo ran outside a checkout'
grep -q 'the demo runs from a Vigil repository checkout' "$work/demo.txt" || fail "vigil demo printed: $(head -3 "$work/demo.txt")"
say 'vigil demo from the installed CLI says where it runs: ok'

# A strict TypeScript consumer (no skipLibCheck), with the repository's pinned compiler.
tsdir="$work/ts"
mkdir -p "$tsdir"
cp scripts/package-test/consumer.mts scripts/package-test/consumer-require.cts scripts/package-test/tsconfig.json "$tsdir/"
# The consumer sees the installed @vigil packages (their own dependencies resolve from the app)
# and @types/node.
mkdir -p "$tsdir/node_modules/@types"
ln -s "$app/node_modules/@vigil" "$tsdir/node_modules/@vigil"
ln -s "$root/node_modules/@types/node" "$tsdir/node_modules/@types/node"
t0=$(now)
(cd "$tsdir" && node "$root/node_modules/typescript/bin/tsc" -p tsconfig.json) || fail 'strict tsc consumer'
say "strict tsc consumer: ok ($(since "$t0") s)"

# --- live capture through the installed package -----------------------------------------
capture() {
  local out="$work/live-$1.vcap"
  (cd "$app" && PATH=$bare ./node_modules/.bin/vigil record --out "$out" -- /bin/cat /etc/hostname >/dev/null) ||
    fail "vigil record ($1)"
  (cd "$app" && PATH=$bare ./node_modules/.bin/vigil inspect "$out" --format json >"$work/inspect.json") ||
    fail "vigil inspect ($1)"
  node -e "
    const r = JSON.parse(require('fs').readFileSync('$work/inspect.json', 'utf8'));
    const s = JSON.stringify(r);
    if (!s.includes('/bin/cat') && !s.includes('\"cat\"')) { console.error('no exec of cat in', s.slice(0, 400)); process.exit(1); }
  " || fail "the live capture ($1) did not see /bin/cat"
  say "live capture through the installed prebuilt addon ($1): ok"
}
# An SDK example a user copies (examples/embed-sdk), run against the installed packages on a live capture.
sdk_example() {
  cp examples/embed-sdk/check-and-notify.mjs "$app/"
  (cd "$app" && PATH=$bare node check-and-notify.mjs "$work/live-install.vcap" "$work/live-install.vcap" >"$work/sdk.json") ||
    fail 'examples/embed-sdk/check-and-notify.mjs'
  node -e "
    const r = JSON.parse(require('fs').readFileSync('$work/sdk.json', 'utf8'));
    if (!(r.events > 0 && r.baselines > 0 && Array.isArray(r.findings))) { console.error('unexpected', r); process.exit(1); }
  " || fail 'the SDK example printed no result'
  say 'examples/embed-sdk from the installed packages: ok'
}
why=''
if [ "$(uname -s)" != Linux ]; then why="not Linux"
elif [ "$(id -u)" -ne 0 ]; then why="needs root for BPF"
elif [ "$prebuilt_in_tarball" != 1 ]; then why="no prebuilt addon for $key"
elif [ ! -e /sys/kernel/btf/vmlinux ]; then why="the kernel has no BTF"
fi
if [ -n "$why" ]; then
  say "skipping live capture: $why"
else
  capture install
  sdk_example
  t0=$(now)
  (cd "$app" && PATH=$bare npm ci --prefer-offline --no-audit --no-fund --loglevel=error >"$work/npm.txt" 2>&1) ||
    { cat "$work/npm.txt"; fail 'npm ci'; }
  say "npm ci: $(since "$t0") s"
  capture 'after npm ci'
fi
say 'all checks passed'
