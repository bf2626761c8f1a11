/**
 * Where `vigil check`'s CPU goes, stage by stage, on the check benchmark's capture (see inputs.ts):
 *
 * - decode: `CaptureReader.batches()` over the file (reading, block checksums, decoding and
 *   validating every event);
 * - decode + enrichers: the pipeline `vigil check` builds (`ReplaySource` → `DnsEnricher`,
 *   `ProcessTreeEnricher` and the call attribution the pipeline adds) with no consumer;
 * - check: the same pipeline with the rules detector (drift and every built-in pack), as in
 *   throughput.ts.
 *
 * Each sample is a child process pinned to CPU 0 that times one stage with `process.cpuUsage()`
 * around the run alone (start-up and module loading excluded). With several builds (BUILD=DIR of a
 * repository checkout whose packages are built, repeated), samples alternate build by build and
 * stage by stage in a rotating order, so a change of load hits them alike.
 *
 *   npx tsx bench/check/stages.ts [EVENTS=1000000] [RUNS=5] [BUSY_STEPS=40] [--build NAME=DIR]… [--stage NAME]…
 *
 * `--stage decode` (or `enrichers`, `check`) runs only the stages named. The table gives CPU seconds
 * per million events (median and lowest of RUNS, and the median system time in them), events per
 * CPU-second and minor page faults per run (median); the enrichers' own cost is the median of the
 * per-round differences between the second stage and the first. Every sample is printed too.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as Core from '../../packages/core/src/index.js';
import type * as Rules from '../../packages/rules/src/index.js';
import { fmt, median, table } from '../capture/common.js';
import { builtOrExit, captureFor, prepareCheckInputs, TASKSET } from './inputs.js';

const STAGES = ['decode', 'decode + enrichers', 'check (SDK)'] as const;
type Stage = (typeof STAGES)[number];
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The child: runs one stage of one build and prints its CPU seconds and event count as JSON. */
async function runStage(root: string, stage: Stage, capture: string, baseline: string): Promise<void> {
  const core: typeof Core = await import(join(root, 'packages/core/dist/index.js'));
  const rules: typeof Rules = await import(join(root, 'packages/rules/dist/index.js'));
  const f0 = process.resourceUsage().minorPageFault;
  const c0 = process.cpuUsage();
  let events = 0;
  if (stage === 'decode') {
    const reader = await core.CaptureReader.open(capture, { onTruncatedTail: 'stop' });
    for await (const batch of reader.batches()) events += batch.length;
  } else {
    const detector =
      stage === 'check (SDK)'
        ? rules.rulesCheckDetector({
            packs: rules.builtinPacks(),
            baselines: await core.readBaselineFile(baseline),
            engine: { exceptions: [] },
            drift: { allowLearning: false, report: 'finish' },
          })
        : undefined;
    const vigil = new core.Vigil({
      source: new core.ReplaySource([capture], { onTruncatedTail: 'stop' }),
      enrichers: [new core.DnsEnricher(), new core.ProcessTreeEnricher()],
      consumers: detector ? [detector.consumer] : [],
    });
    let error: unknown;
    vigil.on('error', (e) => {
      error ??= e;
    });
    events = (await vigil.run()).events;
    if (error !== undefined) throw error;
    if (detector) core.correlateIncidents(detector.findings(), { processes: vigil.processes });
  }
  const c = process.cpuUsage(c0);
  const faults = process.resourceUsage().minorPageFault - f0;
  process.stdout.write(
    `${JSON.stringify({ cpu: (c.user + c.system) / 1e6, sys: c.system / 1e6, faults, events })}\n`,
  );
}

if (process.argv[2] === '--child') {
  const [, , , root, stage, capture, baseline] = process.argv;
  await runStage(root!, stage as Stage, capture!, baseline!);
  process.exit(0);
}

const FLAGS = ['--build', '--stage'];
const positional = process.argv
  .slice(2)
  .filter((a, i, all) => !FLAGS.includes(a) && !FLAGS.includes(all[i - 1] ?? ''));
