import {
  BaselineLearner,
  type BaselineSet,
  DnsEnricher,
  DriftDetector,
  type Finding,
  FindingSchema,
  MemorySource,
  severityRank,
  Vigil,
  type VigilEvent,
  type WorkloadRef,
} from '@vigil/core';
import { describe, expect, it } from 'vitest';
import { agentWorkload, attackEvents, benignAgent } from '../../../core/test/baseline/helpers/agent-sim.js';
import { builtinPacks, criticalBehaviours, RuleEngine } from '../../src/index.js';

const HOUR = 3600;
const T0 = 1_764_000_000_000_000_000;
const LATER = T0 + 2 * HOUR * 1e9;

async function learn(
  events: Iterable<VigilEvent>,
  origin = 'node-a',
): Promise<{ set: BaselineSet; findings: Finding[] }> {
  const learner = new BaselineLearner({ origin, critical: criticalBehaviours(builtinPacks()) });
  const findings: Finding[] = [];
  const vigil = new Vigil({
    source: new MemorySource(events),
    enrichers: [new DnsEnricher()],
    consumers: [learner],
  });
  vigil.on('finding', (f) => findings.push(f));
  await vigil.run();
  return { set: learner.set, findings };
}

async function check(set: BaselineSet, events: Iterable<VigilEvent>) {
  const detector = new DriftDetector({
    baselines: set.baselines(),
    assessor: new RuleEngine({ packs: builtinPacks() }),
  });
  const reported: Finding[] = [];
  const vigil = new Vigil({
    source: new MemorySource(events),
    enrichers: [new DnsEnricher()],
    consumers: [detector],
  });
  vigil.on('finding', (f) => reported.push(f));
  await vigil.run();
  return { findings: detector.findings(), reported, stats: detector.stats() };
}

