/**
 * What `vigil check` runs, in events per CPU-second: drift against a core baseline learned with
 * `vigil learn`, every built-in rule pack (baseline-aware rules and chains included), incidents,
 * on a capture made from real recordings (see inputs.ts) with misses against the baseline.
 *
 *   bash scripts/setup.sh   # the benchmark runs the built packages and CLI, as users do
 *   npx tsx bench/check/throughput.ts [EVENTS=1000000] [RUNS=7] [BUSY_STEPS=40] [SMALL=EVENTS/4]
 *
 * Rows, each on two captures (EVENTS and SMALL events, 0 for none), interleaved round by round in a
 * rotating order:
 * - `vigil check --baseline B FILE --format json` as a child process, end to end (Node.js start-up,
 *   loading the baseline and the packs, the run, the report); its CPU time (user + system, all
 *   threads) comes from the shell's `times` for its waited-for children;
 * - the SDK composition that command wraps (ReplaySource → DNS and process-tree enrichers →
 *   DriftDetector + the rules detector → correlateIncidents), in this process, timed with
 *   process.cpuUsage; one untimed run first warms it up;
 * - `vigil inspect FILE --format json` as a child process, for reference (the decode and a summary).
 *
 * Children and this process are pinned to CPU 0 when taskset exists. Rates are events per
 * CPU-second: median of RUNS runs with a 95% bootstrap interval. End to end, a run's CPU includes
 * what does not grow with the capture (Node.js start-up, loading the CLI, the baseline and the
 * packs, the report); the marginal rate takes it out: per round, the extra events of the larger
 * capture over the extra CPU they cost, (EVENTS − SMALL) / (CPU(EVENTS) − CPU(SMALL)), and the
 * fixed cost is what the smaller run took beyond its events at that rate. The inputs are kept in
 * VIGIL_BENCH_DIR (default: $TMPDIR/vigil-bench-check) and reused; recording them needs root.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as Core from '../../packages/core/src/index.js';
import type * as Rules from '../../packages/rules/src/index.js';
import { fmt, median, medianInterval, table } from '../capture/common.js';
import {
  builtOrExit,
  CORE_DIST,
  captureFor,
  prepareCheckInputs,
  RULES_DIST,
  rerunPinned,
  TASKSET,
  VIGIL_BIN,
} from './inputs.js';

const EVENTS = Number(process.argv[2] ?? 1_000_000);
const RUNS = Number(process.argv[3] ?? 7);
const BUSY_STEPS = Number(process.argv[4] ?? 40);
const SMALL = Number(process.argv[5] ?? Math.round(EVENTS / 4));
const DIR = process.env['VIGIL_BENCH_DIR'] ?? join(tmpdir(), 'vigil-bench-check');

rerunPinned();

builtOrExit();
const core: typeof Core = await import(CORE_DIST);
const rules: typeof Rules = await import(RULES_DIST);

const inputs = await prepareCheckInputs(DIR, EVENTS, BUSY_STEPS);
if (inputs === undefined) process.exit(0);
const { baseline } = inputs;
const small = SMALL > 0 && SMALL < EVENTS ? await prepareCheckInputs(DIR, SMALL, BUSY_STEPS) : undefined;
/** The captures checked: the large one first. */
const SIZES = [
  { name: `${fmt(EVENTS)} events`, capture: await captureFor(core, inputs.capture) },
  ...(small ? [{ name: `${fmt(SMALL)} events`, capture: await captureFor(core, small.capture) }] : []),
];

interface Sample {
  cpu: number;
  wall: number;
  /** Events checked (from the output or the run's summary). */
  events: number;
}
interface Outcome {
  findings: number;
  incidents: number;
  ids: string;
}

