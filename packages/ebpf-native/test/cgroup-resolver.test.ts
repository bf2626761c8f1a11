import { mkdirSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CgroupResolver, cgroup2Root, cgroupIdOf } from '../src/internal/cgroup-resolver.js';
import { capturePrivileges } from '../src/preflight.js';

const why =
  process.platform !== 'linux'
    ? 'not Linux'
    : !capturePrivileges().sufficient
      ? 'creating cgroups needs root'
      : undefined;
if (why) console.warn(`skipping cgroup resolver tests: ${why}`);

describe.skipIf(why !== undefined)('CgroupResolver', () => {
  it('maps cgroup ids to workloads by scanning the cgroup v2 tree, nested paths included', () => {
    const root = cgroup2Root();
    const top = join(root, `vigil-${process.pid}-resolver.slice`);
    const svc = join(top, 'agent.service');
    mkdirSync(top);
    mkdirSync(svc);
    try {
      const resolver = new CgroupResolver(root, 0);
      const id = cgroupIdOf(svc);
      const w = resolver.workloadFor(id);
      expect(w).toMatchObject({
        kind: 'systemd-service',
        unit: 'agent.service',
        cgroupPath: `/vigil-${process.pid}-resolver.slice/agent.service`,
        cgroupId: id,
      });
      expect(resolver.workloadFor(cgroupIdOf(root))).toMatchObject({ id: 'host', kind: 'host' });
      // Cached: the same object comes back.
      expect(resolver.workloadFor(id)).toBe(w);
    } finally {
      rmdirSync(svc);
      rmdirSync(top);
    }
  });

  it('names an id it cannot find (a removed cgroup) without caching it', () => {
    const resolver = new CgroupResolver(cgroup2Root(), 0);
    const w = resolver.workloadFor('987654321987');
    expect(w).toMatchObject({ id: 'cgroup-id:987654321987', kind: 'cgroup', cgroupId: '987654321987' });
  });
});
