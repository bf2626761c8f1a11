import {
  BaselineLearner,
  type BaselineSet,
  DnsEnricher,
  type Finding,
  MemorySource,
  ProcessTreeEnricher,
  Vigil,
  type VigilEvent,
} from '@vigil/core';
import { describe, expect, it } from 'vitest';
import { attackEvents, benignAgent } from '../../../core/test/baseline/helpers/agent-sim.js';
import {
  builtinPacks,
  coreBaselineView,
  criticalBehaviours,
  RuleEngine,
  rulesCheckDetector,
} from '../../src/index.js';
import { connect, exec, k8s, open, tick } from '../events.js';

const T0 = 1_764_000_000_000_000_000;
const LATER = T0 + 7200e9;

async function learn(seconds: number, stable: boolean): Promise<BaselineSet> {
  const learner = new BaselineLearner({ origin: 'test', critical: criticalBehaviours(builtinPacks()) });
  await new Vigil({
    source: new MemorySource(benignAgent({ seed: 1, seconds })),
    enrichers: [new DnsEnricher(), new ProcessTreeEnricher()],
    consumers: [learner],
  }).run();
  if (stable) for (const b of learner.set.baselines()) b.markStable(T0 + seconds * 1e9);
  return learner.set;
}

async function check(set: BaselineSet, events: VigilEvent[]): Promise<Finding[]> {
  const detector = rulesCheckDetector({ packs: builtinPacks(), baselines: set });
  await new Vigil({
    source: new MemorySource(events),
    enrichers: [new DnsEnricher(), new ProcessTreeEnricher()],
    consumers: [detector.consumer],
  }).run();
  return [...detector.findings()];
}

function attack(): VigilEvent[] {
  const benign = [...benignAgent({ seed: 2, seconds: 20, startNs: LATER })];
  const pid = benign.find((e) => e.comm === 'python3')!.pid;
  const a = attackEvents(LATER + 10e9, undefined, pid);
  return [...benign, ...a.binary!, ...a.egress!, ...a.token!].sort((x, y) => x.ts - y.ts);
}

/** Findings whose evidence holds an event of this process exec / file / peer. */
const about = (fs: readonly Finding[], test: (e: VigilEvent) => boolean) =>
  fs.filter((f) => f.severity !== 'info' && f.evidence.some((e) => e.event !== undefined && test(e.event)));
const nc = (e: VigilEvent) => e.kind === 'process.exec' && e.filename === '/usr/bin/nc';
const token = (e: VigilEvent) => e.kind === 'file.open' && e.path.endsWith('serviceaccount/token');
const evil = (e: VigilEvent) => e.kind === 'net.connect' && e.daddr === '203.0.113.9';
const RESTATING = [
  'vigil.runtime.unexpected-process',
  'vigil.runtime.unexpected-egress',
  'vigil.runtime.unexpected-sa-token-read',
];