/** Runs the CLI under `sh`, whose `times` prints the CPU time of the children it waited for. */
function child(args: readonly string[], out: string): Omit<Sample, 'events'> {
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
async function sdkCheck(capture: string): Promise<Outcome & { events: number }> {
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

async function sdkSample(capture: string): Promise<Sample & { result: Outcome & { events: number } }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const result = await sdkCheck(capture);
  const wall = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  return { cpu: (c.user + c.system) / 1e6, wall, events: result.events, result };
}

const checkOut = join(DIR, 'check-out.json');
const inspectOut = join(DIR, 'inspect-out.json');
const ROWS = [
  'vigil check (CLI, end to end)',
  'check through the SDK (in process)',
  'vigil inspect (CLI, reference)',
] as const;
type Row = (typeof ROWS)[number];
/** Samples per row and size (index into SIZES). */
const samples = new Map<string, Sample[]>();
const at = (row: Row, size: number): Sample[] => {
  const k = `${row}\u0000${size}`;
  let list = samples.get(k);
  if (list === undefined) {
    list = [];
    samples.set(k, list);
  }
  return list;
};
/** What the CLI check reported on each size, and the SDK's outcome. */
const cliOutcome: (Outcome & { events: number; bySeverity: Map<string, number> })[] = [];
const sdkOutcome: (Outcome & { events: number })[] = [];

function cliCheck(size: number): Sample {
  const s = child(['check', '--baseline', baseline, SIZES[size]!.capture, '--format', 'json'], checkOut);
  const out = JSON.parse(readFileSync(checkOut, 'utf8')) as {
    events: number;
    findings: { id: string; severity: string }[];
    incidents: { id: string }[];
  };
  const bySeverity = new Map<string, number>();
  for (const f of out.findings) bySeverity.set(f.severity, (bySeverity.get(f.severity) ?? 0) + 1);
  cliOutcome[size] = { ...outcome(out.findings, out.incidents), events: out.events, bySeverity };
  return { ...s, events: out.events };
}

function cliInspect(size: number): Sample {
  const s = child(['inspect', SIZES[size]!.capture, '--format', 'json'], inspectOut);
  const out = JSON.parse(readFileSync(inspectOut, 'utf8')) as { events?: number };
  return { ...s, events: out.events ?? (size === 0 ? EVENTS : SMALL) };
}

const load = () =>
  loadavg()
    .map((x) => x.toFixed(1))
    .join(' ');
console.log(
  `check throughput: ${SIZES.map((s) => s.name).join(' and ')} (${fmt(inputs.perCopy)} per copy of ${inputs.parts.length} recorded runs), ${RUNS} runs, ${TASKSET.length > 0 ? 'pinned to CPU 0' : 'not pinned'}; load average ${load()}`,
);
await sdkSample(SIZES[0]!.capture);
// Every (row, size) once per round, in an order that rotates from round to round.
const cells = ROWS.flatMap((row) => SIZES.map((_, size) => ({ row, size })));
for (let round = 0; round < RUNS; round++) {
  for (let k = 0; k < cells.length; k++) {
    const { row, size } = cells[(round + k) % cells.length]!;
    if (row === ROWS[0]) at(row, size).push(cliCheck(size));
    else if (row === ROWS[2]) at(row, size).push(cliInspect(size));
    else {
      const s = await sdkSample(SIZES[size]!.capture);
      sdkOutcome[size] = s.result;
      at(row, size).push(s);
    }
  }
}
const loadAfter = load();
rmSync(checkOut, { force: true });
rmSync(inspectOut, { force: true });

const interval = (xs: readonly number[], digits = 0): string => {
  const [lo, hi] = medianInterval(xs);
  return Number.isNaN(lo)
    ? `${fmt(Math.min(...xs), digits)}–${fmt(Math.max(...xs), digits)} (min–max)`
    : `${fmt(lo, digits)}–${fmt(hi, digits)}`;
};
console.log(
  table(
    ['path', 'capture', 'events per CPU-s (median)', '95% interval', 'CPU s (median)', 'wall s (median)'],
    ROWS.flatMap((row) =>
      SIZES.map((size, i) => {
        const xs = at(row, i);
        const rates = xs.map((s) => s.events / s.cpu);
        return [
          row,
          size.name,
          fmt(median(rates)),
          interval(rates),
          fmt(median(xs.map((s) => s.cpu)), 3),
          fmt(median(xs.map((s) => s.wall)), 3),
        ];
      }),
    ),
  ),
);
if (SIZES.length === 2) {
  // Per round: the larger capture's extra events over the extra CPU they took.
  console.log(
    table(
      ['path', 'marginal events per CPU-s (median)', '95% interval', 'fixed CPU s (median)', '95% interval'],
      ROWS.map((row) => {
        const big = at(row, 0);
        const little = at(row, 1);
        const rates: number[] = [];
        const fixed: number[] = [];
        for (let r = 0; r < Math.min(big.length, little.length); r++) {
          const b = big[r]!;
          const l = little[r]!;
          const perEvent = (b.cpu - l.cpu) / (b.events - l.events);
          rates.push(perEvent > 0 ? 1 / perEvent : Number.POSITIVE_INFINITY);
          fixed.push(l.cpu - l.events * perEvent);
        }
        return [row, fmt(median(rates)), interval(rates), fmt(median(fixed), 3), interval(fixed, 3)];
      }),
    ),
  );
}
for (const [i, size] of SIZES.entries()) {
  const cli = cliOutcome[i]!;
  const sdk = sdkOutcome[i]!;
  console.log(
    `${size.name}: findings: ${cli.findings} (${[...cli.bySeverity].map(([s, n]) => `${n} ${s}`).join(', ')}), incidents: ${cli.incidents}; ` +
      `the SDK run found ${sdk.ids === cli.ids && sdk.events === cli.events ? 'the same' : `DIFFERENT results (${sdk.findings} findings, ${sdk.incidents} incidents, ${sdk.events} events)`}`,
  );
}
console.log(
  `check / inspect CPU on ${SIZES[0]!.name} (median ratio per round): ${fmt(median(at(ROWS[0], 0).map((s, i) => s.cpu / at(ROWS[2], 0)[i]!.cpu)), 2)}; load average at the end ${loadAfter}`,
);
