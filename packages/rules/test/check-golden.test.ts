import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import {
  BaselineLearner,
  compareFindings,
  correlateIncidents,
  DnsEnricher,
  MemorySource,
  ProcessTreeEnricher,
  Vigil,
  type VigilEvent,
} from '@vigil/core';
import { describe, expect, it } from 'vitest';
import { agentWorkload, attackEvents, benignAgent } from '../../core/test/baseline/helpers/agent-sim.js';
import { builtinPacks, criticalBehaviours, rulesCheckDetector } from '../src/index.js';

// What `vigil check` finds on a fixed stream, pinned: the engine's dispatch, the sequence rules'
// shortcuts and the drift detector's caches must change how fast it runs, never what it reports.
// The golden file was written by the engine and drift detector before they were optimised; run
// with VIGIL_UPDATE_GOLDEN=1 to rewrite it after a change that is meant to change findings.
const GOLDEN = new URL('./fixtures/check-golden.json', import.meta.url);
const T0 = 1_764_000_000_000_000_000;
const LATER = T0 + 7200e9;

/** A benign run with every attack of the simulator in it, each acted out three times (repeats aggregate). */
function checkedStream(): VigilEvent[] {
  const benign = [...benignAgent({ seed: 2, seconds: 900, startNs: LATER })];
  const pid = benign.find((e) => e.comm === 'python3')!.pid;
  const out = [...benign];
  for (const [i, at] of [120e9, 300e9, 600e9].entries()) {
    const a = attackEvents(LATER + at, agentWorkload(), pid);
    for (const list of Object.values(a))
      for (const e of list) out.push({ ...e, pid: e.pid === pid ? pid : e.pid + i * 1000 } as VigilEvent);
  }
  return out.sort((a, b) => a.ts - b.ts);
}

async function check() {
  const learner = new BaselineLearner({ origin: 'golden', critical: criticalBehaviours(builtinPacks()) });
  await new Vigil({
    source: new MemorySource(benignAgent({ seed: 1, seconds: 3600 })),
    enrichers: [new DnsEnricher(), new ProcessTreeEnricher()],
    consumers: [learner],
  }).run();
  const detector = rulesCheckDetector({ packs: builtinPacks(), baselines: learner.set });
  const vigil = new Vigil({
    source: new MemorySource(checkedStream()),
    enrichers: [new DnsEnricher(), new ProcessTreeEnricher()],
    consumers: [detector.consumer],
  });
  const errors: unknown[] = [];
  vigil.on('error', (e) => errors.push(e));
  await vigil.run();
  expect(errors).toEqual([]);
  const findings = [...detector.findings()].sort(compareFindings);
  const incidents = correlateIncidents(findings, { processes: vigil.processes });
  return {
    events: detector.engine.stats().events,
    invocations: detector.engine.stats().invocations,
    findings: findings.map((f) => ({
      id: f.id,
      ruleId: f.ruleId,
      severity: f.severity,
      ts: f.ts,
      count: f.count,
      lastSeen: f.lastSeen,
      summary: f.summary,
      evidence: f.evidence.length,
      risk: f.risk.score,
    })),
    incidents: incidents.map((i) => ({
      id: i.id,
      severity: i.severity,
      findings: i.findings.map((f) => f.id),
      chain: i.chain.length,
    })),
  };
}

describe('vigil check on a fixed stream', () => {
  it('reports the golden findings and incidents, in order, with their counts', async () => {
    const got = await check();
    if (process.env['VIGIL_UPDATE_GOLDEN'] === '1' || !existsSync(GOLDEN))
      writeFileSync(GOLDEN, `${JSON.stringify(got, null, 2)}\n`);
    const want = JSON.parse(readFileSync(GOLDEN, 'utf8')) as typeof got;
    // The stream has something to find: drift, detections and at least one incident.
    expect(want.findings.some((f) => f.ruleId.startsWith('vigil.drift.'))).toBe(true);
    expect(want.findings.some((f) => f.ruleId.startsWith('vigil.runtime.'))).toBe(true);
    expect(want.findings.some((f) => (f.count ?? 1) > 1)).toBe(true);
    expect(want.incidents.length).toBeGreaterThan(0);
    expect(got).toEqual(want);
  }, 120_000);
});
