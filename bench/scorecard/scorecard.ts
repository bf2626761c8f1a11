/**
 * The lab scorecard: how Vigil's detection holds on the lab's agents (examples/lab).
 *
 * For each agent: K benign runs under `vigil record` (real eBPF), `vigil learn` on them (a real core
 * baseline), then M fresh benign runs on held-out seeds and every attack that applies to the agent,
 * each recorded and checked with `vigil check --baseline`. Prints, per attack, the detection rate
 * (a finding or incident at high or above); for benign runs, high/critical and medium findings per
 * 100 runs, and every such finding with its run.
 *
 * Time to finding, live: each attack is run a second time (same seed) under live capture checked as
 * it happens — what `vigil enforce --respond` runs: the sensor, the pipeline with DNS and process-tree
 * enrichment, `vigil check`'s detector (drift reported as it first appears, every built-in pack)
 * against the same baseline, and a `LiveResponse` whose callback stamps each finding and incident
 * with the wall clock as it arrives. The figure is that stamp for the first finding or incident at
 * high or above, minus the kernel timestamp of the attack's first malicious syscall (its file, peer
 * or program, or an event of that finding's evidence when one comes earlier), both wall-clock
 * nanoseconds. `--no-live` leaves the second run out.
 *
 * Run (root, BPF): scripts/ts bench/scorecard/scorecard.ts [--agents a,b] [--learn K] [--benign M]
 *                   [--benign-seed S] [--attacks a,b] [--no-live] [--payloads] [--json FILE] [--keep DIR]
 * --payloads records as `vigil record --payloads` does (model and tool calls from the kernel, so drift
 * judges what each tool does); the live pass captures without payloads either way.
 * Seeds: learning 101…, held-out benign 501… (--benign-seed), attacks 901… (never the learning seeds).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { PreparedRun } from '../../examples/lab/src/lab.js';
import { Lab } from '../../examples/lab/src/lab.js';
import {
  AGENTS,
  type AgentName,
  ATTACK_AGENTS,
  ATTACKS,
  type AttackName,
  type AttackPlan,
} from '../../examples/lab/src/tasks.js';
import {
  type CheckedFinding,
  checkCapture,
  learnReviewed,
  recordRun,
  vigilUnavailable,
} from '../../examples/lab/src/vigil.js';
import {
  DnsEnricher,
  LiveResponse,
  ProcessTreeEnricher,
  Responder,
  readBaselines,
  readCapture,
  Vigil,
  type VigilEvent,
} from '../../packages/core/src/index.js';
import { capturePrivileges, Sensor, WorkloadCgroup } from '../../packages/ebpf-native/src/index.js';
import { builtinPacks, rulesCheckDetector } from '../../packages/rules/src/index.js';

const { values } = parseArgs({
  options: {
    agents: { type: 'string' },
    attacks: { type: 'string' },
    learn: { type: 'string', default: '5' },
    benign: { type: 'string', default: '5' },
    'benign-seed': { type: 'string', default: '501' },
    json: { type: 'string' },
    keep: { type: 'string' },
    'no-live': { type: 'boolean', default: false },
    payloads: { type: 'boolean', default: false },
  },
});
const LIVE = values['no-live'] !== true;
/** Record with `vigil record --payloads`: model and tool calls from the kernel, and drift per tool. */
const RECORD = { payloads: values.payloads === true };
const agents = (values.agents?.split(',') ?? [...AGENTS]) as AgentName[];
const attacks = (values.attacks?.split(',') ?? [...ATTACKS]) as AttackName[];
const K = Number(values.learn);
const M = Number(values.benign);
/** The first held-out benign seed: a fresh range for each evaluation after detection changes. */
const BENIGN_SEED = Number(values['benign-seed']);

if (!capturePrivileges().sufficient) {
  console.log('scorecard skipped: live capture needs root (or CAP_BPF + CAP_PERFMON)');
  process.exit(0);
}
if (vigilUnavailable()) {
  console.log(`scorecard skipped: ${vigilUnavailable()}`);
  process.exit(0);
}

const SEV = ['info', 'low', 'medium', 'high', 'critical'];
const atLeast = (s: string, min: string) => SEV.indexOf(s) >= SEV.indexOf(min);

/** The first event of the attack itself: its file, its peer or its program. */
function firstMalicious(events: readonly VigilEvent[], plan: AttackPlan): number | undefined {
  let first: number | undefined;
  for (const e of events) {
    const hit =
      (e.kind === 'file.open' && plan.markers.paths.includes(e.path)) ||
      (e.kind === 'net.connect' &&
        plan.markers.ports.includes(e.dport) &&
        e.daddr.startsWith('127.0.0.') &&
        e.daddr !== '127.0.0.1') ||
      (e.kind === 'process.exec' && plan.markers.programs.includes(e.filename));
    if (hit && (first === undefined || e.ts < first)) first = e.ts;
  }
  return first;
}

