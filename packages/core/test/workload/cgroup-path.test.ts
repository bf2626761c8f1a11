import { describe, expect, it } from 'vitest';
import { parseCgroupPath, workloadFromCgroupPath } from '../../src/index.js';

const C = 'a3f1c0de'.repeat(8); // a 64-hex container id
const UID_DASH = '0a1b2c3d-4e5f-6789-abcd-ef0123456789';
const UID_US = '0a1b2c3d_4e5f_6789_abcd_ef0123456789';

describe('parseCgroupPath', () => {
  const cases: [string, string, Record<string, unknown>][] = [
    ['root is the host', '/', { kind: 'host' }],
    [
      'kubepods systemd driver, burstable, containerd',
      `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID_US}.slice/cri-containerd-${C}.scope`,
      {
        kind: 'kubernetes-pod',
        podUid: UID_DASH,
        qosClass: 'burstable',
        containerId: C,
        runtime: 'containerd',
      },
    ],
    [
      'kubepods systemd driver, besteffort, cri-o',
      `/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${UID_US}.slice/crio-${C}.scope`,
      { kind: 'kubernetes-pod', podUid: UID_DASH, qosClass: 'besteffort', containerId: C, runtime: 'cri-o' },
    ],
    [
      'kubepods systemd driver, guaranteed (no QoS slice), docker',
      `/kubepods.slice/kubepods-pod${UID_US}.slice/docker-${C}.scope`,
      { kind: 'kubernetes-pod', podUid: UID_DASH, qosClass: 'guaranteed', containerId: C, runtime: 'docker' },
    ],
    [
      'kubepods cgroupfs driver, burstable, bare id',
      `/kubepods/burstable/pod${UID_DASH}/${C}`,
      { kind: 'kubernetes-pod', podUid: UID_DASH, qosClass: 'burstable', containerId: C, runtime: 'unknown' },
    ],
    [
      'kubepods cgroupfs driver, guaranteed',
      `/kubepods/pod${UID_DASH}/${C}`,
      { kind: 'kubernetes-pod', podUid: UID_DASH, qosClass: 'guaranteed', containerId: C },
    ],
    [
      'pod-level cgroup without a container',
      `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID_US}.slice`,
      { kind: 'kubernetes-pod', podUid: UID_DASH, qosClass: 'burstable', containerId: undefined },
    ],
    [
      'cri-o nested container cgroup',
      `/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${UID_US}.slice/crio-${C}.scope/container`,
      { kind: 'kubernetes-pod', containerId: C, runtime: 'cri-o' },
    ],
    ['kubepods QoS slice alone is not a pod', '/kubepods.slice/kubepods-burstable.slice', { kind: 'cgroup' }],
    [
      'malformed pod uid is not a pod',
      '/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-podnot-a-uid.slice',
      { kind: 'cgroup', podUid: undefined },
    ],
    [
      'docker under systemd',
      `/system.slice/docker-${C}.scope`,
      { kind: 'container', containerId: C, runtime: 'docker' },
    ],
    ['docker under cgroupfs', `/docker/${C}`, { kind: 'container', containerId: C, runtime: 'docker' }],
    ['podman', `/machine.slice/libpod-${C}.scope`, { kind: 'container', containerId: C, runtime: 'podman' }],
    [
      'rootless podman inside a user service',
      `/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-${C}.scope`,
      { kind: 'container', runtime: 'podman' },
    ],
    [
      'containerd without kubernetes',
      `/system.slice/cri-containerd-${C}.scope`,
      { kind: 'container', runtime: 'containerd' },
    ],
    // Shapes that must not parse as containers.
    [
      'the docker daemon is a service',
      '/system.slice/docker.service',
      { kind: 'systemd-service', unit: 'docker.service' },
    ],
    [
      'containerd daemon is a service',
      '/system.slice/containerd.service',
      { kind: 'systemd-service', unit: 'containerd.service', containerId: undefined },
    ],
    [
      'cri-o conmon is not the container',
      `/system.slice/crio-conmon-${C}.scope`,
      { kind: 'systemd-scope', containerId: undefined },
    ],
    [
      'short docker id is not a container',
      '/system.slice/docker-abc123.scope',
      { kind: 'systemd-scope', containerId: undefined },
    ],
    [
      'uppercase hex is not a container id',
      `/docker/${C.toUpperCase()}`,
      { kind: 'cgroup', containerId: undefined },
    ],
    ['bare hex outside a runtime parent', `/custom/${C}`, { kind: 'cgroup', containerId: undefined }],
    ['systemd service', '/system.slice/nginx.service', { kind: 'systemd-service', unit: 'nginx.service' }],
    ['init scope', '/init.scope', { kind: 'systemd-scope', unit: 'init.scope' }],
    [
      'user session',
      '/user.slice/user-1000.slice/session-3.scope',
      { kind: 'user-session', unit: 'session-3.scope', uid: 1000 },
    ],
    [
      'process in a user service sub-cgroup',
      '/user.slice/user-1000.slice/user@1000.service/app.slice/app-gnome-terminal.slice/vte-spawn-1.scope',
      { kind: 'systemd-scope', uid: 1000 },
    ],
    [
      'user manager itself',
      '/user.slice/user-0.slice/user@0.service/init.scope',
      { kind: 'systemd-scope', unit: 'init.scope', uid: 0 },
    ],
    ['plain cgroup', '/vigil/record-1234', { kind: 'cgroup' }],
  ];

  it.each(cases)('%s', (_name, path, expected) => {
    const got = parseCgroupPath(path) as unknown as Record<string, unknown>;
    for (const [k, v] of Object.entries(expected)) expect(got[k], k).toEqual(v);
  });
});

