/**
 * Start-up cost of the `vigil` command, per command: wall time, CPU time (user + system) and peak
 * resident memory of a whole process, measured with /usr/bin/time. Each command runs on small
 * inputs (a capture of 60 simulated seconds, a baseline learned from it, one MCP configuration), so
 * the figures are what a process pays before and around its work. Medians of 7 runs (3 with
 * --quick). `node -e 0` is the floor every row includes.
 *
 * Run after `pnpm build`: scripts/ts bench/startup/startup.ts [--quick] [--bin PATH/TO/vigil.js]
 * [--against PATH/TO/OTHER/vigil.js]
 * (--bin measures another copy of the command, e.g. one installed from the npm tarballs;
 * --against compares two copies, e.g. a build from before a change: each run of the one is
 * followed by a run of the other, so both see the same machine load, and the table gives CPU
 * time and peak memory of both, and their ratio.)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CaptureWriter } from '../../packages/core/src/index.js';
import { benignAgent } from '../../packages/core/test/baseline/helpers/agent-sim.js';

const quick = process.argv.includes('--quick');
const RUNS = quick ? 3 : 7;
const binArg = process.argv.indexOf('--bin');
const BIN =
  binArg > 0 && process.argv[binArg + 1]
    ? process.argv[binArg + 1]!
    : fileURLToPath(new URL('../../packages/cli/bin/vigil.js', import.meta.url));
const againstArg = process.argv.indexOf('--against');
const AGAINST = againstArg > 0 ? process.argv[againstArg + 1] : undefined;
if (!existsSync('/usr/bin/time')) {
  console.error('/usr/bin/time is needed (apt-get install time)');
  process.exit(2);
}

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-startup-'));
const capture = join(dir, 'agent.vcap');
const baseline = join(dir, 'baseline.json');
const mcp = join(dir, 'mcp.json');
const writer = CaptureWriter.create(capture);
writer.writeAll(benignAgent({ seed: 7, seconds: 60 }));
writer.close();
writeFileSync(
  mcp,
  JSON.stringify({ mcpServers: { files: { command: 'npx', args: ['-y', 'server-fs', '/'] } } }),
);

interface Sample {
  wallMs: number;
  cpuMs: number;
  rssMiB: number;
}

function run(argv: readonly string[]): Sample {
  const out = join(dir, 'time.txt');
  const r = spawnSync('/usr/bin/time', ['-o', out, '-f', '%e %U %S %M', ...argv], {
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
  });
  const fields = readFileSync(out, 'utf8').trim().split('\n').at(-1)!.split(' ').map(Number);
  const [wall, user, sys, rssKiB] = fields as [number, number, number, number];
  if (r.status !== 0 && r.status !== 1) throw new Error(`${argv.join(' ')} exited ${r.status}: ${r.stderr}`);
  return { wallMs: wall * 1000, cpuMs: (user + sys) * 1000, rssMiB: rssKiB / 1024 };
}

// learn writes the baseline the check row reads.
run([process.execPath, BIN, 'learn', '--out', baseline, capture]);

// The command lines of each row, for the copy of vigil at `bin`.
const rows = (bin: string): [string, readonly string[]][] => [
  ['node -e 0 (floor)', [process.execPath, '-e', '0']],
  ['vigil --version', [process.execPath, bin, '--version']],
  ['vigil --help', [process.execPath, bin, '--help']],
  ['vigil inspect CAPTURE', [process.execPath, bin, 'inspect', capture]],
  ['vigil learn', [process.execPath, bin, 'learn', '--out', join(dir, 'b2.json'), capture]],
  ['vigil check', [process.execPath, bin, 'check', '--baseline', baseline, capture]],
  ['vigil aibom', [process.execPath, bin, 'aibom', capture]],
  ['vigil scan MCP-CONFIG', [process.execPath, bin, 'scan', mcp]],
];

const cell = (samples: readonly Sample[]) => ({
  wallMs: median(samples.map((x) => x.wallMs)),
  cpuMs: median(samples.map((x) => x.cpuMs)),
  rssMiB: median(samples.map((x) => x.rssMiB)),
});
const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

if (AGAINST === undefined) {
  console.log(`vigil start-up: ${BIN}, median of ${RUNS} runs`);
  console.log('');
  console.log('| command | wall ms | CPU ms | max RSS MiB |');
  console.log('| --- | ---: | ---: | ---: |');
  for (const [name, argv] of rows(BIN)) {
    const c = cell(Array.from({ length: RUNS }, () => run(argv)));
    console.log(`| ${name} | ${c.wallMs.toFixed(0)} | ${c.cpuMs.toFixed(0)} | ${c.rssMiB.toFixed(1)} |`);
  }
} else {
  // Runs alternate between the two copies, so that a change in machine load weighs on both.
  console.log(`vigil start-up: ${AGAINST} (A) against ${BIN} (B), median of ${RUNS} alternating runs each`);
  console.log(`load average at start: ${load()}`);
  console.log('');
  console.log('| command | CPU ms A | CPU ms B | B/A | max RSS MiB A | max RSS MiB B |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  const bRows = rows(BIN);
  for (const [i, [name, argvA]] of rows(AGAINST).entries()) {
    const argvB = bRows[i]![1];
    const a: Sample[] = [];
    const b: Sample[] = [];
    for (let r = 0; r < RUNS; r++) {
      a.push(run(argvA));
      b.push(run(argvB));
    }
    const ca = cell(a);
    const cb = cell(b);
    console.log(
      `| ${name} | ${ca.cpuMs.toFixed(0)} | ${cb.cpuMs.toFixed(0)} | ${(cb.cpuMs / ca.cpuMs).toFixed(2)} | ${ca.rssMiB.toFixed(1)} | ${cb.rssMiB.toFixed(1)} |`,
    );
  }
  console.log('');
  console.log(`load average at end: ${load()}`);
}
rmSync(dir, { recursive: true, force: true });
