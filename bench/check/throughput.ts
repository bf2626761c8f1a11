/**
 * What `vigil check` runs, in events per CPU-second: drift against a core baseline learned with
 * `vigil learn`, every built-in rule pack (baseline-aware rules and chains included), incidents,
 * on a capture made from real recordings (see inputs.ts) with misses against the baseline.
 *
 *   bash scripts/setup.sh   # the benchmark runs the built packages and CLI, as users do
 *   npx tsx bench/check/throughput.ts [EVENTS=1000000] [RUNS=7] [BUSY_STEPS=40]
 *
 * Rows, interleaved round by round in a rotating order:
 * - `vigil check --baseline B FILE --format json` as a child process, end to end (Node.js start-up,
 *   loading the baseline and the packs, the run, the report); its CPU time (user + system, all
 *   threads) comes from the shell's `times` for its waited-for children;
 * - the SDK composition that command wraps (ReplaySource → DNS and process-tree enrichers →
 *   DriftDetector + the rules detector → correlateIncidents), in this process, timed with
 *   process.cpuUsage; one untimed run first warms it up;
 * - `vigil inspect FILE --format json` as a child process, for reference (the decode and a summary).
 *
 * Children and this process are pinned to CPU 0 when taskset exists. Rates are events per
 * CPU-second: median of RUNS runs with a 95% bootstrap interval. The inputs are kept in
 * VIGIL_BENCH_DIR (default: $TMPDIR/vigil-bench-check) and reused; recording them needs root.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as Core from '../../packages/core/src/index.js';
import type * as Rules from '../../packages/rules/src/index.js';
import { fmt, median, medianInterval, table } from '../capture/common.js';
import { builtOrExit, CORE_DIST, prepareCheckInputs, RULES_DIST, VIGIL_BIN } from './inputs.js';

const EVENTS = Number(process.argv[2] ?? 1_000_000);
const RUNS = Number(process.argv[3] ?? 7);
const BUSY_STEPS = Number(process.argv[4] ?? 40);
const DIR = process.env['VIGIL_BENCH_DIR'] ?? join(tmpdir(), 'vigil-bench-check');
const TASKSET = existsSync('/usr/bin/taskset') ? ['/usr/bin/taskset', '-c', '0'] : [];

// Re-run pinned, and without the source condition bench/run.ts passes: the rules package must
// resolve @vigil/core to the same built package this script and the CLI use.
const SOURCE_CONDITION = (a: string) => a.includes('@vigil/source');
if (
  process.env['VIGIL_BENCH_PINNED'] !== '1' &&
  (TASKSET.length > 0 || process.execArgv.some(SOURCE_CONDITION))
) {
  const execArgv = process.execArgv.filter((a) => !SOURCE_CONDITION(a));
  const cmd = [...TASKSET, process.execPath, ...execArgv, ...process.argv.slice(1)];
  const r = spawnSync(cmd[0]!, cmd.slice(1), {
    stdio: 'inherit',
    env: { ...process.env, VIGIL_BENCH_PINNED: '1' },
  });
  process.exit(r.status ?? 1);
}

builtOrExit();
const core: typeof Core = await import(CORE_DIST);
const rules: typeof Rules = await import(RULES_DIST);

const inputs = await prepareCheckInputs(DIR, EVENTS, BUSY_STEPS);
if (inputs === undefined) process.exit(0);
const { baseline, capture } = inputs;

interface Sample {
  cpu: number;
  wall: number;
}
interface Outcome {
  findings: number;
  incidents: number;
  ids: string;
}

/** Runs the CLI under `sh`, whose `times` prints the CPU time of the children it waited for. */
function child(args: readonly string[], out: string): Sample {
  const t0 = performance.now();
  const r = spawnSync(
    '/bin/sh',
    ['-c', '"$@" > "$0"; s=$?; times; exit $s', out, process.execPath, VIGIL_BIN, ...args],
    { encoding: 'utf8' },
  );
  const wall = (performance.now() - t0) / 1000;
  if (r.status !== 0 && r.status !== 1) throw new Error(`vigil ${args[0]} exited ${r.status}: ${r.stderr}`);
  // Second line: user and system time of the children, e.g. "0m1.234000s 0m0.056000s".
  const line = r.stdout.trim().split('\n').at(-1) ?? '';
  const secs = [...line.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
  if (secs.length !== 2) throw new Error(`cannot read the CPU time from times: ${r.stdout}`);
  return { cpu: secs[0]! + secs[1]!, wall };
}

function outcome(findings: readonly { id: string }[], incidents: readonly { id: string }[]): Outcome {
  return {
    findings: findings.length,
    incidents: incidents.length,
    ids: [...findings.map((f) => f.id), ...incidents.map((i) => i.id)].sort().join(','),
  };
}

/** The composition `vigil check --baseline B FILE` runs, through the SDK. */
async function sdkCheck(): Promise<Outcome & { events: number }> {
  const baselines = await core.readBaselineFile(baseline);
  // One detector, as vigil check runs it: drift coverage assessed by the drift pack, and the rules.
  const ruleDetector = rules.rulesCheckDetector({
    packs: rules.builtinPacks(),
    baselines,
    engine: { exceptions: [] },
    drift: { allowLearning: false, report: 'finish' },
  });
  const vigil = new core.Vigil({
    source: new core.ReplaySource([capture], { onTruncatedTail: 'stop' }),
    enrichers: [new core.DnsEnricher(), new core.ProcessTreeEnricher()],
    consumers: [ruleDetector.consumer],
  });
  const errors: unknown[] = [];
  vigil.on('error', (e) => errors.push(e));
  const summary = await vigil.run();
  if (errors.length > 0) throw errors[0];
  const findings = ruleDetector.findings();
  const incidents = core.correlateIncidents(findings, { processes: vigil.processes });
  return { ...outcome(findings, incidents), events: summary.events };
}

async function sdkSample(): Promise<Sample & { result: Outcome & { events: number } }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const result = await sdkCheck();
  const wall = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  return { cpu: (c.user + c.system) / 1e6, wall, result };
}

