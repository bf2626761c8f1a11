import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { severityRank } from '@vigil/core';
import { capturePrivileges } from '@vigil/ebpf-native';
import { afterAll, describe, expect, it } from 'vitest';
import { recordRun } from '../src/record-run.js';
import { runCli } from './helpers.js';

const canRecord =
  process.platform === 'linux' && existsSync('/sys/kernel/btf/vmlinux') && capturePrivileges().sufficient;
const why = canRecord ? undefined : 'needs Linux with BTF and root (or CAP_BPF + CAP_PERFMON)';
if (why) console.warn(`skipping live learn/check tests: ${why}`);

const dir = mkdtempSync(join(tmpdir(), 'vigil-live-baseline-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// A small agent-like Node.js program: scratch files in fresh temp folders, notes with random names,
// subprocesses with varied arguments. With ATTACK set it also starts a shell that reads a credential.
const AGENT = `
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
const home = process.argv[2];
for (let i = 0; i < 6; i++) {
  const scratch = mkdtempSync(join(tmpdir(), 'agent-'));
  writeFileSync(join(scratch, 'out.json'), JSON.stringify({ i }));
  writeFileSync(join(home, 'notes', 'note-' + randomUUID() + '.md'), 'n' + i);
  readdirSync(join(home, 'notes'));
  readFileSync(join(home, 'config.json'), 'utf8');
  spawnSync('/usr/bin/ls', ['-la', join(home, 'notes')], { stdio: 'ignore' });
  spawnSync('/usr/bin/git', ['--version'], { stdio: 'ignore' });
}
if (process.env.ATTACK === '1') {
  spawnSync('/bin/sh', ['-c', 'cat "$0/.aws/credentials" > /dev/null', home], { stdio: 'ignore' });
}
`;

function setup(): { script: string; home: string } {
  const home = join(dir, 'home');
  mkdirSync(join(home, 'notes'), { recursive: true });
  mkdirSync(join(home, '.aws'), { recursive: true });
  writeFileSync(join(home, 'config.json'), '{"model":"local"}');
  writeFileSync(join(home, '.aws', 'credentials'), '[default]\naws_access_key_id = AKIAEXAMPLE\n');
  const script = join(dir, 'agent.mjs');
  writeFileSync(script, AGENT);
  return { script, home };
}

describe.skipIf(why !== undefined)('vigil learn and check on live captures of a real process', () => {
  it('learns from real runs, stays quiet on a fresh run and flags the shell and the credential read', async () => {
    const { script, home } = setup();
    const name = `baseline-live-${process.pid}`;
    const run = async (out: string, attack: boolean) => {
      const r = await recordRun([process.execPath, script, home], {
        out,
        name,
        spawn: { stdio: 'ignore', env: { ...process.env, ATTACK: attack ? '1' : '0' } },
      });
      expect(r.exitCode).toBe(0);
      expect(r.events).toBeGreaterThan(100);
      return out;
    };
    const learnRuns = [];
    for (let i = 0; i < 3; i++) learnRuns.push(await run(join(dir, `learn-${i}.vcap`), false));
    const fresh = await run(join(dir, 'fresh.vcap'), false);
    const attack = await run(join(dir, 'attack.vcap'), true);

    const baseline = join(dir, 'live.baseline.json');
    const learned = await runCli(['learn', '--out', baseline, '--mark-stable', ...learnRuns]);
    expect(learned.code, learned.stderr).toBe(0);
    expect(learned.stderr).toMatch(/1 baseline\n/);

    const quiet = await runCli(['check', '--baseline', baseline, fresh, '--json']);
    expect(quiet.code, quiet.stderr).toBe(0);
    const quietFindings = (JSON.parse(quiet.stdout) as { findings: { severity: 'low'; summary: string }[] })
      .findings;
    expect(
      quietFindings.filter((f) => severityRank(f.severity) > severityRank('low')).map((f) => f.summary),
    ).toEqual([]);

    const caught = await runCli(['check', '--baseline', baseline, attack, '--json', '--fail-on', 'critical']);
    expect(caught.code).toBe(1);
    const rules = (
      JSON.parse(caught.stdout) as { findings: { ruleId: string; severity: string }[] }
    ).findings.map((f) => `${f.severity} ${f.ruleId}`);
    expect(rules).toContain('critical vigil.drift.process.new-shell');
    expect(rules).toContain('critical vigil.drift.file.credential-read');
  });
});