describe('workloadFromCgroupPath', () => {
  it('gives pods and containers stable ids', () => {
    const w = workloadFromCgroupPath(
      `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID_US}.slice/cri-containerd-${C}.scope`,
      '1234',
    );
    expect(w.id).toBe(`k8s:${UID_DASH}/${C.slice(0, 12)}`);
    expect(w.cgroupId).toBe('1234');
    expect(w.kind).toBe('kubernetes-pod');
  });

  it('keys systemd units and plain cgroups by path', () => {
    expect(workloadFromCgroupPath('/system.slice/nginx.service').id).toBe(
      'systemd:/system.slice/nginx.service',
    );
    expect(workloadFromCgroupPath('/vigil/x').id).toBe('cgroup:/vigil/x');
    expect(workloadFromCgroupPath('/').id).toBe('host');
  });

  it('gives every run vigil record makes of one workload the workload id', () => {
    const a = workloadFromCgroupPath('/vigil-node-3f2a9c1e/run-4242-k3j2x1');
    const b = workloadFromCgroupPath('/vigil-node-3f2a9c1e/run-4343-a8b7c6');
    expect(a.id).toBe('cgroup:/vigil-node-3f2a9c1e');
    expect(b.id).toBe(a.id);
    expect(a.name).toBe('node-3f2a9c1e');
    expect(a.cgroupPath).toBe('/vigil-node-3f2a9c1e/run-4242-k3j2x1');
    // Not a run: deeper cgroups, other parents and other leaves keep their path.
    expect(workloadFromCgroupPath('/vigil-node-3f2a9c1e/run-1/docker').id).toBe(
      'cgroup:/vigil-node-3f2a9c1e/run-1/docker',
    );
    expect(workloadFromCgroupPath('/other/run-1').id).toBe('cgroup:/other/run-1');
    expect(workloadFromCgroupPath('/vigil-x/job-1').id).toBe('cgroup:/vigil-x/job-1');
  });

  it('never throws on arbitrary strings', () => {
    for (const p of [
      '',
      '//',
      '/kubepods',
      '/kubepods/pod',
      `/kubepods/pod${UID_DASH}/`,
      '\u0000',
      '/a/'.repeat(1000),
    ]) {
      expect(() => workloadFromCgroupPath(p)).not.toThrow();
    }
  });
});
