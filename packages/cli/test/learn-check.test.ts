import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BaselineSetDocumentSchema, CaptureWriter, decodeBaselineSet, type VigilEvent } from '@vigil/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentWorkload, attackEvents, benignAgent } from '../../core/test/baseline/helpers/agent-sim.js';
import { runCli } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-learn-check-'));
const T0 = 1_764_000_000_000_000_000;
const LATER = T0 + 7200e9;
const learnCapture = join(dir, 'learn.vcap');
const benignCapture = join(dir, 'benign.vcap');
const attackCapture = join(dir, 'attack.vcap');
const poisonedCapture = join(dir, 'poisoned.vcap');

function write(path: string, events: Iterable<VigilEvent>): void {
  const w = CaptureWriter.create(path, { header: { source: 'synthetic' } });
  w.writeAll(events);
  w.close({ exitCode: 0 });
}

beforeAll(() => {
  write(learnCapture, benignAgent({ seed: 1, seconds: 3600 }));
  write(benignCapture, benignAgent({ seed: 2, seconds: 600, startNs: LATER }));
  const benign = [...benignAgent({ seed: 3, seconds: 30, startNs: LATER })];
  const pid = benign.find((e) => e.comm === 'python3')!.pid;
  const a = attackEvents(LATER + 40e9, agentWorkload(), pid);
  write(attackCapture, [
    ...benign,
    { ...a.token![0]!, ts: LATER + 39e9 },
    ...a.egress!,
    ...a.binary!,
    ...a.shell!,
  ]);
  const early = [...benignAgent({ seed: 4, seconds: 3600 })];
  const p2 = early.find((e) => e.comm === 'python3')!.pid;
  const at = early.findIndex((e) => e.ts > T0 + 60e9);
  const shell = attackEvents(T0 + 60e9, agentWorkload(), p2).shell!;
  write(poisonedCapture, [...early.slice(0, at), ...shell, ...early.slice(at)]);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('vigil learn and vigil check', () => {
  it('learns a stable baseline and finds nothing above low in a fresh benign capture', async () => {
    const out = join(dir, 'agent.baseline.json');
    const learned = await runCli(['learn', '--out', out, '--origin', 'node-a', learnCapture]);
    expect(learned.code).toBe(0);
    expect(learned.stderr).toMatch(/k8s:ai\/agent\/agent @ ghcr\.io\/acme\/agent:1\.4: stable \(converged\)/);
    const doc = BaselineSetDocumentSchema.parse(JSON.parse(readFileSync(out, 'utf8')));
    expect(doc.baselines[0]?.learning['node-a']?.status).toBe('stable');

    const checked = await runCli(['check', '--baseline', out, benignCapture, '--fail-on', 'medium']);
    expect(checked.stderr).toBe('');
    expect(checked.code).toBe(0);
    expect(checked.stdout).toMatch(/events checked against 1 baseline/);
  });

  it('reports drift with severities, fails on --fail-on, and writes JSON findings', async () => {
    const out = join(dir, 'b2.json');
    expect((await runCli(['learn', '--out', out, learnCapture])).code).toBe(0);
    const text = await runCli(['check', '--baseline', out, attackCapture, '--fail-on', 'high']);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/CRITICAL +New credential read/);
    expect(text.stdout).toMatch(/CRITICAL +New shell/);
    expect(text.stdout).toMatch(/CRITICAL +New egress domain/);
    expect(text.stdout).toMatch(/HIGH +New program/);
    const json = await runCli(['check', '--baseline', out, attackCapture, '--format', 'json']);
    expect(json.code).toBe(0);
    const result = JSON.parse(json.stdout) as {
      findings: { ruleId: string; severity: string; category: string; drift: { baselineVersion: string } }[];
      baselines: { version: string }[];
    };
    // Drift findings from the baseline, detections from the built-in rule packs.
    expect(result.findings.every((f) => f.category === 'drift' || f.category === 'detection')).toBe(true);
    expect(result.findings.some((f) => f.category === 'detection')).toBe(true);
    const drift = result.findings.filter((f) => f.category === 'drift');
    expect(drift.find((f) => f.ruleId === 'vigil.drift.peer.new-egress-domain')?.severity).toBe('critical');
    expect(drift[0]?.drift.baselineVersion).toBe(result.baselines[0]?.version);
  });

  it('quarantines critical behaviour while learning and can fail on it', async () => {
    const out = join(dir, 'poisoned.json');
    const r = await runCli(['learn', '--out', out, poisonedCapture, '--fail-on', 'critical']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /quarantined q-[0-9a-f]{16} \[critical\] Shell spawned by an agent or interpreter/,
    );
    // The summary says how to admit it, with the file just written.
    expect(r.stderr).toContain(
      `1 item quarantined: each stays drift until a reviewer admits it. After review: vigil baseline admit ${out} ID… --by WHO --reason WHY`,
    );
    const set = decodeBaselineSet(readFileSync(out));
    expect(set.baselines()[0]!.quarantined().length).toBe(1);
  });

  it('admits quarantined items while learning (learn --admit ID --by --reason), as baseline admit does', async () => {
    const first = join(dir, 'learn-admit-first.json');
    expect((await runCli(['learn', '--out', first, poisonedCapture])).code).toBe(0);
    const review = await runCli(['baseline', 'review', first, '--json']);
    const id = (JSON.parse(review.stdout) as { quarantined: { id: string }[] }).quarantined[0]!.id;
    // The same capture learned again gives the same id; who and why are required; unknown ids refused.
    const out = join(dir, 'learn-admit.json');
    const refused = [
      ['learn', '--out', out, poisonedCapture, '--admit', id, '--by', 'alice'],
      ['learn', '--out', out, poisonedCapture, '--admit', 'q-0000000000000000', '--by', 'a', '--reason', 'b'],
      ['learn', '--out', out, poisonedCapture, '--by', 'a', '--reason', 'b'],
    ];
    for (const argv of refused) {
      const r = await runCli(argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(existsSync(out)).toBe(false);
    }
    const admitted = await runCli([
      'learn',
      '--out',
      out,
      poisonedCapture,
      '--admit',
      id,
      '--by',
      'alice',
      '--reason',
      'the agent runs a shell tool by design',
      '--fail-on',
      'critical',
    ]);
    expect(admitted.code, admitted.stderr).toBe(0);
    expect(admitted.stderr).toContain(`admitted ${id}`);
    expect(admitted.stderr).not.toContain('quarantined:');
    const b = BaselineSetDocumentSchema.parse(JSON.parse(readFileSync(out, 'utf8'))).baselines[0]!;
    expect(b.quarantine).toEqual([]);
    expect(b.reviews).toEqual([
      expect.objectContaining({
        item: id,
        decision: 'admit',
        by: 'alice',
        reason: 'the agent runs a shell tool by design',
      }),
    ]);
  });

  it('lists quarantined behaviour with stable ids and admits it with who and why (vigil baseline)', async () => {
    const out = join(dir, 'review.json');
    expect((await runCli(['learn', '--out', out, poisonedCapture])).code).toBe(0);
    const review = await runCli(['baseline', 'review', out, '--json']);
    expect(review.code).toBe(0);
    const queue = (JSON.parse(review.stdout) as { quarantined: { id: string; flaggedBy: string }[] })
      .quarantined;
    expect(queue).toHaveLength(1);
    expect(queue[0]!.id).toMatch(/^q-[0-9a-f]{16}$/);
    expect(queue[0]!.flaggedBy).toBe('vigil.critical.shell-from-interpreter');
    // The id is stable: listing again (text) shows the same one.
    expect((await runCli(['baseline', 'review', out])).stdout).toContain(queue[0]!.id);
    // Who and why are required; unknown ids are refused; nothing is written on refusal.
    const before = readFileSync(out, 'utf8');
    expect((await runCli(['baseline', 'admit', out, queue[0]!.id, '--reason', 'tool'])).code).toBe(2);
    expect(
      (await runCli(['baseline', 'admit', out, 'q-0000000000000000', '--by', 'a', '--reason', 'b'])).code,
    ).toBe(2);
    expect(readFileSync(out, 'utf8')).toBe(before);
    const admit = await runCli([
      'baseline',
      'admit',
      out,
      queue[0]!.id,
      '--by',
      'alice',
      '--reason',
      'the agent runs a shell tool by design',
    ]);
    expect(admit.code).toBe(0);
    const doc = BaselineSetDocumentSchema.parse(JSON.parse(readFileSync(out, 'utf8')));
    expect(doc.schemaVersion).toBe(3);
    const b = doc.baselines[0]!;
    expect(b.quarantine).toEqual([]);
    expect(b.reviews).toHaveLength(1);
    expect(b.reviews![0]).toMatchObject({ item: queue[0]!.id, decision: 'admit', by: 'alice' });
    expect((await runCli(['baseline', 'review', out, '--json'])).stdout).toContain('"quarantined": []');
    // A version-1 document (no reviews) is still read.
    const v1 = join(dir, 'v1.json');
    const old = JSON.parse(before) as {
      schemaVersion: number;
      baselines: { schemaVersion: number; reviews?: unknown }[];
    };
    old.schemaVersion = 1;
    for (const x of old.baselines) {
      x.schemaVersion = 1;
      delete x.reviews;
    }
    writeFileSync(v1, JSON.stringify(old));
    const r1 = await runCli(['baseline', 'review', v1, '--json']);
    expect(r1.code).toBe(0);
    expect((JSON.parse(r1.stdout) as { quarantined: { id: string }[] }).quarantined[0]!.id).toBe(
      queue[0]!.id,
    );
  });

  it('writes msgpack, merges into a SQLite store, and checks against the store', async () => {
    const out = join(dir, 'agent.baseline.vbsl');
    const db = join(dir, 'baselines.db');
    expect(
      (await runCli(['learn', '--out', out, '--format', 'msgpack', '--store', db, learnCapture])).code,
    ).toBe(0);
    expect(readFileSync(out).subarray(0, 4).toString()).toBe('VBSL');
    const viaStore = await runCli(['check', '--baseline', db, attackCapture, '--json']);
    const viaFile = await runCli(['check', '--baseline', out, attackCapture, '--json']);
    const ids = (s: string) => (JSON.parse(s) as { findings: { id: string }[] }).findings.map((f) => f.id);
    expect(ids(viaStore.stdout)).toEqual(ids(viaFile.stdout));
    expect(ids(viaStore.stdout).length).toBeGreaterThan(3);
  });

  it('reports drift against baselines still learning as provisional (capped at medium), and --merge joins baselines', async () => {
    const short = join(dir, 'short.json');
    expect(
      (await runCli(['learn', '--out', short, '--origin', 'a', benignCapture, '--min-duration', '2h'])).code,
    ).toBe(0);
    const r = await runCli(['check', '--baseline', short, attackCapture, '--json']);
    type F = { ruleId: string; category: string; severity: string; title: string; summary: string };
    const f = (JSON.parse(r.stdout) as { findings: F[] }).findings.filter((x) => x.category === 'drift');
    const note = f.filter((x) => x.ruleId === 'vigil.drift.baseline-learning');
    expect(note).toHaveLength(1);
    expect(note[0]!.summary).toMatch(
      /is still learning: .*; stable needs .* or --mark-stable after review\. Drift against it is reported as provisional/,
    );
    const provisional = f.filter((x) => x.ruleId !== 'vigil.drift.baseline-learning');
    // Never silence: the attack's drift is there, labelled and capped.
    expect(provisional.length).toBeGreaterThan(0);
    for (const x of provisional) {
      expect(x.title).toMatch(/^Provisional: /);
      expect(['info', 'low', 'medium']).toContain(x.severity);
    }
    expect(provisional.some((x) => x.severity === 'medium')).toBe(true);
    const r2 = await runCli(['check', '--baseline', short, attackCapture, '--json', '--allow-learning']);
    expect((JSON.parse(r2.stdout) as { findings: unknown[] }).findings.length).toBeGreaterThan(3);
    const merged = join(dir, 'merged.json');
    expect(
      (await runCli(['learn', '--out', merged, '--origin', 'b', '--merge', short, learnCapture])).code,
    ).toBe(0);
    const doc = BaselineSetDocumentSchema.parse(JSON.parse(readFileSync(merged, 'utf8')));
    expect(Object.keys(doc.baselines[0]!.learning).sort()).toEqual(['a', 'b']);
  });

  it('sends a baseline that looked stable back to learning when a later capture adds behaviour, and says which', async () => {
    const runs: string[] = [];
    for (let i = 0; i < 5; i++) {
      const path = join(dir, `looked-stable-${i}.vcap`);
      const events: VigilEvent[] = [...benignAgent({ seed: 1, seconds: 30, startNs: T0 + i * 600e9 })].map(
        (e) => ({ ...e, workload: { ...e.workload, cgroupPath: `/looked-stable/run-${i}` } }),
      );
      // The fifth run uses programs the first four never ran (the first four are alike: quiet).
      if (i === 4) {
        const last = events.at(-1)!;
        for (let k = 0; k < 12; k++)
          events.push({
            ...last,
            ts: last.ts + (k + 1) * 1e6,
            kind: 'process.exec',
            filename: `/usr/bin/job-${k}`,
            argv: [`job-${k}`],
          } as VigilEvent);
      }
      write(path, events);
      runs.push(path);
    }
    const out = join(dir, 'looked-stable.json');
    const learned = await runCli(['learn', '--out', out, ...runs]);
    expect(learned.code).toBe(0);
    expect(learned.stderr).toMatch(/^stable: /m);
    expect(learned.stderr).toMatch(
      /^learning again: .*: run 5 added \d+ new entries after it looked stable \(quiet-runs\)$/m,
    );
    expect(learned.stderr).toMatch(/: learning, /);
    expect(learned.stderr).toContain(
      `it looked stable (the last runs added (almost) nothing new), then run 5 (${runs[4]}) added `,
    );
    expect(learned.stderr).toContain('3 more quiet runs in a row');
    const doc = BaselineSetDocumentSchema.parse(JSON.parse(readFileSync(out, 'utf8')));
    expect(Object.values(doc.baselines[0]!.learning)[0]).toMatchObject({
      status: 'learning',
      reopened: { run: 5, after: 'quiet-runs' },
    });

    // After review, --mark-stable makes it stable by hand, and it stays so.
    const marked = await runCli(['learn', '--out', join(dir, 'marked.json'), '--mark-stable', ...runs]);
    expect(marked.code).toBe(0);
    expect(marked.stderr).toMatch(/: stable \(manual\), /);
  });

  it('takes generalisation settings from a file and stores them in the baseline', async () => {
    const settings = join(dir, 'gen.json');
    const { DEFAULT_GENERALISATION } = await import('@vigil/core');
    writeFileSync(settings, JSON.stringify({ ...DEFAULT_GENERALISATION, defaultMaxChildren: 5 }));
    const out = join(dir, 'gen.baseline.json');
    expect((await runCli(['learn', '--out', out, '--generalisation', settings, learnCapture])).code).toBe(0);
    const doc = BaselineSetDocumentSchema.parse(JSON.parse(readFileSync(out, 'utf8')));
    expect(doc.baselines[0]?.generalisation.defaultMaxChildren).toBe(5);
    writeFileSync(settings, JSON.stringify({ ...DEFAULT_GENERALISATION, defaultMaxChildren: -1 }));
    const bad = await runCli(['learn', '--out', out, '--generalisation', settings, learnCapture]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/gen\.json: invalid generalisation settings: defaultMaxChildren/);
  });

  it('exits 2 with one clear line on usage and input errors, writing nothing', async () => {
    const noCapture = await runCli(['check', '--baseline', join(dir, 'nope.json')]);
    expect(noCapture.code).toBe(2);
    expect(noCapture.stderr).toBe('vigil check: check needs at least one capture file\n');
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"schemaVersion": 1, "kind": "vigil.baseline-set", "baselines": [{"subject": ""}]}');
    const invalid = await runCli(['check', '--baseline', bad, attackCapture]);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toMatch(/^vigil check: .*bad\.json: invalid baseline/);
    expect(invalid.stderr.trim().split('\n').length).toBe(1);
    const out = join(dir, 'never.json');
    const badFlag = await runCli(['learn', '--out', out, '--novelty-rate', '2', learnCapture]);
    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr).toMatch(/--novelty-rate takes a number >= 0 <= 1/);
    const badDur = await runCli(['learn', '--out', out, '--min-duration', 'soon', learnCapture]);
    expect(badDur.stderr).toMatch(/--min-duration takes a duration/);
    expect(() => readFileSync(out)).toThrow();
    const missing = await runCli(['check', '--baseline', join(dir, 'nope.json'), attackCapture]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/nope\.json/);
  });

  it('without a baseline runs the rule packs only, in every report format', async () => {
    // A dropper: an agent downloads a binary to /tmp, runs it, and it reads cloud credentials.
    const dropper = join(dir, 'dropper.vcap');
    const w = agentWorkload();
    const env = {
      workload: w,
      ppid: 1,
      comm: 'python3',
      exe: '/usr/bin/python3',
      source: 'synthetic' as const,
    };
    write(dropper, [
      {
        ...env,
        ts: LATER,
        pid: 70,
        kind: 'file.open',
        path: '/tmp/x',
        flags: 0o1101,
        access: 'write',
        created: true,
        result: 3,
      },
      {
        ...env,
        ts: LATER + 1e6,
        pid: 71,
        ppid: 70,
        comm: 'x',
        exe: '/tmp/x',
        kind: 'process.exec',
        filename: '/tmp/x',
        argv: ['/tmp/x'],
      },
      {
        ...env,
        ts: LATER + 2e6,
        pid: 71,
        ppid: 70,
        comm: 'x',
        exe: '/tmp/x',
        kind: 'file.open',
        path: '/root/.aws/credentials',
        flags: 0,
        access: 'read',
        result: 4,
      },
    ]);
    const attackCapture = dropper;
    const text = await runCli(['check', attackCapture]);
    expect(text.stdout).toMatch(/no baseline: rules only/);
    const json = JSON.parse((await runCli(['check', attackCapture, '--json'])).stdout) as {
      findings: { category: string }[];
      incidents: { severity: string; findings: unknown[]; chain: unknown[] }[];
      packs: { name: string }[];
    };
    // The write, the exec and the credential read are one process tree: one incident.
    expect(json.incidents).toHaveLength(1);
    expect(json.incidents[0]!.findings.length).toBeGreaterThanOrEqual(2);
    expect(json.incidents[0]!.chain.length).toBeGreaterThanOrEqual(2);
    expect(text.stdout).toMatch(/1 incident:/);
    const reported = json.findings.length + json.incidents.length;
    expect(json.findings.length).toBeGreaterThan(0);
    expect(json.findings.every((f) => f.category === 'detection')).toBe(true);
    expect(json.packs.map((p) => p.name).length).toBeGreaterThanOrEqual(2);
    const sarif = JSON.parse((await runCli(['check', attackCapture, '--format', 'sarif'])).stdout) as {
      version: string;
      runs: { results: unknown[] }[];
    };
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.runs[0]?.results.length).toBe(reported);
    const ocsf = (await runCli(['check', attackCapture, '--format', 'ocsf'])).stdout.trim().split('\n');
    expect(ocsf.map((l) => (JSON.parse(l) as { class_uid: number }).class_uid)).toEqual(
      Array.from({ length: reported }, () => 2004),
    );
    expect((await runCli(['check', attackCapture, '--format', 'markdown'])).stdout).toMatch(
      /^# Vigil findings/,
    );
    expect((await runCli(['check', attackCapture, '--format', 'html'])).stdout).toMatch(/^<!doctype html>/);
    const none = await runCli(['check', attackCapture, '--no-builtin-rules', '--json', '--fail-on', 'info']);
    expect(none.code).toBe(0);
    expect((JSON.parse(none.stdout) as { findings: unknown[] }).findings).toEqual([]);
  });
});