const checkOut = join(DIR, 'check-out.json');
const inspectOut = join(DIR, 'inspect-out.json');
const ROWS = [
  'vigil check (CLI, end to end)',
  'check through the SDK (in process)',
  'vigil inspect (CLI, reference)',
] as const;
const samples: Record<(typeof ROWS)[number], Sample[]> = { [ROWS[0]]: [], [ROWS[1]]: [], [ROWS[2]]: [] };

console.log(
  `check throughput: ${fmt(inputs.events)} events (${fmt(inputs.perCopy)} per copy of ${inputs.parts.length} recorded runs), ${RUNS} runs, ${TASKSET.length > 0 ? 'pinned to CPU 0' : 'not pinned'}`,
);
const warm = await sdkSample();
let sdkResult = warm.result;
for (let round = 0; round < RUNS; round++) {
  for (let k = 0; k < ROWS.length; k++) {
    const row = ROWS[(round + k) % ROWS.length]!;
    if (row === ROWS[0])
      samples[row].push(child(['check', '--baseline', baseline, capture, '--format', 'json'], checkOut));
    else if (row === ROWS[2]) samples[row].push(child(['inspect', capture, '--format', 'json'], inspectOut));
    else {
      const s = await sdkSample();
      sdkResult = s.result;
      samples[row].push(s);
    }
  }
}

const cli = JSON.parse(readFileSync(checkOut, 'utf8')) as {
  events: number;
  findings: { id: string; severity: string }[];
  incidents: { id: string }[];
};
const cliResult = outcome(cli.findings, cli.incidents);
rmSync(checkOut, { force: true });
rmSync(inspectOut, { force: true });
const events = cli.events;

const rate = (s: Sample) => events / s.cpu;
console.log(
  table(
    ['path', 'events per CPU-s (median)', '95% interval', 'CPU s (median)', 'wall s (median)'],
    ROWS.map((row) => {
      const rates = samples[row].map(rate);
      const [lo, hi] = medianInterval(rates);
      return [
        row,
        fmt(median(rates)),
        Number.isNaN(lo)
          ? `${fmt(Math.min(...rates))}–${fmt(Math.max(...rates))} (min–max)`
          : `${fmt(lo)}–${fmt(hi)}`,
        fmt(median(samples[row].map((s) => s.cpu)), 3),
        fmt(median(samples[row].map((s) => s.wall)), 3),
      ];
    }),
  ),
);
const bySeverity = new Map<string, number>();
for (const f of cli.findings) bySeverity.set(f.severity, (bySeverity.get(f.severity) ?? 0) + 1);
console.log(
  `findings: ${cliResult.findings} (${[...bySeverity].map(([s, n]) => `${n} ${s}`).join(', ')}), incidents: ${cliResult.incidents}; ` +
    `the SDK run found ${sdkResult.ids === cliResult.ids && sdkResult.events === events ? 'the same' : `DIFFERENT results (${sdkResult.findings} findings, ${sdkResult.incidents} incidents, ${sdkResult.events} events)`}`,
);
console.log(
  `check / inspect CPU (median ratio per round): ${fmt(median(samples[ROWS[0]].map((s, i) => s.cpu / samples[ROWS[2]][i]!.cpu)), 2)}`,
);
