/**
 * Drift-check throughput on one core: events per second through enrichment
 * (DNS names, process tree) + baseline lookup + drift detection, from events
 * in memory and replayed from a capture file.
 *
 *   npx tsx bench/baseline/throughput.ts [EVENTS=1000000] [RUNS=5] [WORKLOADS=16]
 *
 * The capture is synthetic: WORKLOADS busy agents (random temp files, varied
 * arguments, rotating DNS answers, tool and model calls, subprocesses), each
 * with a baseline learned from one simulated hour; the checked stream is a
 * fresh run of the same agents. Runs are pinned to CPU 0 with taskset.
 * Rates are events per second of this process's CPU time (user + system,
 * GC threads included, all on CPU 0), which stays meaningful on a shared,
 * busy machine; wall-clock rates are shown next to them.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CaptureWriter,
  DnsEnricher,
  DriftDetector,
  type Finding,
  MemorySource,
  ProcessTreeEnricher,
  ReplaySource,
  Vigil,
  type VigilEvent,
} from '../../packages/core/src/index.js';
import { benignAgent } from '../../packages/core/test/baseline/helpers/agent-sim.js';
import { fleetWorkload, fmt, gc, learnFleet, median, pinToOneCore, table } from './common.js';

pinToOneCore();

const EVENTS = Number(process.argv[2] ?? 1_000_000);
const RUNS = Number(process.argv[3] ?? 5);
const WORKLOADS = Number(process.argv[4] ?? 16);
const LATER = 1_764_000_000_000_000_000 + 86_400e9;

console.log(
  `baseline drift throughput: ${fmt(EVENTS)} events, ${WORKLOADS} workloads, ${RUNS} runs, pinned to CPU 0`,
);
const t0 = performance.now();
const set = learnFleet(WORKLOADS, 3600);
console.log(
  `learned ${set.size} baselines (${set.baselines().filter((b) => b.status === 'stable').length} stable) in ${fmt((performance.now() - t0) / 1000)} s`,
);

// The checked stream: fresh benign behaviour of every agent, interleaved in 64-event slices.
function makeStream(): VigilEvent[] {
  const gens = Array.from({ length: WORKLOADS }, (_, i) =>
    benignAgent({
      seed: 50_000 + i,
      seconds: 1e9,
      stepsPerSecond: 10,
      startNs: LATER,
      workload: fleetWorkload(i),
    }),
  );
  const out: VigilEvent[] = [];
  while (out.length < EVENTS) {
    for (const g of gens) {
      for (let k = 0; k < 64 && out.length < EVENTS; k++) out.push(g.next().value as VigilEvent);
    }
  }
  return out;
}
const stream = makeStream();
const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-baseline-'));
const capture = join(dir, 'check.vcap');
const writer = CaptureWriter.create(capture, { header: { source: 'synthetic' } });
writer.writeAll(stream);
writer.close();
console.log(`capture: ${fmt(statSync(capture).size / 1e6)} MB at ${capture}`);

function fresh(): VigilEvent[] {
  return structuredClone(stream);
}

interface Row {
  name: string;
  /** Events per second of CPU time (user + system) of this process, all on CPU 0. */
  rates: number[];
  /** Events per second of wall-clock time. */
  wall: number[];
  findings?: number;
}
const rows: Row[] = [];
function measure(
  name: string,
  prepare: () => unknown,
  fn: (input: never) => Promise<number | undefined> | number | undefined,
): Promise<void> {
  return (async () => {
    const only = process.env['ONLY'];
    if (only !== undefined && !name.includes(only)) return;
    const row: Row = { name, rates: [], wall: [] };
    for (let r = 0; r < RUNS; r++) {
      const input = prepare();
      gc();
      const cpu0 = process.cpuUsage();
      const start = performance.now();
      const f = await fn(input as never);
      const ms = performance.now() - start;
      const cpu = process.cpuUsage(cpu0);
      row.rates.push(EVENTS / ((cpu.user + cpu.system) / 1e6));
      row.wall.push(EVENTS / (ms / 1000));
      if (f !== undefined) row.findings = f;
    }
    rows.push(row);
    console.log(
      `  ${name}: median ${fmt(median(row.rates))} events per CPU second (${fmt(median(row.wall))} per wall second)`,
    );
  })();
}

