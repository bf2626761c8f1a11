import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CaptureWriter, type VigilEvent } from '@vigil/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentWorkload, attackEvents, benignAgent } from '../../core/test/baseline/helpers/agent-sim.js';
import { runCli } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-rule-override-'));
const capture = join(dir, 'attack.vcap');
const learnCapture = join(dir, 'learn.vcap');
const baseline = join(dir, 'baseline.json');
const T0 = 1_764_000_000_000_000_000;
const LATER = T0 + 7200e9;

beforeAll(async () => {
  const l = CaptureWriter.create(learnCapture, { header: { source: 'synthetic' } });
  l.writeAll(benignAgent({ seed: 1, seconds: 3600 }));
  l.close({ exitCode: 0 });
  const benign = [...benignAgent({ seed: 3, seconds: 30, startNs: LATER })];
  const pid = benign.find((e) => e.comm === 'python3')!.pid;
  const a = attackEvents(LATER + 40e9, agentWorkload(), pid);
  const w = CaptureWriter.create(capture, { header: { source: 'synthetic' } });
  // A credential read a detection reports (sensitive-file-read); what is only new is drift's to report.
  const cred = { ...a.token![0]!, path: '/root/.aws/credentials' } as VigilEvent;
  w.writeAll([...benign, ...a.egress!, ...a.binary!, ...a.shell!, cred]);
  w.close({ exitCode: 0 });
  expect((await runCli(['learn', '--out', baseline, learnCapture])).code).toBe(0);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Out {
  findings: { ruleId: string; severity: string; drift?: { critical?: string[] } }[];
}

// A finding whose rule an override can re-rate: a detection, or else drift no critical behaviour
// lifted (with a baseline, the runtime rules that would restate drift stay silent beside it).
function overridable(findings: Out['findings']): Out['findings'][number] | undefined {
  const rated = findings.filter((f) => f.severity !== 'low' && f.severity !== 'info');
  return (
    rated.find((f) => /^vigil\.(runtime|ai)\./.test(f.ruleId)) ??
    rated.find((f) => f.ruleId.startsWith('vigil.drift.') && f.drift?.critical === undefined)
  );
}

describe('vigil check --rule-override', () => {
  it('sets the severity of a rule, turns a rule off, and names an unknown rule id', async () => {
    const plain = await runCli(['check', '--baseline', baseline, capture, '--format', 'json']);
    expect(plain.code).toBe(0);
    const before = (JSON.parse(plain.stdout) as Out).findings;
    const target = overridable(before);
    if (target === undefined) throw new Error(`no finding to override: ${JSON.stringify(before)}`);
    expect(target).toBeDefined();
    const id = target!.ruleId;

    const lowered = await runCli([
      'check',
      '--baseline',
      baseline,
      capture,
      '--format',
      'json',
      '--rule-override',
      `${id}=low`,
    ]);
    expect(lowered.code).toBe(0);
    const after = (JSON.parse(lowered.stdout) as Out).findings.filter((f) => f.ruleId === id);
    expect(after.length).toBeGreaterThan(0);
    expect(after.every((f) => f.severity === 'low')).toBe(true);

    const off = await runCli([
      'check',
      '--baseline',
      baseline,
      capture,
      '--format',
      'json',
      '--rule-override',
      `${id}=off`,
    ]);
    expect(off.code).toBe(0);
    const rest = (JSON.parse(off.stdout) as Out).findings;
    expect(rest.some((f) => f.ruleId === id)).toBe(false);
    expect(rest.length).toBeGreaterThan(0);

    const unknown = await runCli([
      'check',
      '--baseline',
      baseline,
      capture,
      '--rule-override',
      'vigil.runtime.no-such-rule=low',
    ]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/no rule "vigil\.runtime\.no-such-rule"/);
    const bad = await runCli(['check', '--baseline', baseline, capture, '--rule-override', `${id}=loud`]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/"loud" is not a severity/);

    const help = await runCli(['check', '--help']);
    expect(help.stdout).toMatch(/--rule-override/);
  });

  it('overrides drift rules too; a drift finding a critical behaviour lifts keeps the lift until that rule is overridden', async () => {
    const check = async (...overrides: string[]) => {
      const r = await runCli([
        'check',
        '--baseline',
        baseline,
        capture,
        '--format',
        'json',
        ...overrides.flatMap((o) => ['--rule-override', o]),
      ]);
      expect(r.code).toBe(0);
      return (JSON.parse(r.stdout) as Out).findings;
    };
    const before = await check();
    const plainDrift = before.find(
      (f) => f.ruleId.startsWith('vigil.drift.') && f.severity !== 'low' && f.severity !== 'critical',
    );
    if (plainDrift === undefined) throw new Error(`no drift finding to override: ${JSON.stringify(before)}`);
    const lowered = (await check(`${plainDrift.ruleId}=low`)).filter((f) => f.ruleId === plainDrift.ruleId);
    expect(lowered.length).toBeGreaterThan(0);
    expect(lowered.every((f) => f.severity === 'low')).toBe(true);

    const lifted = before.find((f) => f.ruleId.startsWith('vigil.drift.') && f.severity === 'critical');
    if (lifted === undefined) throw new Error(`no critical drift finding: ${JSON.stringify(before)}`);
    const alone = (await check(`${lifted.ruleId}=low`)).filter((f) => f.ruleId === lifted.ruleId);
    expect(alone.some((f) => f.severity === 'critical')).toBe(true);
    const both = (await check(`${lifted.ruleId}=low`, 'vigil.critical.*=low')).filter(
      (f) => f.ruleId === lifted.ruleId,
    );
    expect(both.length).toBeGreaterThan(0);
    expect(both.every((f) => f.severity === 'low')).toBe(true);
  });
});

describe('vigil check --overrides FILE', () => {
  it('applies a YAML document of overrides; --rule-override flags win over it; a bad entry names the file and its place', async () => {
    const check = async (...args: string[]) => {
      const r = await runCli(['check', '--baseline', baseline, capture, '--format', 'json', ...args]);
      expect(r.code).toBe(0);
      return (JSON.parse(r.stdout) as Out).findings;
    };
    const before = await check();
    const target = overridable(before);
    if (target === undefined) throw new Error(`no finding to override: ${JSON.stringify(before)}`);
    const id = target.ruleId;
    const pack = `${id.split('.').slice(0, 2).join('.')}.*`;
    const file = join(dir, 'overrides.yaml');
    writeFileSync(
      file,
      `schemaVersion: 1\noverrides:\n  - rule: ${JSON.stringify(pack)}\n    severity: off\n    reason: reviewed\n    by: secops\n`,
    );
    const off = await check('--overrides', file);
    expect(off.some((f) => f.ruleId.startsWith(pack.slice(0, -1)))).toBe(false);
    expect(off.length).toBeGreaterThan(0);
    // The flag re-enables one rule of the glob the file turned off, at its own severity.
    const flagged = (await check('--overrides', file, '--rule-override', `${id}=low`)).filter((f) =>
      f.ruleId.startsWith(pack.slice(0, -1)),
    );
    expect(flagged.length).toBeGreaterThan(0);
    expect(flagged.every((f) => f.ruleId === id && f.severity === 'low')).toBe(true);

    const bad = join(dir, 'bad-overrides.yaml');
    writeFileSync(
      bad,
      'schemaVersion: 1\noverrides:\n  - rule: vigil.runtime.no-such-rule\n    severity: low\n',
    );
    const r = await runCli(['check', '--baseline', baseline, capture, '--overrides', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${bad}, at overrides[0].rule`);
    expect(r.stderr).toMatch(/no rule "vigil\.runtime\.no-such-rule"/);

    const help = await runCli(['check', '--help']);
    expect(help.stdout).toMatch(/--overrides/);
    expect(help.stdout).toMatch(/flag wins over the file/);
  });
});
