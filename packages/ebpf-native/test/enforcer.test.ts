import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { EnforcementPolicy } from '@vigil/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Enforcer, type PolicyViolationEvent } from '../src/enforcer.js';
import { WorkloadCgroup } from '../src/workload-cgroup.js';
import { bpfLinksOf, bpfProgramIds, tsNodeArgs, waitFor, whyNoBpf } from './helpers.js';

const why = whyNoBpf();
if (why) console.warn(`skipping live enforcement tests: ${why}`);

function policy(over: Partial<EnforcementPolicy> = {}): EnforcementPolicy {
  return {
    schemaVersion: 1,
    id: 'test-workload',
    version: 1,
    createdAt: new Date(0).toISOString(),
    source: { kind: 'manual' },
    egress: { enforce: true, allowLoopback: false, rules: [] },
    exec: { enforce: false, rules: [] },
    notes: [],
    ...over,
  };
}

function listen(host: string): Promise<Server & { port: number }> {
  return new Promise((resolve, reject) => {
    const s = createServer((c) => {
      c.on('error', () => {}); // clients close abruptly (bash closes fd 3 unread)
      c.end('ok');
    });
    s.once('error', reject);
    s.listen(0, host, () => {
      const addr = s.address();
      resolve(Object.assign(s, { port: typeof addr === 'object' && addr ? addr.port : 0 }));
    });
  });
}