const only = process.argv.flatMap((a, i) => (a === '--stage' ? [process.argv[i + 1] ?? ''] : []));
// `decode` names the first stage alone (not also `decode + enrichers`), `check` the last.
const stages = STAGES.filter(
  (s) =>
    only.length === 0 ||
    only.some((o) => s === o || (o === 'enrichers' && s.includes(o)) || (o === 'check' && s.startsWith(o))),
);
const EVENTS = Number(positional[0] ?? 1_000_000);
const RUNS = Number(positional[1] ?? 5);
const BUSY_STEPS = Number(positional[2] ?? 40);
const DIR = process.env['VIGIL_BENCH_DIR'] ?? join(tmpdir(), 'vigil-bench-check');
const builds: [string, string][] = [];
process.argv.forEach((a, i) => {
  if (a !== '--build') return;
  const spec = process.argv[i + 1] ?? '';
  const eq = spec.indexOf('=');
  builds.push(eq > 0 ? [spec.slice(0, eq), resolve(spec.slice(eq + 1))] : [spec, resolve(spec)]);
});
if (builds.length === 0) builds.push(['this build', ROOT]);
for (const [name, root] of builds)
  if (!existsSync(join(root, 'packages/rules/dist/index.js'))) {
    console.error(`build ${name}: ${root}/packages/*/dist is missing: build it first`);
    process.exit(2);
  }

builtOrExit();
const inputs = await prepareCheckInputs(DIR, EVENTS, BUSY_STEPS);
if (inputs === undefined) process.exit(0);
/** Each build reads the capture as its own writer writes it (see captureFor). */
const captures = new Map<string, string>();
for (const [, root] of builds)
  captures.set(
    root,
    await captureFor(await import(join(root, 'packages/core/dist/index.js')), inputs.capture),
  );

interface Sample {
  cpu: number;
  sys: number;
  faults: number;
  events: number;
}

function sample(root: string, stage: Stage): Sample {
  const cmd = [
    ...TASKSET,
    process.execPath,
    ...process.execArgv.filter((a) => !a.includes('@vigil/source')),
    fileURLToPath(import.meta.url),
    '--child',
    root,
    stage,
    captures.get(root)!,
    inputs!.baseline,
  ];
  const r = spawnSync(cmd[0]!, cmd.slice(1), { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`stage ${stage} of ${root} exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Sample;
}

const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
console.log(
  `check stages: ${fmt(inputs.events)} events, ${RUNS} runs per stage and build, ${TASKSET.length > 0 ? 'pinned to CPU 0' : 'not pinned'}; load average at start ${load()}`,
);
const samples = new Map<string, Sample[]>();
const key = (b: string, s: Stage) => `${b}\u0000${s}`;
const cells: [string, string, Stage][] = builds.flatMap(([b, root]) =>
  stages.map((s): [string, string, Stage] => [b, root, s]),
);
for (let round = 0; round < RUNS; round++) {
  for (let k = 0; k < cells.length; k++) {
    const [b, root, s] = cells[(round + k) % cells.length]!;
    const r = sample(root, s);
    if (r.events !== inputs.events)
      throw new Error(`${b} ${s}: ${r.events} events, expected ${inputs.events}`);
    const list = samples.get(key(b, s)) ?? [];
    list.push(r);
    samples.set(key(b, s), list);
  }
}
const perM = (s: number) => (s * 1e6) / inputs.events;
const rows: string[][] = [];
const cpuOf = (b: string, s: Stage) => samples.get(key(b, s))?.map((x) => x.cpu);
for (const [b] of builds) {
  for (const s of stages) {
    const xs = samples.get(key(b, s))!;
    const cpu = xs.map((x) => x.cpu);
    rows.push([
      b,
      s,
      fmt(perM(median(cpu)), 3),
      fmt(perM(Math.min(...cpu)), 3),
      fmt(perM(median(xs.map((x) => x.sys))), 3),
      fmt(inputs.events / median(cpu)),
      fmt(median(xs.map((x) => x.faults))),
    ]);
  }
  const dec = cpuOf(b, 'decode');
  const enr = cpuOf(b, 'decode + enrichers');
  if (dec && enr)
    rows.push([b, 'enrichers (difference per round)', fmt(perM(median(enr.map((x, i) => x - dec[i]!))), 3)]);
}
console.log(
  table(
    [
      'build',
      'stage',
      'CPU s per 1 M events (median)',
      'lowest',
      'of which system',
      'events per CPU-s (median)',
      'minor faults',
    ],
    rows,
  ),
);
for (const [b] of builds)
  for (const s of stages)
    console.log(
      `${b}, ${s}: CPU s per run ${samples
        .get(key(b, s))!
        .map((x) => fmt(x.cpu, 2))
        .join(', ')}`,
    );
console.log(`load average at end ${load()}`);
