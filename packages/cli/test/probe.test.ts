import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ProbeReportSchema } from '@vigil/ebpf-native';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const entry = fileURLToPath(new URL('./fixtures/vigil.ts', import.meta.url));
const NOBODY = 65534;

const setpriv = spawnSync('setpriv', ['--version']).status === 0;
const why =
  process.platform !== 'linux'
    ? `not Linux (${process.platform})`
    : process.getuid?.() !== 0
      ? 'needs root to drop to reduced capabilities'
      : !setpriv
        ? 'setpriv (util-linux) is not installed'
        : !existsSync('/sys/kernel/btf/vmlinux')
          ? 'kernel without BTF'
          : undefined;
if (why) console.warn(`skipping the reduced-capability probe tests: ${why}`);

// Runs `vigil probe` with the given setpriv options (the real process, the real kernel).
function probeAs(setprivArgs: string[], format: 'json' | 'text') {
  const r = spawnSync(
    'setpriv',
    [
      ...setprivArgs,
      'env',
      'HOME=/tmp',
      process.execPath,
      '--conditions=@vigil/source',
      '--import',
      'tsx',
      entry,
      'probe',
      '--format',
      format,
    ],
    { cwd: root, encoding: 'utf8', timeout: 180_000 },
  );
  return r;
}

describe.skipIf(why !== undefined)('vigil probe under reduced capabilities', { timeout: 240_000 }, () => {
  it('with CAP_BPF + CAP_PERFMON alone (uid nobody) it is not ready, and says the cgroup needs more', () => {
    const asNobody = [
      '--reuid',
      String(NOBODY),
      '--regid',
      String(NOBODY),
      '--clear-groups',
      '--inh-caps',
      '+bpf,+perfmon',
      '--ambient-caps',
      '+bpf,+perfmon',
    ];
    const r = probeAs(asNobody, 'json');
    expect(r.status, r.stderr).toBe(0);
    const report = ProbeReportSchema.parse(JSON.parse(r.stdout));
    expect(report.privileges).toMatchObject({
      uid: NOBODY,
      capBpf: true,
      capPerfmon: true,
      capSysAdmin: false,
    });
    expect(report.privileges.sufficient).toBe(true);
    expect(report.features.tp_btf.supported).toBe(true);
    expect(report.captureReady).toBe(false);
    expect(report.record.cgroupCreate.supported).toBe(false);
    expect(report.record.cgroupCreate.reason).toMatch(/EACCES|permission denied/i);
    expect(report.record.sensor).toEqual({
      supported: false,
      reason: 'not tried: the cgroup could not be created',
    });
    expect(report.hints.some((h) => /CAP_BPF and CAP_PERFMON alone are not enough/.test(h))).toBe(true);
    if (!report.features.cgroup_sock_addr.supported)
      expect(report.hints.some((h) => /CAP_NET_ADMIN/.test(h))).toBe(true);

    const text = probeAs(asNobody, 'text');
    expect(text.stdout).toMatch(/^live capture \(vigil record\): not available$/m);
    expect(text.stdout).toMatch(/^to fix:$/m);
  });

  it('as root, every step of the record path is tried and works: ready', () => {
    const r = probeAs(['--inh-caps', '-all'], 'json');
    expect(r.status, r.stderr).toBe(0);
    const report = ProbeReportSchema.parse(JSON.parse(r.stdout));
    expect(report.record.cgroupCreate).toEqual({ supported: true });
    expect(report.record.cgroupAttach).toEqual({ supported: true });
    expect(report.record.sensor).toEqual({ supported: true });
    expect(report.captureReady).toBe(true);
    expect(report.hints.filter((h) => !/build the native addon/.test(h))).toEqual([]);
  });
});
