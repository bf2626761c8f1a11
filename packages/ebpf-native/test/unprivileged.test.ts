import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ProbeReportSchema } from '../src/probe.js';
import { tsNodeArgs } from './helpers.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/unprivileged.ts', import.meta.url));
const NOBODY = 65534;
const why =
  process.platform !== 'linux'
    ? `not Linux (${process.platform})`
    : process.getuid?.() !== 0
      ? 'needs root to switch to an unprivileged user'
      : undefined;
if (why) console.warn(`skipping the unprivileged-user test: ${why}`);

describe.skipIf(why !== undefined)('without privileges', () => {
  it('Sensor.open and WorkloadCgroup.create fail with the documented PRIVILEGE_REQUIRED errors; probe says why nothing was probed', () => {
    const r = spawnSync(process.execPath, tsNodeArgs(FIXTURE), {
      cwd: fileURLToPath(new URL('../../..', import.meta.url)),
      uid: NOBODY,
      gid: NOBODY,
      encoding: 'utf8',
      env: { ...process.env, HOME: '/tmp' },
      timeout: 30_000,
    });
    expect(r.status, r.stderr).toBe(0);
    const parsed = JSON.parse(r.stdout.trim()) as Record<string, unknown>;
    const out = parsed as Record<string, { code: string; message: string }>;
    const report = ProbeReportSchema.parse(parsed['probe']);
    expect(report.captureReady).toBe(false);
    expect(report.privileges.sufficient).toBe(false);
    expect(report.features.tp_btf).toEqual({
      supported: false,
      reason: 'not probed: loading BPF programs needs root or CAP_BPF + CAP_PERFMON',
    });
    expect(out['sensor']?.code).toBe('PRIVILEGE_REQUIRED');
    expect(out['sensor']?.message).toMatch(
      /^live capture needs root or the capabilities CAP_BPF and CAP_PERFMON \(or CAP_SYS_ADMIN\); this process \(uid 65534\) has none of them/,
    );
    expect(out['cgroup']?.code).toBe('PRIVILEGE_REQUIRED');
    expect(out['cgroup']?.message).toMatch(/cannot create cgroup .*creating cgroups needs root/);
  });
});
