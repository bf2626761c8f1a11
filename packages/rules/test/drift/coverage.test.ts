import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Baseline,
  BaselineSet,
  CaptureWriter,
  checkCaptures,
  decodeBaselineSet,
  encodeBaselineSet,
  eventFamily,
  type Finding,
  learnBaselines,
  severityRank,
  type VigilEvent,
} from '@vigil/core';
import { afterAll, describe, expect, it } from 'vitest';
import { attackEvents, benignAgent } from '../../../core/test/baseline/helpers/agent-sim.js';
import { builtinPacks, criticalBehaviours, rulesCheckDetector } from '../../src/index.js';

const HOUR = 3600;
const T0 = 1_764_000_000_000_000_000;
const LATER = T0 + 2 * HOUR * 1e9;

const dir = mkdtempSync(join(tmpdir(), 'vigil-coverage-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
/** A kernel capture as `vigil record` writes it; without payloads it holds no model or tool calls. */
async function capture(events: Iterable<VigilEvent>, payloads: boolean): Promise<string> {
  const path = join(dir, `c${n++}.vcap`);
  const w = CaptureWriter.create(path, {
    header: { source: 'ebpf', ...(payloads ? { payloads: { mode: 'meta' as const } } : {}) },
  });
  w.writeAll(payloads ? events : [...events].filter((e) => eventFamily(e.kind) !== 'payloads'));
  await w.close();
  return path;
}

async function learn(captures: string[]): Promise<BaselineSet> {
  const r = await learnBaselines({
    captures,
    critical: criticalBehaviours(builtinPacks()),
    markStable: true,
  });
  return r.set;
}

async function check(set: BaselineSet, captures: string[]): Promise<Finding[]> {
  const r = await checkCaptures({
    captures,
    baselines: set,
    detectors: [rulesCheckDetector({ packs: builtinPacks(), baselines: set })],
  });
  return [...r.reported];
}

const atOrAbove = (fs: readonly Finding[], s: Finding['severity']) =>
  fs.filter((f) => severityRank(f.severity) >= severityRank(s));
const domainOf = (f: Finding) => (f as { drift?: { domain?: string } }).drift?.domain;

describe('a baseline knows what its captures could show', () => {
  it('records the payload mode and event families of its captures, merged across captures', async () => {
    const np = await capture(benignAgent({ seed: 1, seconds: 600 }), false);
    const pl = await capture(benignAgent({ seed: 2, seconds: 600, startNs: T0 + 1e12 }), true);
    const off = (await learn([np])).baselines()[0]!;
    expect(off.coverage()).toEqual({ families: ['syscalls'], payloadModes: ['off'] });
    expect(off.learnedFamily('payloads')).toBe(false);
    const both = (await learn([np, pl])).baselines()[0]!;
    expect(both.coverage()).toEqual({ families: ['syscalls', 'payloads'], payloadModes: ['meta', 'off'] });
    // The document carries it (schema version 3) and reads back the same.
    const doc = both.toDocument();
    expect(doc.schemaVersion).toBe(3);
    expect(doc.coverage).toEqual({ families: ['syscalls', 'payloads'], payloadModes: ['meta', 'off'] });
    const again = decodeBaselineSet(encodeBaselineSet(new BaselineSet([both]), 'json'));
    expect(again.baselines()[0]!.coverage()).toEqual(both.coverage());
    // Merges are a union: merging the no-payload baseline into itself changes nothing.
    expect(Baseline.merge(off, off).coverage()).toEqual(off.coverage());
  });

  it('checks a payload capture against a baseline learned without payloads with one note, not per-call drift', async () => {
    const set = await learn([await capture(benignAgent({ seed: 3, seconds: HOUR }), false)]);
    const fresh = [...benignAgent({ seed: 4, seconds: 60, startNs: LATER })];
    const calls = fresh.filter((e) => eventFamily(e.kind) === 'payloads').length;
    expect(calls).toBeGreaterThan(10);
    const findings = await check(set, [await capture(fresh, true)]);
    // Nothing about model or tool calls as new behaviour: the baseline never had the chance to see them.
    expect(
      findings.filter((f) => ['models', 'tools', 'toolEffects', 'retrievals'].includes(domainOf(f) ?? '')),
    ).toEqual([]);
    expect(atOrAbove(findings, 'low')).toEqual([]);
    const notes = findings.filter((f) => f.ruleId === 'vigil.drift.not-covered');
    expect(notes).toHaveLength(1);
    expect(notes[0]!.severity).toBe('info');
    expect(notes[0]!.title).toBe('Baseline learned without payload capture');
    expect(notes[0]!.summary).toMatch(/without payload capture/);
    expect(notes[0]!.summary).toMatch(/vigil record --payloads/);
    expect((notes[0] as Finding & { count: number }).count).toBe(calls);
  });

  it('still catches an attack in that payload capture', async () => {
    const set = await learn([await capture(benignAgent({ seed: 5, seconds: HOUR }), false)]);
    const a = attackEvents(LATER + 10e9);
    const findings = await check(set, [
      await capture(
        [...benignAgent({ seed: 6, seconds: 10, startNs: LATER }), ...a.egress!, ...a.binary!],
        true,
      ),
    ]);
    const rules = new Set(atOrAbove(findings, 'high').map((f) => f.ruleId));
    expect(rules).toContain('vigil.drift.peer.new-egress-domain');
    expect(rules).toContain('vigil.drift.process.new-binary');
  });

  it('checks a capture without payloads against a payload baseline without noise', async () => {
    const set = await learn([await capture(benignAgent({ seed: 7, seconds: HOUR }), true)]);
    expect(set.baselines()[0]!.coverage()?.families).toEqual(['syscalls', 'payloads']);
    const findings = await check(set, [
      await capture(benignAgent({ seed: 8, seconds: 60, startNs: LATER }), false),
    ]);
    expect(atOrAbove(findings, 'low')).toEqual([]);
    expect(findings.filter((f) => f.ruleId === 'vigil.drift.not-covered')).toEqual([]);
  });

  it('reads an older baseline without coverage as unknown: judged by what it learned, with a note', async () => {
    const learned = (
      await learn([await capture(benignAgent({ seed: 9, seconds: HOUR }), false)])
    ).baselines()[0]!;
    const { coverage: _, ...old } = learned.toDocument();
    const legacy = Baseline.fromDocument({ ...old, schemaVersion: 2 });
    expect(legacy.coverage()).toBeUndefined();
    // It learned no model or tool calls: they are taken as not captured.
    expect(legacy.learnedFamily('payloads')).toBe(false);
    expect(legacy.learnedFamily('syscalls')).toBe(true);
    const findings = await check(new BaselineSet([legacy]), [
      await capture(benignAgent({ seed: 10, seconds: 60, startNs: LATER }), true),
    ]);
    expect(
      findings.filter((f) => ['models', 'tools', 'toolEffects', 'retrievals'].includes(domainOf(f) ?? '')),
    ).toEqual([]);
    expect(atOrAbove(findings, 'medium')).toEqual([]);
    const note = findings.find((f) => f.ruleId === 'vigil.drift.not-covered');
    expect(note?.summary).toMatch(/does not record what its captures carried/);
    // An older baseline that did learn model calls judges them as before.
    const withCalls = (
      await learn([await capture(benignAgent({ seed: 11, seconds: HOUR }), true)])
    ).baselines()[0]!;
    const { coverage: __, ...old2 } = withCalls.toDocument();
    expect(Baseline.fromDocument({ ...old2, schemaVersion: 2 }).learnedFamily('payloads')).toBe(true);
  });
});