describe('learning a benign, non-deterministic agent', () => {
  it('becomes stable because novelty stops, not because a timer ran out', async () => {
    const { set } = await learn(benignAgent({ seed: 1, seconds: HOUR }));
    expect(set.size).toBe(1);
    const b = set.baselines()[0]!;
    expect(b.subject).toBe('k8s:ai/agent/agent');
    expect(b.versionKey).toBe('ghcr.io/acme/agent:1.4');
    expect(b.status).toBe('stable');
    const state = b.learning()['node-a']!;
    expect(state.stableReason).toBe('converged');
    // Converged well before the 24 h bound, at the 15 min minimum.
    expect((state.stableSince! - state.firstSeen) / 1e9).toBeLessThan(HOUR);
    expect(state.noveltyRate).toBeLessThanOrEqual(b.stability.maxNoveltyRate);
  });

  it('generalises random temp folders, UUID names, varied arguments and rotating DNS answers', async () => {
    const { set } = await learn(benignAgent({ seed: 2, seconds: HOUR }));
    const b = set.baselines()[0]!;
    const files = b.files().map((e) => e.display);
    expect(files).toContain('/tmp/<tmp>/out.json (write)');
    expect(files).toContain('/app/workspace/notes-<uuid>.md (read)');
    expect(files).toContain('/app/workspace/report-<num>.txt (write)');
    expect(b.peers().map((e) => e.display)).toEqual(['egress tcp api.openai.com:443']);
    const git = b.processes().find((e) => e.display.startsWith('/usr/bin/git'))!;
    expect(git.display).toBe('/usr/bin/git *');
    // Explainable: the collapsed entry lists what it absorbed.
    expect(git.examples.length).toBeGreaterThan(1);
    expect(git.examples.every((x) => x.startsWith('/usr/bin/git '))).toBe(true);
    const tmp = b.files().find((e) => e.display === '/tmp/<tmp>/out.json (write)')!;
    expect(tmp.examples[0]).toMatch(/^\/tmp\/tmp[a-z0-9]{8}\/out\.json \(write\)$/);
    expect(tmp.introducedBy[0]?.kind).toBe('file.open');
    expect(b.size()).toBeLessThan(60);
  });

  it('raises nothing above low on fresh benign runs', async () => {
    const { set } = await learn(benignAgent({ seed: 3, seconds: HOUR }));
    for (const seed of [11, 12, 13]) {
      const { findings, stats } = await check(
        set,
        benignAgent({ seed, seconds: HOUR / 2, startNs: LATER + seed * 1e12 }),
      );
      expect(stats.events).toBeGreaterThan(5000);
      const above = findings.filter((f) => severityRank(f.severity) > severityRank('low'));
      expect(above.map((f) => f.summary)).toEqual([]);
    }
  });

  it('flags a new egress peer, a new binary, a token read and a shell with the right severities', async () => {
    const { set } = await learn(benignAgent({ seed: 4, seconds: HOUR }));
    const attack = attackEvents(LATER + 10e9);
    const benign = [...benignAgent({ seed: 5, seconds: 10, startNs: LATER })];
    const { findings, reported } = await check(set, [
      ...benign,
      ...attack.egress!,
      ...attack.binary!,
      ...attack.token!,
      ...attack.shell!,
    ]);
    const byRule = new Map(findings.map((f) => [f.ruleId, f]));
    expect(byRule.get('vigil.drift.peer.new-egress-domain')?.severity).toBe('high');
    expect(byRule.get('vigil.drift.process.new-binary')?.severity).toBe('high');
    expect(byRule.get('vigil.drift.file.credential-read')?.severity).toBe('critical');
    expect(byRule.get('vigil.drift.process.new-shell')?.severity).toBe('critical');
    const egress = byRule.get('vigil.drift.peer.new-egress-domain')!;
    expect(egress.category).toBe('drift');
    expect(egress.drift.baselineVersion).toBe(set.baselines()[0]!.version);
    expect(egress.evidence.some((e) => e.type === 'event' && e.event?.kind === 'net.connect')).toBe(true);
    expect(egress.summary).toMatch(/paste\.evil-exfil\.example:443/);
    expect(egress.summary.split('. ').length).toBe(1);
    // Reported once each, in the order they appeared.
    expect(reported.length).toBe(findings.length);
    // Every drift finding is a valid core Finding.
    for (const f of findings) expect(FindingSchema.safeParse(f).success).toBe(true);
  });

  it('aggregates repeats into one finding with a stable id', async () => {
    const { set } = await learn(benignAgent({ seed: 6, seconds: HOUR }));
    const a = attackEvents(LATER);
    const repeats = Array.from({ length: 50 }, (_, i) => ({ ...a.egress![1]!, ts: LATER + i * 1e9 }));
    const first = await check(set, [a.egress![0]!, ...repeats]);
    const egress = first.findings.filter((f) => f.ruleId === 'vigil.drift.peer.new-egress-domain');
    expect(egress.length).toBe(1);
    expect(egress[0]!.count).toBe(50);
    expect(egress[0]!.lastSeen).toBe(LATER + 49e9);
    expect(egress[0]!.evidence.filter((e) => e.type === 'event').length).toBeLessThanOrEqual(6);
    const second = await check(set, [a.egress![0]!, ...repeats.slice(0, 3)]);
    expect(second.findings.find((f) => f.ruleId === egress[0]!.ruleId)?.id).toBe(egress[0]!.id);
  });

  it('rates drift by distance: a new file in a known folder is low, a new subdomain of a known domain is low', async () => {
    const { set } = await learn(benignAgent({ seed: 7, seconds: HOUR }));
    const w = agentWorkload();
    const env = {
      workload: w,
      pid: 120,
      ppid: 1,
      comm: 'python3',
      exe: '/usr/bin/python3',
      source: 'synthetic' as const,
    };
    const { findings } = await check(set, [
      {
        ...env,
        ts: LATER,
        kind: 'file.open',
        path: '/app/agent/step9.py',
        flags: 0,
        access: 'read',
        result: 3,
      },
      { ...env, ts: LATER + 1, kind: 'dns.query', name: 'eu.api.openai.com', qtype: 'A' },
      {
        ...env,
        ts: LATER + 2,
        kind: 'net.connect',
        family: 'inet',
        protocol: 'tcp',
        daddr: '104.18.6.192',
        dport: 8443,
        dnsName: 'api.openai.com',
        result: 0,
      },
      { ...env, ts: LATER + 3, kind: 'tool.call', server: 'filesystem', tool: 'write_file' },
      { ...env, ts: LATER + 4, kind: 'tool.call', server: 'github', tool: 'create_issue' },
      { ...env, ts: LATER + 5, kind: 'model.call', provider: 'anthropic', model: 'claude-sonnet-4' },
    ]);
    const sev = Object.fromEntries(findings.map((f) => [f.ruleId, f.severity]));
    expect(sev).toMatchObject({
      'vigil.drift.file.new-read': 'low',
      'vigil.drift.dns.new-subdomain': 'low',
      'vigil.drift.peer.new-port': 'medium',
      'vigil.drift.tool.new-tool': 'medium',
      'vigil.drift.tool.new-server': 'high',
      'vigil.drift.model.new-provider': 'high',
    });
    const file = findings.find((f) => f.ruleId === 'vigil.drift.file.new-read')!;
    expect(file.drift.nearest).toMatch(/^\/app\/agent\/step\d\.py \(read\)$/);
  });

  it('a local function tool is a tool of its agent, never a new MCP server: low, by its own rule', async () => {
    const { set } = await learn(benignAgent({ seed: 7, seconds: HOUR }));
    const env = {
      workload: agentWorkload(),
      pid: 120,
      ppid: 1,
      comm: 'python3',
      exe: '/usr/bin/python3',
      source: 'synthetic' as const,
    };
    const { findings } = await check(set, [
      {
        ...env,
        ts: LATER,
        kind: 'tool.call',
        server: 'function',
        tool: 'run_command',
        transport: 'in-process',
      },
      {
        ...env,
        ts: LATER + 1,
        kind: 'tool.call',
        server: 'function',
        tool: 'search_docs',
        transport: 'in-process',
      },
      // The same server name over a real transport is an MCP server called `function`, and is one.
      { ...env, ts: LATER + 2, kind: 'tool.call', server: 'function', tool: 'exec', transport: 'stdio' },
    ]);
    const local = findings.filter((f) => f.ruleId === 'vigil.drift.tool.new-local-tool');
    expect(local.map((f) => f.severity)).toEqual(['low', 'low']);
    expect(local.map((f) => f.summary).join(' ')).toMatch(
      /own function tool run_command.*own function tool search_docs|own function tool search_docs.*own function tool run_command/,
    );
    const server = findings.filter((f) => f.ruleId.startsWith('vigil.drift.tool.new-'));
    expect(server.filter((f) => f.ruleId !== 'vigil.drift.tool.new-local-tool')).toHaveLength(1);
    expect(server.find((f) => f.ruleId === 'vigil.drift.tool.new-server')?.summary).toMatch(/function\/exec/);
  });

  it('aggregates drift under the first new folder', async () => {
    const { set } = await learn(benignAgent({ seed: 17, seconds: HOUR }));
    const w = agentWorkload();
    const env = {
      workload: w,
      pid: 120,
      ppid: 1,
      comm: 'python3',
      exe: '/usr/bin/python3',
      source: 'synthetic' as const,
    };
    const locale = [
      'C.UTF-8/LC_TIME',
      'C.UTF-8/LC_CTYPE',
      'C.utf8/LC_TIME',
      'C.utf8/LC_NAME',
      'locale-archive',
    ];
    const { findings } = await check(set, [
      ...locale.map((l, i) => ({
        ...env,
        ts: LATER + i,
        kind: 'file.open' as const,
        path: `/usr/lib/locale/${l}`,
        flags: 0,
        access: 'read' as const,
        result: 3,
      })),
      ...[1, 2, 3].map((i) => ({
        ...env,
        ts: LATER + 10 + i,
        kind: 'process.exec' as const,
        filename: '/usr/bin/git',
        argv: ['git', 'blame', `f${i}.py`],
      })),
      {
        ...env,
        ts: LATER + 20,
        kind: 'file.open',
        path: '/usr/lib/python3.11/secret-notes.txt',
        flags: 0,
        access: 'read',
        result: 3,
      },
    ]);
    const byRule = findings.map((f) => [f.ruleId, f.count, f.drift.aggregate]);
    expect(byRule).toContainEqual(['vigil.drift.file.new-read', 5, '/usr/lib/locale/** (read)']);
    // git's arguments and python's modules were collapsed while learning, so these are covered.
    expect(findings.filter((f) => f.ruleId === 'vigil.drift.process.new-arguments')).toEqual([]);
    expect(findings.some((f) => f.summary.includes('secret-notes'))).toBe(false);
    expect(findings.length).toBe(1);
  });

  it('starts a new baseline for a new image version instead of polluting the old one', async () => {
    const v1 = benignAgent({ seed: 8, seconds: HOUR });
    const v2 = benignAgent({
      seed: 9,
      seconds: 600,
      startNs: LATER,
      workload: agentWorkload('abcde', 'ghcr.io/acme/agent:1.5'),
    });
    const { set } = await learn([...v1, ...v2]);
    expect(set.baselines().map((b) => [b.versionKey, b.status])).toEqual([
      ['ghcr.io/acme/agent:1.4', 'stable'],
      ['ghcr.io/acme/agent:1.5', 'learning'],
    ]);
    const { findings } = await check(
      set,
      benignAgent({
        seed: 10,
        seconds: 5,
        startNs: LATER + 1e12,
        workload: agentWorkload('fghij', 'ghcr.io/acme/agent:1.5'),
      }),
    );
    expect(findings.filter((f) => f.ruleId === 'vigil.drift.baseline-learning')).toHaveLength(1);
    for (const f of findings.filter((x) => x.ruleId !== 'vigil.drift.baseline-learning')) {
      expect(f.drift.provisional).toBe(true);
      expect(severityRank(f.severity)).toBeLessThanOrEqual(severityRank('medium'));
    }
  });

  it('reports workloads without a baseline once, as info', async () => {
    const { set } = await learn(benignAgent({ seed: 8, seconds: 60 }));
    const other: WorkloadRef = {
      id: 'systemd:mcp.service',
      kind: 'systemd-service',
      name: 'mcp',
      labels: {},
    };
    const { findings } = await check(set, benignAgent({ seed: 1, seconds: 20, workload: other }));
    expect(findings.map((f) => [f.ruleId, f.severity])).toEqual([['vigil.drift.no-baseline', 'info']]);
  });
});

