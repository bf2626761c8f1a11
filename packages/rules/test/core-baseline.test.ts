import { BaselineLearner, BaselineSet, MemorySource, Vigil, type VigilEvent } from '@vigil/core';
import { describe, expect, it } from 'vitest';
import { builtinPacks, coreBaselineView, RuleEngine, rulesCheckDetector } from '../src/index.js';
import { AGENT, connect, exec, OTHER, open, toolCall } from './events.js';

const LEARNING: VigilEvent[] = [
  exec('/usr/bin/node', ['node', 'agent.js'], { pid: 100 }),
  toolCall('fs', 'read_file'),
  open('/app/config.json', 'read', { pid: 100 }),
  connect('10.0.0.5', 443, { dnsName: 'api.openai.com', pid: 100 }),
];
// Core learners hold credential reads (and egress right after them) in quarantine for review instead of
// learning them, so the learning run here does none.

async function learn(events: VigilEvent[]): Promise<BaselineSet> {
  const learner = new BaselineLearner({ origin: 'test' });
  await new Vigil({ source: new MemorySource(events), consumers: [learner] }).run();
  // Round-trip through the document form, as `vigil learn` writes it and `vigil check` reads it.
  return BaselineSet.fromDocument(JSON.parse(JSON.stringify(learner.set.toDocument())));
}

describe('coreBaselineView (the @vigil/core baselines)', () => {
  it('answers coverage for learned workloads only', async () => {
    const view = coreBaselineView(await learn(LEARNING));
    expect(view.covers(AGENT)).toBe(true);
    expect(view.covers(OTHER)).toBe(false);
    expect(view.seen(exec('/usr/bin/node', ['node', 'agent.js']))).toBe(true);
    expect(view.seen(exec('/usr/bin/curl', ['curl', 'http://x']))).toBe(false);
    expect(view.seen(connect('10.0.0.5', 443, { dnsName: 'api.openai.com' }))).toBe(true);
    expect(view.seen(connect('203.0.113.9', 443, { dnsName: 'evil.example' }))).toBe(false);
    expect(view.approvedTools(AGENT, 'fs')).toBeUndefined();
  });

  it('tells a known program with new arguments from a program never run', async () => {
    const view = coreBaselineView(await learn(LEARNING));
    expect(view.programSeen?.(exec('/usr/bin/node', ['node', 'agent.js']) as never)).toBe(true);
    expect(
      view.programSeen?.(exec('/usr/bin/node', ['node', '-e', 'require("child_process")']) as never),
    ).toBe(true);
    expect(view.programSeen?.(exec('/usr/bin/curl', ['curl', 'http://x']) as never)).toBe(false);
    const engine = new RuleEngine({ packs: builtinPacks(), baseline: view });
    const found = engine.process([
      exec('/usr/bin/node', ['node', '--inspect=0.0.0.0:9229', 'agent.js'], { pid: 101 }),
      exec('/usr/bin/curl', ['curl', 'http://x'], { pid: 102 }),
    ]);
    const unexpected = found.filter((f) => f.ruleId === 'vigil.runtime.unexpected-process');
    expect(unexpected.map((f) => [f.severity, f.summary])).toEqual([
      [
        'low',
        expect.stringMatching(
          /\/usr\/bin\/node ran in .* with arguments it never used while learning: --inspect/,
        ),
      ],
      ['medium', expect.stringMatching(/\/usr\/bin\/curl ran in .*, which never ran it while learning/)],
    ]);
  });

  it('drives the baseline-aware rules and chains', async () => {
    const engine = new RuleEngine({
      packs: builtinPacks(),
      baseline: coreBaselineView(await learn(LEARNING)),
    });
    expect(engine.rules().every((r) => r.enabled)).toBe(true);
    const benign = engine.process([
      exec('/usr/bin/node', ['node', 'agent.js'], { pid: 100 }),
      toolCall('fs', 'read_file'),
      open('/app/config.json', 'read', { pid: 100 }),
      connect('10.0.0.5', 443, { dnsName: 'api.openai.com', pid: 100 }),
    ]);
    expect(benign).toEqual([]);
    const attack = engine.process([
      toolCall('web', 'fetch_url'),
      open('/root/.aws/credentials', 'read', { pid: 100 }),
      connect('203.0.113.9', 443, { dnsName: 'evil.example', pid: 100 }),
    ]);
    expect(attack.map((f) => f.ruleId).sort()).toEqual([
      'vigil.ai.injection-tool-exfiltration',
      'vigil.runtime.credential-then-egress',
      'vigil.runtime.sensitive-file-read',
      'vigil.runtime.unexpected-egress',
    ]);
  });

  it('rulesCheckDetector runs in a pipeline, with and without baselines, and keeps final counts', async () => {
    const attack = () => [
      toolCall('web', 'fetch_url'),
      open('/root/.aws/credentials', 'read', { pid: 100 }),
      connect('203.0.113.9', 443, { dnsName: 'evil.example', pid: 100 }),
    ];
    const withBaseline = rulesCheckDetector({ packs: builtinPacks(), baselines: await learn(LEARNING) });
    await new Vigil({
      source: new MemorySource([...attack(), ...attack()]),
      consumers: [withBaseline.consumer],
    }).run();
    // With baselines the drift detector runs too: its findings come first, then the detections. The
    // read happens in a call of web/fetch_url (attribution), so it is checked against that tool.
    const drift = withBaseline.findings().filter((f) => f.category === 'drift');
    expect(drift.map((f) => f.ruleId)).toEqual(
      expect.arrayContaining(['vigil.drift.baseline-learning', 'vigil.drift.tool-call.credential-read']),
    );
    expect(drift.find((f) => f.ruleId === 'vigil.drift.tool-call.credential-read')?.count).toBe(2);
    const counts = Object.fromEntries(
      withBaseline
        .findings()
        .filter((f) => f.category === 'detection')
        .map((f) => [f.ruleId, f.count]),
    );
    expect(counts).toEqual({
      'vigil.ai.injection-tool-exfiltration': 2,
      'vigil.runtime.credential-then-egress': 2,
      'vigil.runtime.sensitive-file-read': 2,
    });
    // The new peer is drift's finding; unexpected-egress, which would restate it, stays silent beside drift.
    expect(drift.filter((f) => f.ruleId.includes('.peer') || f.ruleId.endsWith('new-peer')).length).toBe(1);
    const without = rulesCheckDetector({ packs: builtinPacks(), baselines: new BaselineSet() });
    await new Vigil({ source: new MemorySource(attack()), consumers: [without.consumer] }).run();
    // With no baseline the credential read and the egress of one process still join into a chain.
    expect(without.findings().map((f) => f.ruleId)).toEqual([
      'vigil.runtime.sensitive-file-read',
      'vigil.runtime.credential-then-egress',
    ]);
  });
});
