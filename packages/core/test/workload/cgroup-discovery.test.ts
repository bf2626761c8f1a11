import { mkdirSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CgroupDiscovery,
  cgroupV2Mount,
  type DiscoveredCgroup,
  diffCgroups,
  isWorkloadCgroup,
  scanCgroupTree,
} from '../../src/index.js';

const C = 'a3f1c0de'.repeat(8);
const UID_US = '0a1b2c3d_4e5f_6789_abcd_ef0123456789';
const UID = '0a1b2c3d-4e5f-6789-abcd-ef0123456789';

describe('isWorkloadCgroup', () => {
  // [what, path, has children, expected]
  const cases: [string, string, boolean, boolean][] = [
    [
      'kubepods systemd driver: burstable containerd container',
      `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID_US}.slice/cri-containerd-${C}.scope`,
      false,
      true,
    ],
    [
      'kubepods systemd driver: besteffort CRI-O container (with its own sub-cgroup)',
      `/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${UID_US}.slice/crio-${C}.scope`,
      true,
      true,
    ],
    [
      'kubepods systemd driver: guaranteed pod, docker shim',
      `/kubepods.slice/kubepods-pod${UID_US}.slice/docker-${C}.scope`,
      false,
      true,
    ],
    ['kubepods cgroupfs driver: burstable container', `/kubepods/burstable/pod${UID}/${C}`, false, true],
    ['kubepods cgroupfs driver: guaranteed container', `/kubepods/pod${UID}/${C}`, false, true],
    ['docker outside Kubernetes', `/system.slice/docker-${C}.scope`, false, true],
    ['docker cgroupfs driver', `/docker/${C}`, false, true],
    ['podman', `/machine.slice/libpod-${C}.scope`, false, true],
    ['containerd (nerdctl)', `/system.slice/cri-containerd-${C}.scope`, false, true],
    ['a systemd service', '/system.slice/ollama.service', false, true],
    ['a service with children is still the service', '/system.slice/ollama.service', true, true],
    ['a plain leaf cgroup', '/vigil-test/replica-1', false, true],
    // Must not be workloads.
    ['the root', '/', true, false],
    ['the kubepods slice', '/kubepods.slice', true, false],
    ['a QoS slice, even empty', '/kubepods.slice/kubepods-besteffort.slice', false, false],
    [
      'a pod slice',
      `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID_US}.slice`,
      true,
      false,
    ],
    ['a pod slice before its containers exist', `/kubepods/pod${UID}`, false, false],
    [
      'the sub-cgroup CRI-O makes inside a container',
      `/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${UID_US}.slice/crio-${C}.scope/container`,
      false,
      false,
    ],
    ['crio conmon', `/system.slice/crio-conmon-${C}.scope`, false, false],
    ['a service sub-cgroup', '/system.slice/ollama.service/worker', false, false],
    ['a user session (not a default kind)', '/user.slice/user-1000.slice/session-3.scope', false, false],
    ['an empty slice', '/machine.slice', false, false],
    ['a plain cgroup with children', '/vigil-test', true, false],
  ];

  it.each(cases)('%s', (_what, path, hasChildren, expected) => {
    expect(isWorkloadCgroup(path, hasChildren)).toBe(expected);
  });

  it('reports other kinds when asked', () => {
    expect(isWorkloadCgroup('/user.slice/user-1000.slice/session-3.scope', false, ['user-session'])).toBe(
      true,
    );
    expect(isWorkloadCgroup('/system.slice/ollama.service', false, ['kubernetes-pod'])).toBe(false);
  });
});

describe('diffCgroups', () => {
  const at = (path: string, id: string) => ({ path, id }) as DiscoveredCgroup;

  it('keys on path and id, so a cgroup made again under the same path is gone and new', () => {
    const { added, removed } = diffCgroups(
      [at('/a', '1'), at('/b', '2'), at('/c', '3')],
      [at('/a', '1'), at('/c', '9'), at('/d', '4')],
    );
    expect(added.map((c) => c.path)).toEqual(['/c', '/d']);
    expect(removed.map((c) => `${c.path}:${c.id}`).sort()).toEqual(['/b:2', '/c:3']);
  });
});

