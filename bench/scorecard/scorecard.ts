/**
 * The lab scorecard: how Vigil's detection holds on the lab's agents (examples/lab).
 *
 * For each agent: K benign runs under `vigil record` (real eBPF), `vigil learn` on them (a real core
 * baseline), then M fresh benign runs on held-out seeds and every attack that applies to the agent,
 * each recorded and checked with `vigil check --baseline`. Prints, per attack, the detection rate:
 * a finding or incident at high or above whose evidence is the attack's own behaviour (an event of
 * the attack's file, peer or program, or of the process its injected command started; see
 * `AttackTrace`), so a high finding about a benign step of the same run does not count. For benign
 * runs: findings per 100 runs at every severity (high/critical, medium, low, info) and incidents at
 * high or above and at medium (an incident can be rated above its parts), and every finding at
 * medium or above and every such incident with its run.
 *
 * Time to finding, live: each attack is run a second time (same seed) under live capture checked as
 * it happens — what `vigil enforce --respond` runs: the sensor, the pipeline with DNS and process-tree
 * enrichment, `vigil check`'s detector (drift reported as it first appears, every built-in pack)
 * against the same baseline, and a `LiveResponse` whose callback stamps each finding and incident
 * with the wall clock as it arrives. The figure is that stamp for the first finding or incident at
 * high or above about the attack (as above), minus the kernel timestamp of the attack's first
 * malicious syscall (its file, peer or program, or an attack event of that finding's evidence when
 * one comes earlier), both wall-clock nanoseconds. `--no-live` leaves the second run out.
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
import { AttackTrace } from '../../examples/lab/src/attack-trace.js';
import type { PreparedRun } from '../../examples/lab/src/lab.js';
import { Lab } from '../../examples/lab/src/lab.js';
import {
  AGENTS,
  type AgentName,
  ATTACK_AGENTS,
  ATTACKS,
  type AttackName,
} from '../../examples/lab/src/tasks.js';
import {
  type CheckedFinding,
  type CheckedIncident,
  checkReport,
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

/** A finding's evidence events, or an incident's chain of events. */
function eventsOf(x: CheckedFinding | CheckedIncident): VigilEvent[] {
  const parts = 'chain' in x ? x.chain : (x.evidence ?? []);
  return parts.flatMap((p) => (p.event !== undefined ? [p.event] : []));
}

/**
 * One prepared run under live capture, checked as it happens against the baseline file (see the
 * header). Returns the milliseconds from the first malicious syscall to the first finding or
 * incident at high or above about the attack, or undefined when either never came.
 */
