import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commandWorkloadName } from '@vigil/core';
import { capturePrivileges } from '@vigil/ebpf-native';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';

// What learn and check tell a user about workload identity and learning state, on real recordings.
const canRecord =
  process.platform === 'linux' && existsSync('/sys/kernel/btf/vmlinux') && capturePrivileges().sufficient;
const why = canRecord ? undefined : 'needs Linux with BTF and root (or CAP_BPF + CAP_PERFMON)';
if (why) console.warn(`skipping learn/check identity tests: ${why}`);

const dir = mkdtempSync(join(tmpdir(), 'vigil-identity-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// One workload run six times: only the seed differs.
const agent = (seed: number) => [
  'sh',
  '-c',
  'cat /etc/hostname >/dev/null; ls /usr/lib >/dev/null',
  'lab',
  `--seed=${seed}`,
];
// The same program with another command line: another workload.
const other = ['sh', '-c', 'cat /etc/hostname >/dev/null; ls /usr/share >/dev/null', 'lab'];
const same: string[] = [];
const named: string[] = [];
let otherCapture = '';

async function record(out: string, argv: string[], name?: string): Promise<string> {
  const r = await runCli(['record', '--out', out, ...(name ? ['--name', name] : []), '--', ...argv]);
  expect(r.code, r.stderr).toBe(0);
  return out;
}

describe.skipIf(why !== undefined)('learn and check explain identity and learning state', () => {
  beforeAll(async () => {
    for (let i = 1; i <= 6; i++) same.push(await record(join(dir, `same-${i}.vcap`), agent(i * 101)));
    for (let i = 1; i <= 3; i++)
      named.push(await record(join(dir, `named-${i}.vcap`), agent(i), `identity-run-${i}`));
    otherCapture = await record(join(dir, 'other.vcap'), other);
  }, 120_000);

  it('warns when N captures made N workloads of one run each, and says how to fix it', async () => {
    const r = await runCli(['learn', '--out', join(dir, 'named.json'), ...named]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/3 baselines/);
    expect(r.stderr).toMatch(
      /warning: 3 captures made 3 workloads of one run each \(cgroup:\/vigil-identity-run-1, cgroup:\/vigil-identity-run-2, cgroup:\/vigil-identity-run-3\)/,
    );
    expect(r.stderr).toMatch(/record them under one workload name: .*--name NAME/);
  });

  it('says why a baseline is still learning and what gets it to stable', async () => {
    const r = await runCli(['learn', '--out', join(dir, 'two.json'), ...same.slice(0, 2)]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/warning/);
    const line = r.stderr.split('\n').find((l) => l.includes('still learning:'));
    expect(line, r.stderr).toBeDefined();
    expect(line).toMatch(/still learning: 2 runs over \d+ m?s, \d+ observations, novelty [\d.]+ %/);
    expect(line).toMatch(/stable needs ≥ 15 min of observation \(\d+ min( \d+ s)? more\)/);
    expect(line).toMatch(
      /or ≥ 4 runs with the last 3 quiet: 2 more runs and 2 more quiet runs in a row \(a run adding ≤ 0.5 % new behaviour; 1 so far\)/,
    );
    expect(line).toMatch(/or --mark-stable after review$/);
  });

  it('makes a baseline stable from several short quiet runs', async () => {
    const r = await runCli(['learn', '--out', join(dir, 'six.json'), ...same]);
    expect(r.code, r.stderr).toBe(0);
    const subject = `cgroup:/vigil-${commandWorkloadName(agent(1)).name}`;
    expect(r.stderr).toContain(`${subject} @ unversioned: stable (quiet-runs)`);
    expect(r.stderr).not.toMatch(/still learning/);
  });

  it('names the nearest baselines when a workload has none, and checks against one with --use-baseline', async () => {
    const baseline = join(dir, 'six.json');
    const subject = `cgroup:/vigil-${commandWorkloadName(agent(1)).name}`;
    const r = await runCli(['check', '--baseline', baseline, otherCapture]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/INFO +No baseline/);
    expect(r.stdout).toContain(
      `Nearest: ${subject} @ unversioned (same program sh (its command line differs))`,
    );
    expect(r.stdout).toContain(`check against one with --use-baseline ${subject}`);

    const used = await runCli(['check', '--baseline', baseline, '--use-baseline', subject, otherCapture]);
    expect(used.code, used.stderr).toBe(0);
    expect(used.stdout).not.toMatch(/No baseline/);

    const wrong = await runCli([
      'check',
      '--baseline',
      baseline,
      '--use-baseline',
      'cgroup:/nope',
      otherCapture,
    ]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(
      /no baseline has the subject 'cgroup:\/nope' \(there are: cgroup:\/vigil-sh-/,
    );
  });
});
