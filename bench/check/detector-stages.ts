/**
 * Where `vigil check` spends its CPU per stage, on the check benchmark's inputs (see inputs.ts):
 * the pipeline `vigil check` runs (the capture read and decoded batch by batch, the DNS and
 * process-tree enrichers, then the rules detector: the drift detector with the drift pack's rules,
 * and the rule engine with every built-in pack), with each stage's CPU time taken per batch.
 *
 *   bash scripts/setup.sh   # the benchmark runs the built packages
 *   npx tsx bench/check/detector-stages.ts [EVENTS=1000000] [PASSES=5] [BUSY_STEPS=40] [ROOT…]
 *
 * With ROOT arguments (checkouts of Vigil whose packages are built), each pass runs every build
 * once, in a rotating order, on the same events (each build reading the capture as its own writer
 * writes it: see captureFor in inputs.ts): before/after figures taken in the same process
 * and under the same load. Without them it measures this checkout.
 *
 * Rows: CPU seconds per million events (process.cpuUsage around each stage's `onBatch`; median of
 * PASSES passes, min–max beside it) for drift (coverage, aggregation and the drift and critical
 * rules it consults), the engine (the detection rules of every pack), both together, and the
 * pipeline around them (reading and decoding the capture, the enrichers, the batching). Each build's
 * findings (ids, counts and last sightings) are compared with the first build's.
 */
import { existsSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as Core from '../../packages/core/src/index.js';
import type { ConsumerContext, VigilEvent } from '../../packages/core/src/index.js';
import type * as Rules from '../../packages/rules/src/index.js';
import { fmt, median, table } from '../capture/common.js';
import { builtOrExit, captureFor, prepareCheckInputs, rerunPinned, TASKSET } from './inputs.js';

const EVENTS = Number(process.argv[2] ?? 1_000_000);
const PASSES = Number(process.argv[3] ?? 5);
const BUSY_STEPS = Number(process.argv[4] ?? 40);
const ROOTS =
  process.argv.length > 5
    ? process.argv.slice(5).map((r) => resolve(r))
    : [fileURLToPath(new URL('../../', import.meta.url))];
const DIR = process.env['VIGIL_BENCH_DIR'] ?? join(tmpdir(), 'vigil-bench-check');

rerunPinned();

builtOrExit();
interface Build {
  readonly name: string;
  readonly core: typeof Core;
  readonly rules: typeof Rules;
  /** The checked capture as this build writes it (see captureFor). */
  capture: string;
}
const builds: Build[] = [];
for (const root of ROOTS) {
  const core = join(root, 'packages/core/dist/index.js');
  const rules = join(root, 'packages/rules/dist/index.js');
  if (!existsSync(core) || !existsSync(rules)) {
    console.error(`${root}: packages/core and packages/rules are not built`);
    process.exit(2);
  }
  builds.push({ name: root, core: await import(core), rules: await import(rules), capture: '' });
}

const inputs = await prepareCheckInputs(DIR, EVENTS, BUSY_STEPS);
if (inputs === undefined) process.exit(0);
for (const b of builds) b.capture = await captureFor(b.core, inputs.capture);

interface Pass {
  drift: number;
  engine: number;
  pipeline: number;
  events: number;
  result: string;
}

function cpu(): number {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1e6;
}

async function pass(b: Build): Promise<Pass> {
  const baselines = await b.core.readBaselineFile(inputs!.baseline);
  const detector = b.rules.rulesCheckDetector({
    packs: b.rules.builtinPacks(),
    baselines,
    engine: { exceptions: [] },
    drift: { allowLearning: false, report: 'finish' },
  });
  const drift = detector.drift!;
  const engine = detector.engine;
  let driftCpu = 0;
  let engineCpu = 0;
  const vigil = new b.core.Vigil({
    source: new b.core.ReplaySource([b.capture], { onTruncatedTail: 'stop' }),
    enrichers: [new b.core.DnsEnricher(), new b.core.ProcessTreeEnricher()],
    consumers: [
      {
        name: 'rules',
        start: (ctx: ConsumerContext) => engine.start(ctx),
        onBatch(batch: readonly VigilEvent[], ctx: ConsumerContext) {
          const t0 = cpu();
          drift.onBatch(batch, ctx);
          const t1 = cpu();
          engine.onBatch(batch, ctx);
          driftCpu += t1 - t0;
          engineCpu += cpu() - t1;
        },
        finish(ctx: ConsumerContext) {
          drift.finish(ctx);
        },
      },
    ],
  });
  const errors: unknown[] = [];
  vigil.on('error', (e) => errors.push(e));
  const t0 = cpu();
  const summary = await vigil.run();
  const total = cpu() - t0;
  if (errors.length > 0) throw errors[0];
  const findings = detector.findings();
  const incidents = b.core.correlateIncidents(findings, { processes: vigil.processes });
  const result = [
    ...findings.map((f) => `${f.id}:${f.severity}:${f.count ?? 1}:${f.lastSeen ?? f.ts}`),
    ...incidents.map((i) => `${i.id}:${i.severity}`),
  ]
    .sort()
    .join(',');
  return {
    drift: driftCpu,
    engine: engineCpu,
    pipeline: total - driftCpu - engineCpu,
    events: summary.events,
    result,
  };
}

const load0 = loadavg();
console.log(
  `check stages: ${fmt(inputs.events)} events (${fmt(inputs.perCopy)} per copy of ${inputs.parts.length} recorded runs), ${PASSES} passes × ${builds.length} build(s), ${TASKSET.length > 0 ? 'pinned to CPU 0' : 'not pinned'}; load average ${load0.map((l) => l.toFixed(1)).join(' ')}`,
);
const samples = builds.map(() => [] as Pass[]);
for (let p = 0; p < PASSES; p++) {
  for (let k = 0; k < builds.length; k++) {
    const i = (p + k) % builds.length;
    samples[i]!.push(await pass(builds[i]!));
    (globalThis as { gc?: () => void }).gc?.();
  }
}
const load1 = loadavg();

const perM = (s: Pass, v: number) => (v / s.events) * 1e6;
const cell = (xs: readonly number[]) =>
  `${fmt(median(xs), 3)} (${fmt(Math.min(...xs), 3)}–${fmt(Math.max(...xs), 3)})`;
const rows: string[][] = [];
for (const [i, b] of builds.entries()) {
  const s = samples[i]!;
  rows.push([
    builds.length > 1 ? b.name : 'this checkout',
    cell(s.map((x) => perM(x, x.drift))),
    cell(s.map((x) => perM(x, x.engine))),
    cell(s.map((x) => perM(x, x.drift + x.engine))),
    cell(s.map((x) => perM(x, x.pipeline))),
  ]);
}
console.log(
  table(
    [
      'build',
      'drift CPU-s per 1 M events',
      'engine CPU-s per 1 M',
      'drift + engine per 1 M',
      'decoding, enrichers, pipeline per 1 M',
    ],
    rows,
  ),
);
if (builds.length > 1) {
  // Per pass, each build against the first, from the two runs of that pass.
  for (let i = 1; i < builds.length; i++) {
    const ratios = samples[i]!.map(
      (x, p) => (x.drift + x.engine) / (samples[0]![p]!.drift + samples[0]![p]!.engine),
    );
    console.log(
      `${builds[i]!.name} / ${builds[0]!.name}, drift + engine per pass: ${ratios.map((r) => fmt(r, 2)).join(', ')} (median ${fmt(median(ratios), 2)})`,
    );
    const pipeline = samples[i]!.map((x, p) => x.pipeline / samples[0]![p]!.pipeline);
    console.log(
      `${builds[i]!.name} / ${builds[0]!.name}, decoding, enrichers, pipeline per pass: ${pipeline.map((r) => fmt(r, 2)).join(', ')} (median ${fmt(median(pipeline), 2)})`,
    );
  }
}
const first = samples[0]![0]!.result;
const same = samples.every((s) => s.every((x) => x.result === first));
console.log(
  `findings and incidents: ${first.split(',').length} ids, ${same ? 'the same in every pass of every build' : 'DIFFERENT between passes or builds'}; load average at the end ${load1.map((l) => l.toFixed(1)).join(' ')}`,
);