describe('one detection per behaviour: drift and the baseline-aware runtime rules', () => {
  it('reports a new program once, provisional and capped, against a baseline still learning', async () => {
    const set = await learn(120, false);
    expect(set.baselines()[0]!.status).toBe('learning');
    const findings = await check(set, attack());
    expect(findings.filter((f) => RESTATING.includes(f.ruleId))).toEqual([]);
    const process = about(findings, nc).filter(
      (f) => f.ruleId.startsWith('vigil.drift.process.') || f.ruleId === 'vigil.runtime.unexpected-process',
    );
    expect(process.map((f) => [f.ruleId, f.severity, f.title])).toEqual([
      ['vigil.drift.process.new-binary', 'medium', 'Provisional: New program'],
    ]);
    expect((process[0] as Finding & { drift: { provisional?: boolean } }).drift.provisional).toBe(true);
    // Every baseline-derived finding against the learning baseline is capped at medium.
    for (const f of findings.filter((x) => x.category === 'drift'))
      expect(['info', 'low', 'medium']).toContain(f.severity);
  });

  it('reports a new program, peer and token read once each against a stable baseline', async () => {
    const set = await learn(1800, true);
    const findings = await check(set, attack());
    expect(findings.filter((f) => RESTATING.includes(f.ruleId))).toEqual([]);
    expect(about(findings, nc).map((f) => f.ruleId)).toEqual(['vigil.drift.process.new-binary']);
    expect(about(findings, nc)[0]!.severity).toBe('high');
    expect(
      about(findings, token)
        .filter((f) => f.category === 'drift')
        .map((f) => f.ruleId),
    ).toEqual(['vigil.drift.file.credential-read']);
    expect(
      about(findings, evil)
        .filter((f) => f.category === 'drift')
        .map((f) => f.ruleId),
    ).toEqual(['vigil.drift.peer.new-egress-domain']);
  });

  it('keeps the runtime rules where no drift detector runs (a rule engine over a baseline view alone)', async () => {
    const set = await learn(1800, true);
    const engine = new RuleEngine({ packs: builtinPacks(), baseline: coreBaselineView(set) });
    const found = engine.process(attack());
    const ids = new Set(found.map((f) => f.ruleId));
    for (const id of RESTATING) expect(ids).toContain(id);
  });
});

describe('one detection per behaviour: the Kubernetes API rule beside drift', () => {
  /** The agent (pid 100) reads its config, calls its model API and gets one configmap through the API. */
  const own = () => [
    exec('/usr/bin/node', ['node', '/app/agent.js'], { pid: 100, ppid: 1 }),
    open('/app/config.json', 'read', { pid: 100, ppid: 1 }),
    connect('203.0.113.10', 443, { pid: 100, ppid: 1, dnsName: 'api.example.com' }),
    k8s('get', 'configmaps'),
  ];
  const attack = () => [
    ...own(),
    connect('10.96.0.1', 443, { pid: 100, ppid: 1, dnsName: 'kubernetes.default.svc' }),
    k8s('list', 'secrets'),
  ];
  const learnOwn = async () => {
    const learner = new BaselineLearner({ origin: 'test', critical: criticalBehaviours(builtinPacks()) });
    await new Vigil({ source: new MemorySource(own()), consumers: [learner] }).run();
    for (const b of learner.set.baselines()) b.markStable(tick());
    return learner.set;
  };
  const K8S_RULE = 'vigil.runtime.unexpected-k8s-api';

  it('leaves the new API call and the connect to the API server to drift where drift runs', async () => {
    const detector = rulesCheckDetector({ packs: builtinPacks(), baselines: await learnOwn() });
    await new Vigil({ source: new MemorySource(attack()), consumers: [detector.consumer] }).run();
    const found = detector.findings().filter((f) => f.severity !== 'info');
    expect(found.filter((f) => f.ruleId === K8S_RULE)).toEqual([]);
    // Drift reports each once: the call on a sensitive resource, the new peer.
    expect(found.filter((f) => f.category === 'drift').map((f) => `${f.severity} ${f.ruleId}`)).toEqual(
      expect.arrayContaining([
        'critical vigil.drift.k8s.sensitive-call',
        'high vigil.drift.peer.new-egress-domain',
      ]),
    );
  });

  it('reports both where no drift detector runs (a rule engine over a baseline view alone)', async () => {
    const engine = new RuleEngine({ packs: builtinPacks(), baseline: coreBaselineView(await learnOwn()) });
    const found = engine.process(attack()).filter((f) => f.ruleId === K8S_RULE);
    expect(found.map((f) => f.summary)).toEqual([
      expect.stringContaining('connected to the Kubernetes API server kubernetes.default.svc:443'),
      expect.stringContaining('(list secrets'),
    ]);
    // The learned call and peer stay silent (must not fire).
    expect(engine.process(own()).filter((f) => f.ruleId === K8S_RULE)).toEqual([]);
  });

  it('never runs without a baseline', () => {
    const engine = new RuleEngine({ packs: builtinPacks() });
    expect(engine.process(attack()).filter((f) => f.ruleId === K8S_RULE)).toEqual([]);
  });
});