/**
 * One prepared run under live capture, checked as it happens against the baseline file (see the
 * header). Returns the milliseconds from the first malicious syscall to the first finding or
 * incident at high or above, or undefined when either never came.
 */
async function liveTimeToFinding(run: PreparedRun, baselinePath: string): Promise<number | undefined> {
  const baselines = await readBaselines(baselinePath);
  // The workload `vigil record --name lab-AGENT` records: cgroup vigil-lab-AGENT/run-….
  const cg = WorkloadCgroup.create({
    parent: `vigil-lab-${run.agent}`,
    name: `run-live-${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
  });
  let firstBad: number | undefined;
  let firstHigh: number | undefined;
  try {
    const sensor = await Sensor.open({ dnsPorts: [53], descendants: true, cgroups: [cg.dir] });
    const detector = rulesCheckDetector({ packs: builtinPacks(), baselines, drift: { report: 'first' } });
    const markers = {
      name: 'attack-markers',
      onBatch(batch: readonly VigilEvent[]) {
        const t = firstMalicious(batch, run.attack!);
        if (t !== undefined && (firstBad === undefined || t < firstBad)) firstBad = t;
      },
    };
    const vigil = new Vigil({
      source: sensor,
      enrichers: [new DnsEnricher(), new ProcessTreeEnricher()],
      consumers: [detector.consumer, markers],
    });
    const live = new LiveResponse(new Responder({ schemaVersion: 1, dryRun: true, rules: [] }), {
      onFinding: (f) => {
        const at = Date.now() * 1e6;
        if (!atLeast(f.severity, 'high') || firstHigh !== undefined) return;
        firstHigh = at;
        // The events that raised it are the attack's too: one may come before the markers.
        for (const e of f.evidence)
          if (e.event !== undefined && (firstBad === undefined || e.event.ts < firstBad))
            firstBad = e.event.ts;
      },
    }).attach(vigil);
    const pipeline = vigil.run();
    pipeline.catch(() => undefined);
    const child = cg.spawn(run.argv[0]!, run.argv.slice(1), {
      stdio: 'ignore',
      env: { ...process.env, ...run.env },
    });
    await new Promise<void>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', () => resolve());
    });
    // What the run's last moments left in the ring buffer arrives within the flush interval.
    await new Promise((r) => setTimeout(r, 300));
    await sensor.close();
    await pipeline;
    await live.settled();
  } finally {
    run.cleanup();
    await cg.remove();
  }
  return firstBad !== undefined && firstHigh !== undefined
    ? Math.max(0, (firstHigh - firstBad) / 1e6)
    : undefined;
}

const median = (xs: number[]) => {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

interface AttackResult {
  agent: AgentName;
  attack: AttackName;
  detected: boolean;
  top?: string;
  latencyMs?: number;
  error?: string;
}
interface BenignResult {
  agent: AgentName;
  seed: number;
  findings: CheckedFinding[];
}

const dir = values.keep ?? mkdtempSync(join(tmpdir(), 'vigil-scorecard-'));
mkdirSync(dir, { recursive: true });
const lab = await Lab.start();
if (lab.postgresSkipped)
  console.log(`PostgreSQL: ${lab.postgresSkipped} — the RAG step and rag-injection are left out`);
const attackResults: AttackResult[] = [];
const benignResults: BenignResult[] = [];
const learning: Record<string, string> = {};
const started = Date.now();
try {
  for (const agent of agents) {
    const learnCaps: string[] = [];
    for (let i = 0; i < K; i++) {
      const cap = join(dir, `${agent}-learn-${i}.vcap`);
      await recordRun(lab.prepare(agent, 101 + i), cap, RECORD);
      learnCaps.push(cap);
    }
    const baseline = join(dir, `${agent}.baseline.json`);
    // As a reviewer would with benign learning runs: admit their quarantined items, mark it stable.
    const { state, admitted } = await learnReviewed(baseline, learnCaps);
    learning[agent] =
      `${state} after ${K} runs${admitted.length ? `; admitted: ${admitted.join(', ')}` : ''}`;
    console.log(`${agent}: ${learning[agent]} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
    for (let i = 0; i < M; i++) {
      const seed = BENIGN_SEED + i;
      const cap = join(dir, `${agent}-benign-${seed}.vcap`);
      await recordRun(lab.prepare(agent, seed), cap, RECORD);
      const findings = (await checkCapture(baseline, cap)).filter((f) => atLeast(f.severity, 'medium'));
      benignResults.push({ agent, seed, findings });
      for (const f of findings)
        console.log(`  benign ${agent} seed ${seed}: ${f.severity} ${f.ruleId} — ${f.summary}`);
    }
    for (const attack of attacks) {
      if (!ATTACK_AGENTS[attack].includes(agent)) continue;
      if (attack === 'rag-injection' && !lab.postgres) continue;
      const cap = join(dir, `${agent}-attack-${attack}.vcap`);
      try {
        const run = lab.prepare(agent, 901 + ATTACKS.indexOf(attack), attack);
        await recordRun(run, cap, RECORD);
        const findings = await checkCapture(baseline, cap);
        const high = findings.filter((f) => atLeast(f.severity, 'high')).sort((a, b) => a.ts - b.ts);
        const { events } = await readCapture(cap);
        const first = firstMalicious(events, run.attack!);
        const top = high.sort((a, b) => SEV.indexOf(b.severity) - SEV.indexOf(a.severity))[0];
        if (first === undefined)
          throw new Error('the attack did not happen: no malicious syscall in the capture');
        const latencyMs = LIVE
          ? await liveTimeToFinding(lab.prepare(agent, 901 + ATTACKS.indexOf(attack), attack), baseline)
          : undefined;
        attackResults.push({
          agent,
          attack,
          detected: high.length > 0,
          ...(top ? { top: `${top.severity} ${top.ruleId}` } : {}),
          ...(latencyMs !== undefined ? { latencyMs } : {}),
        });
        console.log(
          `  attack ${agent} ${attack}: ${high.length > 0 ? `detected (${top!.severity} ${top!.ruleId})` : 'MISSED'}${LIVE ? `; live: ${latencyMs === undefined ? 'no finding at high or above' : `${latencyMs.toFixed(0)} ms to finding`}` : ''}`,
        );
        if (high.length === 0)
          for (const f of findings) console.log(`    ${f.severity} ${f.ruleId} — ${f.summary}`);
      } catch (err) {
        attackResults.push({ agent, attack, detected: false, error: (err as Error).message.slice(0, 300) });
        console.log(`  attack ${agent} ${attack}: ERROR ${(err as Error).message.slice(0, 300)}`);
      }
    }
  }
} finally {
  await lab.close();
  if (!values.keep) rmSync(dir, { recursive: true, force: true });
}

// The table.
const pad = (s: string, n: number) => s.padEnd(n);
console.log(
  `\nVigil lab scorecard — agents: ${agents.join(', ')}; K=${K} learning runs, M=${M} held-out benign runs per agent`,
);
for (const [a, s] of Object.entries(learning)) console.log(`  ${a}: learn said ${s}; then marked stable`);
console.log('');
console.log(
  `${pad('attack', 16)}${pad('detected ≥ high', 17)}${pad('live: median ms to finding', 28)}agents missed`,
);
for (const attack of attacks) {
  const rs = attackResults.filter((r) => r.attack === attack);
  if (rs.length === 0) continue;
  const hit = rs.filter((r) => r.detected).length;
  const lat = median(rs.flatMap((r) => (r.latencyMs !== undefined ? [r.latencyMs] : [])));
  const missed = rs
    .filter((r) => !r.detected)
    .map((r) => r.agent)
    .join(', ');
  console.log(
    `${pad(attack, 16)}${pad(`${hit}/${rs.length} (${Math.round((100 * hit) / rs.length)} %)`, 17)}${pad(lat === undefined ? '—' : `${lat.toFixed(0)} (${rs.filter((r) => r.latencyMs !== undefined).length} runs)`, 28)}${missed || '—'}`,
  );
}
const runs = benignResults.length;
const highs = benignResults.reduce(
  (n, r) => n + r.findings.filter((f) => atLeast(f.severity, 'high')).length,
  0,
);
const mediums = benignResults.reduce(
  (n, r) => n + r.findings.filter((f) => f.severity === 'medium').length,
  0,
);
const per100 = (n: number) => (runs === 0 ? '—' : ((100 * n) / runs).toFixed(1));
console.log(
  `\nbenign runs: ${runs}; high/critical findings per 100 benign runs: ${per100(highs)}; medium per 100: ${per100(mediums)}`,
);
for (const agent of agents) {
  const rs = benignResults.filter((r) => r.agent === agent);
  const h = rs.reduce((n, r) => n + r.findings.filter((f) => atLeast(f.severity, 'high')).length, 0);
  const m = rs.reduce((n, r) => n + r.findings.filter((f) => f.severity === 'medium').length, 0);
  console.log(`  ${pad(agent, 14)} ${rs.length} runs, ${h} high/critical, ${m} medium`);
}
console.log(`\nwall time ${((Date.now() - started) / 1000).toFixed(0)} s`);
if (values.json)
  writeFileSync(
    values.json,
    `${JSON.stringify({ K, M, agents, learning, attackResults, benignResults }, null, 2)}\n`,
  );