const BATCH = 1024;
function batches(events: VigilEvent[]): VigilEvent[][] {
  const out: VigilEvent[][] = [];
  for (let i = 0; i < events.length; i += BATCH) out.push(events.slice(i, i + BATCH));
  return out;
}

const baselines = set.baselines();
const noReport = { report: (_f: Finding) => undefined };

await measure(
  'baseline lookup only (isCovered, pre-enriched)',
  () => {
    const events = fresh();
    const dns = new DnsEnricher();
    for (const b of batches(events)) dns.enrich(b);
    return events;
  },
  (events: VigilEvent[]) => {
    const byId = new Map(baselines.map((b) => [b.subject, b]));
    const lookup = new Map<string, (typeof baselines)[number]>();
    let uncovered = 0;
    for (const e of events) {
      let b = lookup.get(e.workload.id);
      if (b === undefined) {
        b = byId.get(`k8s:ai/${e.workload.pod!.replace(/-7d9f8c6b5-x2kq9$/, '')}/agent`)!;
        lookup.set(e.workload.id, b);
      }
      if (!b.isCovered(e)) uncovered++;
    }
    return uncovered;
  },
);
await measure(
  'enrich (DNS + process tree)',
  () => batches(fresh()),
  (bs: VigilEvent[][]) => {
    const dns = new DnsEnricher();
    const tree = new ProcessTreeEnricher();
    for (const b of bs) {
      dns.enrich(b);
      tree.enrich(b);
    }
    return undefined;
  },
);
await measure(
  'enrich + lookup + drift (in memory)',
  () => batches(fresh()),
  (bs: VigilEvent[][]) => {
    const dns = new DnsEnricher();
    const tree = new ProcessTreeEnricher();
    const drift = new DriftDetector({ baselines });
    for (const b of bs) {
      dns.enrich(b);
      tree.enrich(b);
      drift.onBatch(b, noReport);
    }
    return drift.findings().length;
  },
);
await measure(
  'Vigil pipeline, MemorySource',
  () => fresh(),
  async (events: VigilEvent[]) => {
    const drift = new DriftDetector({ baselines });
    await new Vigil({
      source: new MemorySource(events),
      enrichers: [new DnsEnricher(), new ProcessTreeEnricher()],
      consumers: [drift],
    }).run();
    return drift.findings().length;
  },
);
for (const validate of [false, true]) {
  await measure(
    `Vigil pipeline, ReplaySource (validate=${validate})`,
    () => undefined,
    async () => {
      const drift = new DriftDetector({ baselines });
      await new Vigil({
        source: new ReplaySource([capture], { validate }),
        enrichers: [new DnsEnricher(), new ProcessTreeEnricher()],
        consumers: [drift],
      }).run();
      return drift.findings().length;
    },
  );
}
rmSync(dir, { recursive: true, force: true });

const base = median(rows.find((r) => r.name.startsWith('enrich + lookup'))!.rates);
console.log('');
console.log(
  table(
    [
      'path (one core)',
      'events per CPU s (median)',
      'min',
      'max',
      'events per wall s (median)',
      'vs enrich+lookup+drift',
      'findings',
    ],
    rows.map((r) => [
      r.name,
      Math.round(median(r.rates)),
      Math.round(Math.min(...r.rates)),
      Math.round(Math.max(...r.rates)),
      Math.round(median(r.wall)),
      `${(median(r.rates) / base).toFixed(2)}x`,
      r.findings ?? '-',
    ]),
  ),
);
