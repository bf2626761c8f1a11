#!/usr/bin/env node
// The package's install step. The tarball carries the capture addon prebuilt for
// linux-x64 (glibc); on any other Linux this builds it from source with cmake-js,
// but only when the toolchain is there. It never fails the install: without the
// addon, everything but live capture works, and Sensor.open says what to do.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { prebuiltKey, prebuiltPath } from './prebuilt.mjs';

const pkgDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const say = (m) => process.stderr.write(`@vigil/ebpf-native: ${m}\n`);

/** Why the module at `path` cannot be loaded into this Node.js, or undefined when it loads. */
function loadError(path) {
  try {
    createRequire(import.meta.url)(path);
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message.split('\n')[0] : String(err);
  }
}

function main() {
  if (process.platform !== 'linux') return; // live capture is Linux-only; nothing to build
  if (process.env.VIGIL_NATIVE_ADDON)
    return say(`using VIGIL_NATIVE_ADDON=${process.env.VIGIL_NATIVE_ADDON}`);
  // A module that exists but does not load (a prebuilt one on an older glibc, say) is built anew.
  const prebuilt = prebuiltPath(pkgDir);
  if (existsSync(prebuilt)) {
    const why = loadError(prebuilt);
    if (!why) return; // the prebuilt module fits this system
    say(`the prebuilt capture addon does not load here (${why})`);
  }
  const built = join(pkgDir, 'build', 'Release', 'vigil_native.node');
  if (existsSync(built) && !loadError(built)) return;
  if (process.env.VIGIL_NATIVE_BUILD === '0')
    return say('no prebuilt addon and VIGIL_NATIVE_BUILD=0: not building');

  const missing = ['clang', 'bpftool', 'cmake', 'pkg-config', 'c++'].filter(
    (t) =>
      spawnSync('sh', ['-c', `command -v ${t} || test -x /usr/sbin/${t}`], { stdio: 'ignore' }).status !== 0,
  );
  if (missing.length > 0) {
    say(
      `no prebuilt capture addon for ${prebuiltKey()} and no toolchain to build one (missing: ${missing.join(', ')}); ` +
        'live capture is unavailable, everything else works. To build it, install clang (>= 11), bpftool, cmake, ' +
        `pkg-config, a C++ compiler, libbpf-dev (>= 1.0), libelf-dev and zlib1g-dev, then run 'npm rebuild @vigil/ebpf-native'.`,
    );
    return;
  }

  say(`no prebuilt capture addon for ${prebuiltKey()}: building it from source`);
  const env = { ...process.env, VIGIL_NATIVE_NO_STAGE: '1' };
  let tools;
  try {
    createRequire(join(pkgDir, 'package.json')).resolve('cmake-js/package.json');
  } catch {
    // Outside the repository the build tools are not installed: fetch the pinned
    // versions (the package's devDependencies) into a temporary folder.
    const dev = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')).devDependencies ?? {};
    tools = mkdtempSync(join(tmpdir(), 'vigil-native-tools-'));
    const specs = ['cmake-js', 'node-addon-api'].map((n) => `${n}@${dev[n] ?? 'latest'}`);
    const npm = spawnSync(
      'npm',
      ['install', '--no-save', '--no-audit', '--no-fund', '--no-package-lock', '--prefix', tools, ...specs],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
    if (npm.status !== 0) {
      rmSync(tools, { recursive: true, force: true });
      return say(`could not install the build tools (${specs.join(', ')}); live capture is unavailable`);
    }
    env.VIGIL_BUILD_TOOLS_DIR = tools;
  }
  const r = spawnSync(process.execPath, [join(pkgDir, 'scripts', 'build-native.mjs')], {
    stdio: 'inherit',
    env,
  });
  if (tools) rmSync(tools, { recursive: true, force: true });
  if (r.status !== 0)
    say('the capture addon did not build (see above); live capture is unavailable, everything else works');
}

try {
  main();
} catch (err) {
  say(
    `install step failed (${err instanceof Error ? err.message : String(err)}); live capture may be unavailable`,
  );
}
