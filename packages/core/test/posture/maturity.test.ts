import { describe, expect, it } from 'vitest';
import {
  AiBomBuilder,
  assessMaturity,
  BaselineLearner,
  DnsEnricher,
  emptyLedger,
  MaturityReportSchema,
  MemorySource,
  ProcessTreeEnricher,
  recordEnforcementRun,
  renderMaturityText,
  Vigil,
  type VigilEvent,
  type WorkloadPostureFacts,
  workloadMaturity,
} from '../../src/index.js';
import { agentWorkload, benignAgent } from '../baseline/helpers/agent-sim.js';

const T0 = 1_764_000_000_000_000_000;
const none: WorkloadPostureFacts = {
  workload: 'w',
  discovered: false,
  configurationChecked: false,
  supplyChainScanned: false,
  complianceMapped: false,
  baseline: 'none',
  gapAnalysed: false,
  enforcement: 'none',
  automatedResponse: false,
};

describe('workloadMaturity', () => {
  const l1 = { ...none, discovered: true, configurationChecked: true };
  const l2 = { ...l1, supplyChainScanned: true, complianceMapped: true };
  const l3 = { ...l2, baseline: 'stable' as const, gapAnalysed: true };
  const l4 = { ...l3, enforcement: 'enforce' as const, automatedResponse: true };
  const table: [string, WorkloadPostureFacts, number, string[]][] = [
    [
      'nothing known',
      none,
      0,
      ['discover its AI components from what runs', 'check its declared configuration'],
    ],
    ['discovered only', { ...none, discovered: true }, 0, ['check its declared configuration']],
    [
      'inventory-aware',
      l1,
      1,
      [
        'scan its supply chain (MCP definitions, model files, dependencies)',
        'map its findings to the compliance frameworks',
      ],
    ],
    [
      'posture-managed',
      l2,
      2,
      ['learn a stable behavioural baseline', 'compare declared permissions with observed use'],
    ],
    // Must not count: a learning baseline is not runtime-informed.
    [
      'learning baseline',
      { ...l2, baseline: 'learning', gapAnalysed: true },
      2,
      ['learn a stable behavioural baseline'],
    ],
    [
      'runtime-informed',
      l3,
      3,
      [
        'enforce a policy synthesised from its baseline',
        'register an automated response to drift and detections',
      ],
    ],
    // Must not count: monitor mode is not enforcement.
    [
      'monitoring',
      { ...l3, enforcement: 'monitor', automatedResponse: true },
      3,
      ['enforce a policy synthesised from its baseline'],
    ],
    ['adaptive', l4, 4, []],
    // Levels build on each other: enforcement without a scanned supply chain stays at 1.
    [
      'enforcing but unscanned',
      { ...l4, supplyChainScanned: false },
      1,
      ['scan its supply chain (MCP definitions, model files, dependencies)'],
    ],
  ];
  for (const [name, facts, level, next] of table)
    it(name, () => {
      const m = workloadMaturity(facts);
      expect(m.level).toBe(level);
      expect(m.next.map((s) => s.step)).toEqual(next);
    });
});

describe('assessMaturity', () => {
  it('places workloads from what Vigil produced for them, matched by baseline subject', async () => {
    const w = agentWorkload();
    const events: VigilEvent[] = [...benignAgent({ seed: 9, seconds: 120, workload: w })];
    const learner = new BaselineLearner({ origin: 'n' });
    const bom = new AiBomBuilder();
    await new Vigil({
      source: new MemorySource(events),
      enrichers: [new DnsEnricher(), new ProcessTreeEnricher()],
      consumers: [learner, bom],
    }).run();
    const aiBom = bom.result();
    const baseline = learner.set.baselines()[0]!;
    baseline.markStable(T0 + 200e9);
    let ledger = emptyLedger({ minMonitorMs: 0, minMonitorRuns: 1, maxWouldBlock: 0 });
    ledger = recordEnforcementRun(ledger, baseline.subject, {
      policy: `${baseline.subject}@1`,
      baselineStatus: 'stable',
      mode: 'monitor',
      durationMs: 1000,
      wouldBlock: 0,
      blocked: 0,
    }).ledger;

    const bare = assessMaturity({ aiBoms: [aiBom], known: ['k8s:ai/unknown/agent'] });
    expect(bare.byLevel).toEqual([2, 0, 0, 0, 0]);
    expect(bare.overall).toEqual({ level: 0, stage: 'Blind' });
    const agent = bare.workloads.find((x) => x.workload === baseline.subject)!;
    expect(agent.facts.discovered).toBe(true);

    const full = assessMaturity({
      aiBoms: [aiBom],
      baselines: [baseline],
      ledger,
      scanned: true,
      responseFor: ['*'],
      findings: [],
    });
    const a = full.workloads.find((x) => x.workload === baseline.subject)!;
    expect(a.facts).toMatchObject({
      discovered: true,
      baseline: 'stable',
      enforcement: 'enforce',
      automatedResponse: true,
    });
    // No gap report and no configuration check: runtime evidence alone does not lift it past level 0.
    expect(a.level).toBe(0);
    expect(a.next.map((s) => s.step)).toEqual(['check its declared configuration']);
    expect(MaturityReportSchema.parse(full)).toEqual(full);
    expect(renderMaturityText(full)).toMatch(
      /to reach level 1: check its declared configuration — vigil gap --declared/,
    );
  });
});
