/**
 * Baseline size and memory: the size of one workload's baseline after an
 * hour of a busy agent, and the resident memory of baselines for 1,000
 * workloads (while learning, and loaded for checking).
 *
 *   npx tsx bench/baseline/size.ts [WORKLOADS=1000] [LEARN_SECONDS=600] [RUNS=3]
 *
 * The busy agent runs 10 steps per simulated second (about 85 events/s:
 * model calls over rotating addresses, tool calls, random temp folders, UUID
 * file names, subprocesses with varied arguments). "frozen" stops admitting
 * once stable (the default); "unfrozen" keeps learning for the whole hour,
 * the worst case for size.
 */
import type { VigilEvent } from '../../packages/core/src/index.js';
import { benignAgent } from '../../packages/core/test/baseline/helpers/agent-sim.js';
import {
  core,
  driftDetector,
  fleetWorkload,
  fmt,
  gc,
  learnFleet,
  median,
  pinToOneCore,
  rules,
  table,
} from './common.js';

const { Baseline, BaselineLearner, BaselineSet, DnsEnricher, encodeBaselineSet } = core;

pinToOneCore();

const WORKLOADS = Number(process.argv[2] ?? 1000);
const LEARN_SECONDS = Number(process.argv[3] ?? 600);
const RUNS = Number(process.argv[4] ?? 3);
const MB = 1024 * 1024;

function rss(): number {
  gc();
  gc();
  return process.memoryUsage().rss;
}
function heap(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
}

// 1. One busy agent, one hour.
const sizeRows: (string | number)[][] = [];
for (const freeze of [true, false]) {
  const jsonSizes: number[] = [];
  const packSizes: number[] = [];
  const entries: number[] = [];
  let events = 0;
  for (let r = 0; r < RUNS; r++) {
    const learner = new BaselineLearner({
      origin: 'bench',
      freezeWhenStable: freeze,
      critical: rules.criticalBehaviours(rules.builtinPacks()),
    });
    const dns = new DnsEnricher();
    const batch: VigilEvent[] = [];
    events = 0;
    for (const e of benignAgent({
      seed: 7 + r,
      seconds: 3600,
      stepsPerSecond: 10,
      workload: fleetWorkload(r),
    })) {
      batch.push(e);
      events++;
      if (batch.length === 1024) {
        dns.enrich(batch);
        for (const x of batch) learner.observe(x);
        batch.length = 0;
      }
    }
    dns.enrich(batch);
    for (const x of batch) learner.observe(x);
    const set = new BaselineSet(learner.set.baselines());
    jsonSizes.push(encodeBaselineSet(set, 'json').length);
    packSizes.push(encodeBaselineSet(set, 'msgpack').length);
    entries.push(set.baselines()[0]!.size());
  }
  sizeRows.push([
    freeze ? 'busy agent, 1 h, frozen when stable' : 'busy agent, 1 h, learning all hour',
    events,
    median(entries),
    `${fmt(median(jsonSizes) / 1024)} KiB`,
    `${fmt(median(packSizes) / 1024)} KiB`,
  ]);
}
console.log('Baseline size per workload (median of runs; goal < 64 KiB)');
console.log(table(['case', 'events', 'entries', 'JSON', 'msgpack'], sizeRows));

// 2. 1,000 workloads.
const before = rss();
const heapBefore = heap();
const t0 = performance.now();
const set = learnFleet(WORKLOADS, LEARN_SECONDS);
const learnMs = performance.now() - t0;
const afterLearn = rss();
const heapLearn = heap();
const docs = set.baselines().map((b) => b.toDocument());
const packed = encodeBaselineSet(set, 'msgpack').length;
const json = encodeBaselineSet(set, 'json').length;
// Drop the learner's state, then load the documents the way `vigil check` does.
const stable = set.baselines().filter((b) => b.status === 'stable').length;
const loadedBefore = rss();
const heapLoadedBefore = heap();
const loaded = docs.map((d) => Baseline.fromDocument(d));
const detector = driftDetector(loaded);
const afterLoad = rss();
const heapLoad = heap();
console.log('');
console.log(
  `Memory for ${fmt(WORKLOADS)} workloads (${LEARN_SECONDS} simulated s of learning each, ${stable} stable; goal < 200 MB)`,
);
console.log(
  table(
    ['state', 'RSS added', 'JS heap added', 'heap per workload'],
    [
      [
        `learning (learner + DNS cache + ${fmt(WORKLOADS)} baselines)`,
        `${fmt((afterLearn - before) / MB)} MB`,
        `${fmt((heapLearn - heapBefore) / MB)} MB`,
        `${fmt((heapLearn - heapBefore) / WORKLOADS / 1024)} KiB`,
      ],
      [
        `loaded for checking (${fmt(WORKLOADS)} baselines + detector)`,
        `${fmt((afterLoad - loadedBefore) / MB)} MB`,
        `${fmt((heapLoad - heapLoadedBefore) / MB)} MB`,
        `${fmt((heapLoad - heapLoadedBefore) / WORKLOADS / 1024)} KiB`,
      ],
    ],
  ),
);
console.log(
  `files: ${fmt(json / MB)} MB JSON, ${fmt(packed / MB)} MB msgpack; learned in ${fmt(learnMs / 1000)} s; detector ready: ${detector.name}`,
);
