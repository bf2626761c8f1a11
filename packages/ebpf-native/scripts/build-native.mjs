#!/usr/bin/env node
// Builds the capture addon with cmake-js, using the Node-API headers that ship
// with the npm packages (no header download), and stages it as the package's
// prebuilt module (prebuilds/<platform>-<arch>-<libc>/vigil_native.node, what
// the published tarball carries). Fails early, with what to install, when the
// toolchain is missing.
//
// cmake-js and node-addon-api are the package's devDependencies; outside the
// repository, scripts/install.mjs fetches them into a temporary folder and
// names it in VIGIL_BUILD_TOOLS_DIR.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { prebuiltPath } from './prebuilt.mjs';

const pkgDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const toolsDir = process.env.VIGIL_BUILD_TOOLS_DIR;
const require = createRequire(join(toolsDir ?? pkgDir, 'package.json'));

function fail(message) {
  process.stderr.write(`build-native: ${message}\n`);
  process.exit(2);
}

if (process.platform !== 'linux') fail(`live capture needs Linux; skipping the addon on ${process.platform}`);

function has(cmd, args = ['--version']) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return r.status === 0 ? `${r.stdout}${r.stderr}` : undefined;
}

const clang = has('clang');
if (!clang) fail('clang is missing: apt-get install clang (>= 11)');
const clangMajor = Number(/version (\d+)/.exec(clang)?.[1] ?? 0);
if (clangMajor < 11) fail(`clang ${clangMajor} is too old for CO-RE BPF; install clang >= 11`);
if (!has('bpftool', ['version']) && !existsSync('/usr/sbin/bpftool'))
  fail('bpftool is missing: apt-get install bpftool');
const libbpf = has('pkg-config', ['--modversion', 'libbpf']);
if (!libbpf) fail('libbpf development files are missing: apt-get install libbpf-dev pkg-config');
const [maj = 0] = libbpf.trim().split('.').map(Number);
if (maj < 1) fail(`libbpf ${libbpf.trim()} is too old; libbpf >= 1.0 is required`);
if (!has('cmake')) fail('cmake is missing: apt-get install cmake');

// cmake-js resolves the Node-API headers from the node-api-headers package in
// Node-API mode; npm_config_nodedir points it at this Node's own headers should it need them.
const nodeDir = dirname(dirname(process.execPath));
const env = { ...process.env };
if (existsSync(join(nodeDir, 'include', 'node', 'node_api.h'))) env.npm_config_nodedir = nodeDir;

const cmakeJs = join(dirname(require.resolve('cmake-js/package.json')), 'bin', 'cmake-js');
const addonApi = dirname(require.resolve('node-addon-api/package.json'));
const args = [
  cmakeJs,
  'compile',
  '--directory',
  pkgDir,
  '--out',
  join(pkgDir, 'build'),
  '--log-level',
  'warn',
  `--CDVIGIL_NODE_ADDON_API_DIR=${addonApi}`,
];
const r = spawnSync(process.execPath, args, { stdio: 'inherit', env, cwd: pkgDir });
if (r.status !== 0) fail(`cmake-js failed with exit code ${r.status}`);
const out = join(pkgDir, 'build', 'Release', 'vigil_native.node');
if (!existsSync(out)) fail(`the build finished but ${out} is missing`);
if (process.env.VIGIL_NATIVE_NO_STAGE !== '1') {
  const staged = prebuiltPath(pkgDir);
  mkdirSync(dirname(staged), { recursive: true });
  copyFileSync(out, staged);
  process.stderr.write(`build-native: built ${out}, staged as ${staged}\n`);
} else {
  process.stderr.write(`build-native: built ${out}\n`);
}
