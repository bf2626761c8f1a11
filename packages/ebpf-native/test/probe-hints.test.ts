import { describe, expect, it } from 'vitest';
import type { FeatureStatus, ProbeFeature } from '../src/probe.js';
import { probeHints } from '../src/probe.js';

describe('probe hints (a fake capability reader)', () => {
  const yes: FeatureStatus = { supported: true };
  const features = (over: Partial<Record<ProbeFeature, FeatureStatus>> = {}) =>
    ({
      btf: yes,
      ringbuf: yes,
      tp_btf: yes,
      raw_tp: yes,
      cgroup_sock_addr: yes,
      send_signal: yes,
      kprobe: yes,
      fentry: yes,
      lsm: yes,
      uprobe: yes,
      ...over,
    }) as Record<ProbeFeature, FeatureStatus>;
  const privileges = (over: object = {}) => ({
    uid: 0,
    capSysAdmin: true,
    capBpf: true,
    capPerfmon: true,
    capNetAdmin: true,
    sufficient: true,
    ...over,
  });
  const addon = { available: true, path: '/x/vigil_native.node' };
  const working = { cgroupRoot: '/sys/fs/cgroup', cgroupCreate: yes, cgroupAttach: yes, sensor: yes };
  const notTried = { supported: false, reason: 'not tried: the cgroup could not be created' };

  const table: { name: string; hints: string[]; expect: RegExp[] }[] = [
    { name: 'everything works', hints: probeHints(privileges(), addon, features(), working), expect: [] },
    {
      name: 'no BPF capabilities',
      hints: probeHints(
        privileges({ uid: 1000, capSysAdmin: false, capBpf: false, capPerfmon: false, sufficient: false }),
        addon,
        features(),
        working,
      ),
      expect: [/missing CAP_BPF and CAP_PERFMON \(or CAP_SYS_ADMIN\)/],
    },
    {
      name: 'a read-only cgroup tree (a container)',
      hints: probeHints(privileges(), addon, features(), {
        ...working,
        cgroupCreate: { supported: false, reason: "EROFS: read-only file system, mkdir '/sys/fs/cgroup/x'" },
        cgroupAttach: notTried,
        sensor: notTried,
      }),
      expect: [/is read-only here \(a container\?\)/],
    },
    {
      name: 'no cgroup v2',
      hints: probeHints(privileges(), addon, features(), {
        cgroupRoot: '',
        cgroupCreate: { supported: false, reason: 'cgroup v2 is not mounted' },
        cgroupAttach: notTried,
        sensor: notTried,
      }),
      expect: [/mount cgroup v2/],
    },
    {
      name: 'sock_addr refused without CAP_NET_ADMIN',
      hints: probeHints(
        privileges({ capSysAdmin: false, capNetAdmin: false }),
        addon,
        features({
          cgroup_sock_addr: { supported: false, reason: 'attach refused: Operation not permitted (errno 1)' },
        }),
        working,
      ),
      expect: [/need CAP_NET_ADMIN/],
    },
    {
      name: 'sock_addr refused for another reason, CAP_NET_ADMIN held: no CAP_NET_ADMIN hint',
      hints: probeHints(
        privileges(),
        addon,
        features({
          cgroup_sock_addr: { supported: false, reason: 'attach refused: Operation not permitted (errno 1)' },
        }),
        working,
      ),
      expect: [],
    },
    {
      name: 'the capture programs fail to load',
      hints: probeHints(privileges(), addon, features(), {
        ...working,
        sensor: { supported: false, reason: 'load refused: Invalid argument (errno 22)' },
      }),
      expect: [/the capture programs do not load here: load refused/],
    },
  ];
  for (const row of table) {
    it(row.name, () => {
      expect(row.hints).toHaveLength(row.expect.length);
      for (const [i, re] of row.expect.entries()) expect(row.hints[i]).toMatch(re);
    });
  }
});
