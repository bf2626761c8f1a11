/**
 * Runs every benchmark under bench/ one after another and lets each print its table.
 *
 *   pnpm bench                       # small settings: a few minutes, figures with wide spread
 *   pnpm bench --full                # each benchmark's own defaults (what docs/performance* report)
 *   pnpm bench --only check,rules    # some of them (names as listed below)
 *   pnpm bench --list
 *
 * Needs the set-up (`bash scripts/setup.sh`): several benchmarks run the built packages, as users
 * do. Benchmarks of live capture and enforcement need root and are skipped, with the reason
 * printed, without it. The capture-overhead run compares Vigil with capture off, bpftrace and auditd
 * (3 rounds quick, 41 with --full); a peer that is not installed (scripts/bench-packages.txt lists
 * them) is skipped with the reason printed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

interface Benchmark {
  readonly name: string;
  readonly file: string;
  /** Arguments for the default (small) run and for --full. */
  readonly quick: readonly string[];
  readonly full: readonly string[];
  readonly root?: boolean;
  /** Needs the built packages (dist), not only the sources. */
  readonly built?: boolean;
}

const BENCHMARKS: readonly Benchmark[] = [
  {
    name: 'check',
    file: 'check/throughput.ts',
    quick: ['200000', '5', '10'],
    full: [],
    root: true,
    built: true,
  },
  {
    name: 'check-stages',
    file: 'check/stages.ts',
    quick: ['200000', '3', '10'],
    full: [],
    root: true,
    built: true,
  },
  {
    name: 'check-detectors',
    file: 'check/detector-stages.ts',
    quick: ['200000', '3', '10'],
    full: [],
    root: true,
    built: true,
  },
  { name: 'rules', file: 'rules/engine.bench.ts', quick: ['200000', '3'], full: [] },
  { name: 'baseline', file: 'baseline/throughput.ts', quick: ['200000', '3', '8'], full: [], built: true },
  { name: 'baseline-size', file: 'baseline/size.ts', quick: ['50', '300', '1'], full: [] },
  { name: 'capture-file', file: 'capture-file/reader-memory.ts', quick: ['64', '1'], full: [] },
  { name: 'aibom', file: 'aibom/aibom.ts', quick: ['100000', '3'], full: [] },
  { name: 'payload', file: 'payload/throughput.ts', quick: ['300', '3'], full: [], built: true },
  { name: 'gap', file: 'gap/gap.ts', quick: ['--quick'], full: [] },
  { name: 'scan', file: 'scan/scan.ts', quick: ['--quick'], full: [] },
  { name: 'model-files', file: 'scanners/model-files.ts', quick: ['2000', '3'], full: [] },
  { name: 'supply', file: 'scanners/supply.ts', quick: ['--quick'], full: [] },
  { name: 'limits', file: 'limits/limits.ts', quick: ['1'], full: [] },
  {
    name: 'capture-throughput',
    file: 'capture/throughput.ts',
    quick: ['1000', '250000,0'],
    full: [],
    root: true,
  },
  {
    name: 'capture-overhead',
    file: 'capture/overhead.ts',
    quick: ['3'],
    full: ['41'],
    root: true,
  },
  { name: 'capture-memory', file: 'capture/memory.ts', quick: ['50000', '3'], full: [], root: true },
  { name: 'kernel-cost', file: 'capture/kernel-cost.ts', quick: ['1'], full: [], root: true },
  { name: 'exec-cost', file: 'capture/exec-cost.ts', quick: ['2', '100'], full: [], root: true },
  { name: 'enforce', file: 'enforce/overhead.ts', quick: ['3'], full: [], root: true },
  { name: 'daemon-cost', file: 'fleet/daemon-cost.ts', quick: ['1', '50', '10'], full: [], root: true },
  { name: 'fleet', file: 'fleet/simulate.ts', quick: ['100', '1', '10', '2'], full: [] },
];

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const args = process.argv.slice(2);
const full = args.includes('--full');
const onlyAt = args.indexOf('--only');
const only = onlyAt >= 0 ? new Set((args[onlyAt + 1] ?? '').split(',').filter(Boolean)) : undefined;
const known = new Set(BENCHMARKS.map((b) => b.name));

if (args.includes('--list') || args.includes('--help')) {
  for (const b of BENCHMARKS)
    console.log(
      `${b.name.padEnd(20)} bench/${b.file}  quick: ${b.quick.join(' ') || '(defaults)'}${b.root ? '  (root)' : ''}`,
    );
  process.exit(0);
}
for (const n of only ?? []) {
  if (!known.has(n)) {
    console.error(`bench: no benchmark named '${n}' (there are: ${[...known].join(', ')})`);
    process.exit(2);
  }
}

const isRoot = process.getuid?.() === 0;
const built = ['core', 'rules', 'cli'].every((p) => existsSync(join(ROOT, `packages/${p}/dist/index.js`)));
const results: { name: string; outcome: string; seconds: number }[] = [];
for (const b of BENCHMARKS) {
  if (only !== undefined && !only.has(b.name)) continue;
  const argv = full ? b.full : b.quick;
  console.log(`\n## ${b.name}: bench/${b.file} ${argv.join(' ')}\n`);
  if (b.root === true && !isRoot) {
    console.log('skipped: needs root (live capture or enforcement)');
    results.push({ name: b.name, outcome: 'skipped (needs root)', seconds: 0 });
    continue;
  }
  if (b.built === true && !built) {
    console.log('skipped: the packages are not built (run `bash scripts/setup.sh` or `pnpm build`)');
    results.push({ name: b.name, outcome: 'skipped (not built)', seconds: 0 });
    continue;
  }
  const t0 = performance.now();
  const r = spawnSync(
    process.execPath,
    ['--conditions=@vigil/source', '--import', 'tsx', join(ROOT, 'bench', b.file), ...argv],
    { cwd: ROOT, stdio: 'inherit' },
  );
  const seconds = (performance.now() - t0) / 1000;
  results.push({
    name: b.name,
    outcome: r.status === 0 ? 'ok' : `failed (${r.status ?? r.signal})`,
    seconds,
  });
}

console.log(`\n## summary (${full ? 'full' : 'quick'} settings)\n`);
for (const r of results)
  console.log(`${r.name.padEnd(20)} ${r.outcome.padEnd(22)} ${r.seconds.toFixed(0).padStart(5)} s`);
process.exit(results.some((r) => r.outcome.startsWith('failed')) ? 1 : 0);