describe('poisoned learning', () => {
  it('quarantines an attack inside the learning window, reports it, and still flags it afterwards', async () => {
    const benign = [...benignAgent({ seed: 21, seconds: HOUR })];
    const agentPid = benign.find((e) => e.comm === 'python3')!.pid;
    const attack = attackEvents(T0 + 300e9, agentWorkload(), agentPid);
    // The attack happens five minutes in, while the baseline is still learning.
    const at = benign.findIndex((e) => e.ts > T0 + 300e9);
    const poisoned = [
      ...benign.slice(0, at),
      ...attack.shell!,
      ...attack.token!,
      { ...attack.egress![0]!, ts: T0 + 300e9 + 5e6 },
      { ...attack.egress![1]!, ts: T0 + 300e9 + 6e6 },
      ...benign.slice(at),
    ];
    const { set, findings: learnFindings } = await learn(poisoned);
    const b = set.baselines()[0]!;
    expect(b.status).toBe('stable');
    const q = b.quarantined().map((x) => x.behaviour);
    expect(q).toContain('vigil.critical.shell-from-interpreter');
    expect(q).toContain('vigil.critical.credential-read');
    expect(q).toContain('vigil.critical.token-then-egress');
    const tokenEgress = b.quarantined().find((x) => x.behaviour === 'vigil.critical.token-then-egress')!;
    expect(tokenEgress.events.map((e) => e.kind)).toEqual(['file.open', 'net.connect']);
    // Not admitted.
    expect(b.processes().some((e) => e.display.startsWith('/bin/sh'))).toBe(false);
    expect(b.peers().some((e) => e.display.includes('evil'))).toBe(false);
    // Reported while learning.
    expect(learnFindings.map((f) => [f.ruleId, f.severity])).toContainEqual([
      'vigil.baseline.quarantined',
      'critical',
    ]);
    expect(learnFindings.length).toBe(3);
    for (const f of learnFindings) expect(FindingSchema.safeParse(f).success).toBe(true);
    // Still flagged when it happens again after learning.
    const again = attackEvents(LATER, agentWorkload(), agentPid);
    const { findings } = await check(set, [
      { ...again.token![0]!, ts: LATER - 1e9 },
      ...again.egress!,
      ...again.shell!,
    ]);
    const shell = findings.find((f) => f.ruleId === 'vigil.drift.process.new-shell')!;
    expect(shell.severity).toBe('critical');
    expect(shell.drift.quarantined).toBe(true);
    // It did run while learning: the text says it was held for review, never that it never ran.
    expect(shell.summary).toContain('held for review (quarantined) and never admitted');
    expect(shell.summary).not.toContain('never ran while learning');
    const egress = findings.find((f) => f.ruleId === 'vigil.drift.peer.new-egress-domain')!;
    expect(egress.severity).toBe('critical');
    expect(egress.drift.critical).toContain('vigil.critical.token-then-egress');
    expect(egress.evidence[0]?.event?.kind).toBe('file.open');
  });

  it('admits a quarantined item after review', async () => {
    const benign = [...benignAgent({ seed: 22, seconds: 120 })];
    const attack = attackEvents(T0 + 200e9, agentWorkload(), benign.find((e) => e.comm === 'python3')!.pid);
    const { set } = await learn([...benign, ...attack.shell!]);
    const b = set.baselines()[0]!;
    const item = b.quarantined().find((x) => x.behaviour === 'vigil.critical.shell-from-interpreter')!;
    expect(b.covers(attack.shell![0]!).covered).toBe(false);
    expect(b.admit(item)).toBe(true);
    expect(b.covers(attack.shell![0]!).covered).toBe(true);
    expect(b.quarantined().some((x) => x.behaviour === item.behaviour)).toBe(false);
  });

  it('caps entries per domain against behaviour the generalisation cannot absorb', () => {
    const notices: string[] = [];
    const learner = new BaselineLearner({
      origin: 'n',
      maxEntriesPerDomain: 50,
      critical: criticalBehaviours(builtinPacks()),
    }).onNotice((n) => notices.push(n.type));
    const w = agentWorkload();
    const env = { workload: w, pid: 1, ppid: 0, comm: 'x', exe: '/x', source: 'synthetic' as const };
    // Ten levels of ten distinct names: each folder stays under the fan-out threshold.
    for (let i = 0; i < 500; i++) {
      const path = `/data/${Array.from({ length: 4 }, (_, d) => `l${d}${String.fromCharCode(97 + ((i >> (d * 2)) % 10))}`).join('/')}`;
      learner.observe({ ...env, ts: T0 + i, kind: 'file.open', path, flags: 0, access: 'read', result: 3 });
    }
    const b = learner.set.baselines()[0]!;
    expect(b.entryCount('files')).toBe(50);
    expect(b.size('files')).toBe(50);
    expect(notices).toEqual(['full']);
    expect(b.learning()['n']?.noveltyRate).toBeGreaterThan(0.5);
  });

  it('accepts a user-supplied critical behaviour', async () => {
    const learner = new BaselineLearner({
      origin: 'n',
      critical: [
        {
          id: 'acme.critical.pool',
          title: 'Mining pool',
          severity: 'critical',
          kinds: ['net.connect'],
          check: (ev) =>
            ev.kind === 'net.connect' && ev.dport === 3333
              ? { reason: 'connected to a mining pool port' }
              : undefined,
        },
      ],
    });
    const w = agentWorkload();
    const env = { workload: w, pid: 1, ppid: 0, comm: 'x', exe: '/x', source: 'synthetic' as const };
    learner.observe({
      ...env,
      ts: T0,
      kind: 'net.connect',
      family: 'inet',
      protocol: 'tcp',
      daddr: '198.51.100.1',
      dport: 3333,
      result: 0,
    });
    learner.observe({
      ...env,
      ts: T0 + 1,
      kind: 'net.connect',
      family: 'inet',
      protocol: 'tcp',
      daddr: '198.51.100.1',
      dport: 443,
      result: 0,
    });
    const b = learner.set.baselines()[0]!;
    expect(b.quarantined().map((q) => q.behaviour)).toEqual(['acme.critical.pool']);
    expect(b.peers().map((p) => p.display)).toEqual(['egress tcp 198.51.100.1:443']);
    expect(learner.findings()[0]?.severity).toBe('critical');
  });
});