async function liveTimeToFinding(run: PreparedRun, baselinePath: string): Promise<number | undefined> {
  const baselines = await readBaselines(baselinePath);
  // The workload `vigil record --name lab-AGENT` records: cgroup vigil-lab-AGENT/run-….
  const cg = WorkloadCgroup.create({
    parent: `vigil-lab-${run.agent}`,
    name: `run-live-${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
  });
  const trace = new AttackTrace(run.attack!);
  let firstBad: number | undefined;
  let firstHigh: number | undefined;
  try {
    const sensor = await Sensor.open({ dnsPorts: [53], descendants: true, cgroups: [cg.dir] });
    const detector = rulesCheckDetector({ packs: builtinPacks(), baselines, drift: { report: 'first' } });
    // Before the detector: a finding about an event of this batch is judged with the batch known.
    const markers = {
      name: 'attack-trace',
      onBatch(batch: readonly VigilEvent[]) {
        for (const e of batch) trace.observe(e);
        const t = trace.firstTs;
        if (t !== undefined && (firstBad === undefined || t < firstBad)) firstBad = t;
      },
    };
    const vigil = new Vigil({
      source: sensor,
      enrichers: [new DnsEnricher(), new ProcessTreeEnricher()],
      consumers: [markers, detector.consumer],
    });
    const live = new LiveResponse(new Responder({ schemaVersion: 1, dryRun: true, rules: [] }), {
      onFinding: (f) => {
        const at = Date.now() * 1e6;
        if (!atLeast(f.severity, 'high') || firstHigh !== undefined) return;
        const own = f.evidence.flatMap((e) =>
          e.event !== undefined && trace.isAttackEvent(e.event) ? [e.event] : [],
        );
        if (own.length === 0) return;
        firstHigh = at;
        // The attack's events that raised it may come before its first marker.
        for (const e of own) if (firstBad === undefined || e.ts < firstBad) firstBad = e.ts;
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
  /** The highest finding or incident at high or above about the attack. */
  top?: string;
  /** Findings and incidents at high or above in the run whose evidence is not the attack's. */
  unrelatedHigh?: string[];
  latencyMs?: number;
  error?: string;
}
/** A finding or incident as the scorecard keeps it. */
interface Reported {
  severity: CheckedFinding['severity'];
  ruleId: string;
  summary: string;
}
interface BenignResult {
  agent: AgentName;
  seed: number;
  /** Every finding, at every severity. */
  findings: Reported[];
  /** Every incident (`ruleId` vigil.incident.process-tree). */
  incidents: Reported[];
}

/**
 * Why a run was not judged against the agent's stable baseline (its workload matched no baseline,
 * or the baseline was still learning), or undefined: such a run's count of findings means nothing.
 */
function notAgainstBaseline(findings: readonly CheckedFinding[]): string | undefined {
  const f = findings.find(
    (x) => x.ruleId === 'vigil.drift.no-baseline' || x.ruleId === 'vigil.drift.baseline-learning',
  );
  return f === undefined ? undefined : `not checked against the stable baseline: ${f.summary}`;
}

const keep = (f: CheckedFinding): Reported => ({
  severity: f.severity,
  ruleId: f.ruleId,
  summary: f.summary,
});
const keepIncident = (i: CheckedIncident): Reported => ({
  severity: i.severity,
  ruleId: 'vigil.incident.process-tree',
  summary: `${i.summary} (${i.findings.map((f) => `${f.severity} ${f.ruleId}`).join(', ')})`,
});

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
      const report = await checkReport(baseline, cap);
      const unjudged = notAgainstBaseline(report.findings);
      if (unjudged !== undefined) throw new Error(`benign ${agent} seed ${seed}: ${unjudged}`);
      const findings = report.findings.map(keep);
      const incidents = report.incidents.map(keepIncident);
      benignResults.push({ agent, seed, findings, incidents });
      for (const f of [...findings, ...incidents])
        if (atLeast(f.severity, 'medium'))
          console.log(`  benign ${agent} seed ${seed}: ${f.severity} ${f.ruleId} — ${f.summary}`);
    }
    for (const attack of attacks) {
      if (!ATTACK_AGENTS[attack].includes(agent)) continue;
      if (attack === 'rag-injection' && !lab.postgres) continue;
      const cap = join(dir, `${agent}-attack-${attack}.vcap`);
      try {
        const run = lab.prepare(agent, 901 + ATTACKS.indexOf(attack), attack);
        await recordRun(run, cap, RECORD);
        const { findings, incidents } = await checkReport(baseline, cap);
        const unjudged = notAgainstBaseline(findings);
        if (unjudged !== undefined) throw new Error(unjudged);
        const trace = new AttackTrace(run.attack!);
        const { events } = await readCapture(cap);
        for (const e of [...events].sort((a, b) => a.ts - b.ts)) trace.observe(e);
        if (trace.firstTs === undefined)
          throw new Error('the attack did not happen: no malicious syscall in the capture');
        const highs = [...findings, ...incidents]
          .filter((x) => atLeast(x.severity, 'high'))
          .sort((a, b) => SEV.indexOf(b.severity) - SEV.indexOf(a.severity));
        const label = (x: CheckedFinding | CheckedIncident) =>
          `${x.severity} ${'chain' in x ? 'vigil.incident.process-tree' : x.ruleId}`;
        const high = highs.filter((x) => trace.concerns(eventsOf(x)));
        const unrelatedHigh = highs.filter((x) => !high.includes(x)).map(label);
        const top = high[0];
        const latencyMs = LIVE
          ? await liveTimeToFinding(lab.prepare(agent, 901 + ATTACKS.indexOf(attack), attack), baseline)
          : undefined;
        attackResults.push({
          agent,
          attack,
          detected: top !== undefined,
          ...(top ? { top: label(top) } : {}),
          ...(unrelatedHigh.length > 0 ? { unrelatedHigh } : {}),
          ...(latencyMs !== undefined ? { latencyMs } : {}),
        });
        console.log(
          `  attack ${agent} ${attack}: ${top ? `detected (${label(top)})` : 'MISSED'}${LIVE ? `; live: ${latencyMs === undefined ? 'no finding at high or above about the attack' : `${latencyMs.toFixed(0)} ms to finding`}` : ''}${unrelatedHigh.length > 0 ? `; also at high or above, not about the attack: ${unrelatedHigh.join(', ')}` : ''}`,
        );
        if (top === undefined)
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
/** Benign findings and incidents per 100 runs: high/critical, medium, low, info; incidents ≥ high, medium. */
function benignCounts(rs: readonly BenignResult[]) {
  const count = (pick: (r: BenignResult) => Reported[], ok: (s: string) => boolean) =>
    rs.reduce((n, r) => n + pick(r).filter((f) => ok(f.severity)).length, 0);
  const f = (r: BenignResult) => r.findings;
  const i = (r: BenignResult) => r.incidents;
  return {
    runs: rs.length,
    high: count(f, (s) => atLeast(s, 'high')),
    medium: count(f, (s) => s === 'medium'),
    low: count(f, (s) => s === 'low'),
    info: count(f, (s) => s === 'info'),
    incidentHigh: count(i, (s) => atLeast(s, 'high')),
    incidentMedium: count(i, (s) => s === 'medium'),
  };
}
const per100 = (n: number, runs: number) => (runs === 0 ? '—' : ((100 * n) / runs).toFixed(1));
console.log(
  `\n${pad('benign runs', 16)}${pad('runs', 6)}${pad('high/crit', 11)}${pad('medium', 8)}${pad('low', 7)}${pad('info', 7)}${pad('incidents ≥ high', 18)}incidents medium  (per 100 runs)`,
);
for (const [name, rs] of [
  ['all agents', benignResults] as const,
  ...agents.map((a) => [a, benignResults.filter((r) => r.agent === a)] as const),
]) {
  const c = benignCounts(rs);
  console.log(
    `${pad(name, 16)}${pad(String(c.runs), 6)}${pad(per100(c.high, c.runs), 11)}${pad(per100(c.medium, c.runs), 8)}${pad(per100(c.low, c.runs), 7)}${pad(per100(c.info, c.runs), 7)}${pad(per100(c.incidentHigh, c.runs), 18)}${per100(c.incidentMedium, c.runs)}`,
  );
}
console.log(`\nwall time ${((Date.now() - started) / 1000).toFixed(0)} s`);
if (values.json)
  writeFileSync(
    values.json,
    `${JSON.stringify({ K, M, agents, learning, attackResults, benignResults }, null, 2)}\n`,
  );