const mount = cgroupV2Mount();
const canWrite = (() => {
  if (process.getuid?.() !== 0) return 'not root';
  try {
    const probe = join(mount, `vigil-discovery-probe-${process.pid}`);
    mkdirSync(probe);
    rmdirSync(probe);
    return undefined;
  } catch (e) {
    return `cannot create cgroups under ${mount}: ${(e as Error).message}`;
  }
})();
if (canWrite) console.log(`skipping live cgroup discovery tests: ${canWrite}`);

describe.skipIf(canWrite !== undefined)('CgroupDiscovery on real cgroups', () => {
  const made: string[] = [];
  const mk = (dir: string) => {
    mkdirSync(dir);
    made.push(dir);
  };
  afterEach(() => {
    for (const d of made.splice(0).reverse()) {
      try {
        rmdirSync(d);
      } catch {
        // already gone
      }
    }
  });

  it('sees workloads appear and vanish under a test root, in both kubepods layouts', async () => {
    const root = join(mount, `vigil-discovery-${process.pid}`);
    mk(root);
    const discovery = new CgroupDiscovery({ root, intervalMs: 50 });
    const added: string[] = [];
    const removed: string[] = [];
    discovery.on('added', (c) => added.push(c.path.slice(root.length - mount.length)));
    discovery.on('removed', (c) => removed.push(c.path.slice(root.length - mount.length)));
    discovery.start();
    try {
      expect(added).toEqual([]);
      // systemd driver
      const sd = join(root, 'kubepods.slice');
      mk(sd);
      mk(join(sd, 'kubepods-burstable.slice'));
      const pod = join(sd, 'kubepods-burstable.slice', `kubepods-burstable-pod${UID_US}.slice`);
      mk(pod);
      const container = join(pod, `cri-containerd-${C}.scope`);
      mk(container);
      // cgroupfs driver
      mk(join(root, 'kubepods'));
      mk(join(root, 'kubepods', 'besteffort'));
      mk(join(root, 'kubepods', 'besteffort', `pod${UID}`));
      mk(join(root, 'kubepods', 'besteffort', `pod${UID}`, 'b'.repeat(64)));
      // a service and a plain replica
      mk(join(root, 'system.slice'));
      mk(join(root, 'system.slice', 'agent.service'));
      await until(() => added.length >= 3);
      expect(added.sort()).toEqual(
        [
          `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID_US}.slice/cri-containerd-${C}.scope`,
          `/kubepods/besteffort/pod${UID}/${'b'.repeat(64)}`,
          '/system.slice/agent.service',
        ].sort(),
      );
      const c = [...discovery.current().values()].find((x) => x.dir === container)!;
      expect(c.workload).toMatchObject({
        kind: 'kubernetes-pod',
        podUid: UID,
        containerId: C,
        runtime: 'containerd',
      });

      rmdirSync(container);
      await until(() => removed.length >= 1);
      expect(removed).toEqual([
        `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID_US}.slice/cri-containerd-${C}.scope`,
      ]);
      // One scan agrees with what the watcher holds.
      expect(
        scanCgroupTree({ root })
          .map((x) => x.path)
          .sort(),
      ).toEqual([...discovery.current().keys()].sort());
    } finally {
      discovery.stop();
    }
  });

  it('reports an unreadable root as an error and everything in it as gone', async () => {
    const root = join(mount, `vigil-discovery-gone-${process.pid}`);
    mk(root);
    mk(join(root, 'leaf'));
    const discovery = new CgroupDiscovery({ root });
    const errors: string[] = [];
    discovery.on('error', (e) => errors.push(e.code));
    expect(discovery.poll().added).toHaveLength(1);
    rmdirSync(join(root, 'leaf'));
    rmdirSync(root);
    expect(discovery.poll().removed).toHaveLength(1);
    expect(errors).toEqual(['CGROUP']);
  });
});

async function until(cond: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
