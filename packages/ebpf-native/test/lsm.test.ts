import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EnforcementPolicy } from '@vigil/core';
import { isVigilError } from '@vigil/core';
import { afterAll, describe, expect, it } from 'vitest';
import { Enforcer, type PolicyViolationEvent } from '../src/enforcer.js';
import { loadBinding } from '../src/internal/binding.js';
import { bpfLsmActive } from '../src/internal/lsm.js';
import { probe } from '../src/probe.js';
import { WorkloadCgroup } from '../src/workload-cgroup.js';
import { waitFor, whyNoBpf } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-lsm-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the active LSM list decides whether BPF-LSM can enforce', () => {
  const cases: [string, string | undefined, boolean, RegExp | undefined][] = [
    ['bpf listed', 'lockdown,capability,landlock,yama,bpf\n', true, undefined],
    ['bpf first', 'bpf,capability', true, undefined],
    [
      'bpf missing must not count',
      'lockdown,capability,yama,apparmor',
      false,
      /boot with lsm=.*apparmor,bpf/,
    ],
    ['a name containing bpf must not count', 'capability,notbpf', false, /not active/],
    ['an empty list', '', false, /not active .*empty/],
    ['no securityfs', undefined, false, /is missing \(securityfs not mounted/],
  ];
  for (const [name, text, active, reason] of cases)
    it(name, () => {
      const file = join(dir, name.replace(/\W+/g, '-'));
      if (text !== undefined) writeFileSync(file, text);
      const r = bpfLsmActive(file);
      expect(r.active).toBe(active);
      if (reason) expect(r.reason).toMatch(reason);
      else expect(r.reason).toBeUndefined();
    });
});

const why = whyNoBpf();
if (why) console.warn(`skipping live BPF-LSM fallback tests: ${why}`);
const lsm = bpfLsmActive();

function execPolicy(): EnforcementPolicy {
  return {
    schemaVersion: 1,
    id: 'lsm-fallback',
    version: 1,
    createdAt: new Date(0).toISOString(),
    source: { kind: 'manual' },
    egress: { enforce: false, allowLoopback: true, rules: [] },
    exec: { enforce: true, rules: [{ id: 'exec-1', path: '/usr/bin/bash', reason: 'test' }] },
    notes: [],
  };
}

// This kernel does not run the bpf LSM: these tests pin down the fallback. On a kernel that does,
// they skip (the refusal path is not exercised by any test yet).
describe.skipIf(why !== undefined || lsm.active)('without BPF-LSM (live)', () => {
  it('the probe says BPF-LSM is unavailable, with its reason on one line, and that execs are killed', async () => {
    const r = await probe();
    expect(r.features.lsm.supported).toBe(false);
    expect(r.features.lsm.reason).toContain('/sys/kernel/security/lsm');
    expect(r.enforcement).toBeDefined();
    const e = r.enforcement!;
    expect(e.exec).toBe('kill');
    expect(e.egress.supported).toBe(true);
    expect(e.execKill.supported).toBe(true);
    expect(e.execRefuse.supported).toBe(false);
    expect(e.execRefuse.reason).toMatch(/^lsm: /);
    for (const f of [...Object.values(r.features), e.execRefuse, e.kprobe])
      if (!f.supported) expect(f.reason).not.toContain('\n');
  }, 120_000);

  it('the LSM program is in the enforcement object, and the kernel refuses to load it here', async () => {
    const binding = loadBinding();
    const native = new binding.NativeEnforcer({ lsmExec: true });
    try {
      await expect(native.load()).rejects.toThrow(/bprm|lsm|BPF_LOAD|BPF_ATTACH/i);
    } finally {
      native.close();
    }
  });

  it("exec: 'lsm' is refused with the reason; the default falls back to SIGKILL at exec", async () => {
    const refused = await Enforcer.open({ exec: 'lsm' }).then(
      (x) => {
        x.close();
        return undefined;
      },
      (e: unknown) => e,
    );
    expect(isVigilError(refused) && refused.code).toBe('BPF_LOAD_FAILED');
    expect((refused as Error).message).toMatch(/needs the bpf LSM: .*\/sys\/kernel\/security\/lsm/);

    const cg = WorkloadCgroup.create();
    const enforcer = await Enforcer.open();
    const seen: PolicyViolationEvent[] = [];
    enforcer.on('violation', (v) => seen.push(v));
    try {
      expect(enforcer.execEnforcement).toMatchObject({ hook: 'tp_btf/sched_process_exec', action: 'kill' });
      expect(enforcer.execEnforcement.reason).toContain('/sys/kernel/security/lsm');
      await enforcer.apply(cg.dir, execPolicy(), 'enforce');
      const child = cg.spawn('/usr/bin/bash', ['-c', '/usr/bin/id -u; echo "id=$?"'], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout?.on('data', (d) => {
        out += String(d);
      });
      await new Promise((r) => child.once('close', r));
      // Killed after the exec succeeded (SIGKILL, 128 + 9), not refused with EPERM.
      expect(out).toContain('id=137');
      expect(await waitFor(() => seen.length >= 1)).toBe(true);
      expect(seen[0]).toMatchObject({ action: 'killed', operation: 'exec', path: '/usr/bin/id' });
    } finally {
      enforcer.close();
      await cg.remove();
    }
    // Nothing of the failed LSM attempts stays loaded.
    const progs = spawnSync('bpftool', ['prog', 'show'], { encoding: 'utf8' }).stdout;
    expect(progs).not.toContain('vigil_enf_bprm');
  }, 60_000);
});