/** Runs a bash line inside the cgroup; resolves with its exit code and output. */
function runIn(
  cg: WorkloadCgroup,
  line: string,
): Promise<{ code: number | null; signal: string | null; out: string }> {
  return new Promise((resolve) => {
    const child = cg.spawn('/usr/bin/bash', ['-c', line], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout?.on('data', (d) => {
      out += String(d);
    });
    child.stderr?.on('data', (d) => {
      out += String(d);
    });
    child.once('exit', (code, signal) => resolve({ code, signal, out }));
  });
}

const connectLine = (host: string, port: number) =>
  `if exec 3<>/dev/tcp/${host}/${port}; then echo CONNECTED; else echo REFUSED; fi`;

describe.skipIf(why !== undefined)('in-kernel enforcement (live)', () => {
  let allowed: Server & { port: number };
  let other: Server & { port: number };
  beforeAll(async () => {
    allowed = await listen('127.0.0.1');
    other = await listen('127.0.0.2');
  });
  afterAll(() => {
    allowed.close();
    other.close();
  });

  const egressPolicy = () =>
    policy({
      egress: {
        enforce: true,
        allowLoopback: false,
        rules: [
          { id: 'egress-1', protocol: 'tcp', cidr: '127.0.0.1/32', port: allowed.port, reason: 'test' },
        ],
      },
    });

  it('enforce: allowed connects succeed, others fail with EPERM and are reported as blocked', async () => {
    const cg = WorkloadCgroup.create();
    const enforcer = await Enforcer.open();
    const seen: PolicyViolationEvent[] = [];
    enforcer.on('violation', (v) => seen.push(v));
    try {
      const applied = await enforcer.apply(cg.dir, egressPolicy(), 'enforce');
      expect(applied.egressEntries).toBe(1);
      const ok = await runIn(cg, connectLine('127.0.0.1', allowed.port));
      expect(ok.out).toContain('CONNECTED');
      const denied = await runIn(cg, connectLine('127.0.0.2', other.port));
      expect(denied.out).toContain('REFUSED');
      expect(denied.out).toContain('Operation not permitted');
      // The same port on an address outside the allowlist is refused too.
      const wrongPort = await runIn(cg, connectLine('127.0.0.1', other.port));
      expect(wrongPort.out).toContain('Operation not permitted');
      expect(await waitFor(() => seen.length >= 2)).toBe(true);
      const v = seen.find((e) => e.daddr === '127.0.0.2')!;
      expect(v).toMatchObject({
        kind: 'policy.violation',
        action: 'blocked',
        operation: 'connect',
        mode: 'enforce',
        policy: 'test-workload@1',
        rule: 'egress.default-deny',
        family: 'ipv4',
        protocol: 'tcp',
        dport: other.port,
        source: 'ebpf',
      });
      expect(v.workload.cgroupPath).toContain(cg.path);
      expect(v.comm).toBe('bash');
      expect(enforcer.counters()).toMatchObject({ blocked: 2, allowed: 1 });
    } finally {
      enforcer.close();
      await cg.remove();
    }
  });

  it('monitor: the same connects succeed and are reported as would-block', async () => {
    const cg = WorkloadCgroup.create();
    const enforcer = await Enforcer.open();
    const seen: PolicyViolationEvent[] = [];
    enforcer.on('violation', (v) => seen.push(v));
    try {
      await enforcer.apply(cg.dir, egressPolicy(), 'monitor');
      const r = await runIn(cg, connectLine('127.0.0.2', other.port));
      expect(r.out).toContain('CONNECTED');
      expect(await waitFor(() => seen.length === 1)).toBe(true);
      expect(seen[0]).toMatchObject({ action: 'would-block', mode: 'monitor', daddr: '127.0.0.2' });
      const fine = await runIn(cg, connectLine('127.0.0.1', allowed.port));
      expect(fine.out).toContain('CONNECTED');
      await new Promise((r2) => setTimeout(r2, 100));
      expect(seen).toHaveLength(1);
    } finally {
      enforcer.close();
      await cg.remove();
    }
  });

  it('allowLoopback lets every loopback peer through; processes outside the cgroup are never touched', async () => {
    const cg = WorkloadCgroup.create();
    const enforcer = await Enforcer.open();
    try {
      const p = egressPolicy();
      await enforcer.apply(
        cg.dir,
        { ...p, egress: { ...p.egress, rules: [], allowLoopback: true } },
        'enforce',
      );
      expect((await runIn(cg, connectLine('127.0.0.2', other.port))).out).toContain('CONNECTED');
      await enforcer.apply(cg.dir, { ...p, egress: { ...p.egress, rules: [] } }, 'enforce');
      expect((await runIn(cg, connectLine('127.0.0.2', other.port))).out).toContain(
        'Operation not permitted',
      );
      const outside = spawnSync('/usr/bin/bash', ['-c', connectLine('127.0.0.2', other.port)], {
        encoding: 'utf8',
      });
      expect(outside.stdout).toContain('CONNECTED');
    } finally {
      enforcer.close();
      await cg.remove();
    }
  });

  it('exec allowlist: listed programs run, others are killed at exec and reported', async () => {
    const cg = WorkloadCgroup.create();
    const enforcer = await Enforcer.open();
    const seen: PolicyViolationEvent[] = [];
    enforcer.on('violation', (v) => seen.push(v));
    // A script allowed by path runs through its interpreter.
    const script = join(tmpdir(), `vigil-enf-${process.pid}.sh`);
    writeFileSync(script, '#!/usr/bin/bash\necho from-script\n', { mode: 0o755 });
    try {
      const applied = await enforcer.apply(
        cg.dir,
        policy({
          egress: { enforce: false, allowLoopback: true, rules: [] },
          exec: {
            enforce: true,
            rules: [
              { id: 'exec-1', path: '/usr/bin/bash', reason: 'test' },
              { id: 'exec-2', path: '/usr/bin/cat', reason: 'test' },
              { id: 'exec-3', path: script, reason: 'test' },
              { id: 'exec-4', path: '/nonexistent/tool', reason: 'test' },
            ],
          },
        }),
        'enforce',
      );
      expect(applied.unresolved).toEqual([expect.stringContaining('/nonexistent/tool: not on this host')]);
      const r = await runIn(
        cg,
        `/usr/bin/cat /etc/hostname >/dev/null && echo CAT-OK; ${script}; /usr/bin/id -u; echo "id=$?"`,
      );
      expect(r.out).toContain('CAT-OK');
      expect(r.out).toContain('from-script');
      expect(r.out).toContain('id=137');
      expect(await waitFor(() => seen.length >= 1)).toBe(true);
      expect(seen).toHaveLength(1);
      expect(seen[0]).toMatchObject({
        action: 'killed',
        operation: 'exec',
        path: '/usr/bin/id',
        rule: 'exec.default-deny',
      });
      expect(enforcer.counters().killed).toBe(1);
    } finally {
      enforcer.close();
      await cg.remove();
    }
  });

  it('mode switches and policy updates take effect on a running workload, without restarting it', async () => {
    const cg = WorkloadCgroup.create();
    const enforcer = await Enforcer.open();
    const seen: PolicyViolationEvent[] = [];
    enforcer.on('violation', (v) => seen.push(v));
    // One long-lived process connects on demand: each line on stdin is one attempt.
    const child = cg.spawn(
      '/usr/bin/bash',
      ['-c', `while read -r _; do ${connectLine('127.0.0.2', other.port)}; exec 3>&-; done`],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    const lines = createInterface({ input: child.stdout! });
    const results: string[] = [];
    lines.on('line', (l) => results.push(l));
    const attempt = async () => {
      const n = results.length;
      child.stdin!.write('go\n');
      expect(await waitFor(() => results.length > n)).toBe(true);
      return results[n];
    };
    try {
      await enforcer.apply(cg.dir, egressPolicy(), 'monitor');
      expect(await attempt()).toBe('CONNECTED');
      enforcer.setMode(cg.dir, 'enforce');
      expect(enforcer.modeOf(cg.dir)).toBe('enforce');
      expect(await attempt()).toBe('REFUSED');
      const p = egressPolicy();
      const updated = policy({
        version: 2,
        egress: {
          ...p.egress,
          rules: [
            ...p.egress.rules,
            { id: 'egress-2', protocol: 'tcp', cidr: '127.0.0.2/32', port: null, reason: 'test' },
          ],
        },
      });
      await enforcer.apply(cg.dir, updated, 'enforce');
      expect(await attempt()).toBe('CONNECTED');
      expect(seen.map((v) => `${v.action}@${v.policy}`)).toEqual([
        'would-block@test-workload@1',
        'blocked@test-workload@1',
      ]);
    } finally {
      child.kill('SIGKILL');
      enforcer.close();
      await cg.remove();
    }
  });

  it('close() detaches and unloads everything; so does a host killed with SIGKILL', async () => {
    const cg = WorkloadCgroup.create();
    const enforcer = await Enforcer.open();
    await enforcer.apply(cg.dir, egressPolicy(), 'enforce');
    const mine = enforcer.programIds();
    expect(mine.length).toBe(5);
    expect(bpfLinksOf(mine)).toHaveLength(5);
    enforcer.close();
    enforcer.close();
    expect(await waitFor(() => !bpfProgramIds().some((id) => mine.includes(id)))).toBe(true);
    expect(await waitFor(() => bpfLinksOf(mine).length === 0)).toBe(true);
    // Nothing enforced any more: the cgroup connects freely.
    expect((await runIn(cg, connectLine('127.0.0.2', other.port))).out).toContain('CONNECTED');
    await cg.remove();

    const cg2 = WorkloadCgroup.create();
    const host = fileURLToPath(new URL('./fixtures/enforce-host.ts', import.meta.url));
    const child = spawn(process.execPath, [...tsNodeArgs(host), cg2.dir], {
      cwd: fileURLToPath(new URL('../../..', import.meta.url)),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout }).once('line', resolve);
      child.once('exit', (code) => reject(new Error(`enforce host exited early (${code})`)));
    });
    const report = JSON.parse(line) as { programIds: number[] };
    expect(bpfLinksOf(report.programIds).length).toBe(5);
    child.kill('SIGKILL');
    expect(await waitFor(() => !bpfProgramIds().some((id) => report.programIds.includes(id)))).toBe(true);
    expect(await waitFor(() => bpfLinksOf(report.programIds).length === 0)).toBe(true);
    await cg2.remove();
  });
});
