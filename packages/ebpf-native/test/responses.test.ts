import { createServer, type Server } from 'node:net';
import { type EnforcementPolicy, FindingSchema, Responder } from '@vigil/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Enforcer } from '../src/enforcer.js';
import { enforcementResponses } from '../src/responses.js';
import { WorkloadCgroup } from '../src/workload-cgroup.js';
import { waitFor, whyNoBpf } from './helpers.js';

const why = whyNoBpf();
if (why) console.warn(`skipping live response tests: ${why}`);

const policy: EnforcementPolicy = {
  schemaVersion: 1,
  id: 'resp',
  version: 1,
  createdAt: new Date(0).toISOString(),
  source: { kind: 'manual' },
  egress: { enforce: true, allowLoopback: true, rules: [] },
  exec: { enforce: false, rules: [] },
  notes: [],
};

const finding = (workload: string) =>
  FindingSchema.parse({
    id: 'f',
    ruleId: 'vigil.test',
    title: 't',
    severity: 'critical',
    category: 'detection',
    workload: { id: workload, kind: 'cgroup' },
    ts: 1,
    summary: 'a credential read followed by egress',
    evidence: [],
    tags: {},
    compliance: [],
    risk: { score: 90, reasons: [] },
  });

describe.skipIf(why !== undefined)('automated response through the kernel (live)', () => {
  let server: Server & { port: number };
  beforeAll(async () => {
    server = await new Promise((resolve) => {
      const s = createServer((c) => {
        c.on('error', () => {});
        c.end();
      });
      s.listen(0, '127.0.0.1', () =>
        resolve(Object.assign(s, { port: (s.address() as { port: number }).port })),
      );
    });
  });
  afterAll(() => server.close());

  it('isolates the network of a running workload, then kills it, each recorded with its cause', async () => {
    const cg = WorkloadCgroup.create();
    const enforcer = await Enforcer.open();
    const child = cg.spawn(
      '/usr/bin/bash',
      [
        '-c',
        `while read -r _; do if exec 3<>/dev/tcp/127.0.0.1/${server.port}; then echo OK; else echo NO; fi; exec 3>&-; done`,
      ],
      { stdio: ['pipe', 'pipe', 'ignore'] },
    );
    const out: string[] = [];
    child.stdout!.on('data', (d) => out.push(...String(d).trim().split('\n')));
    const attempt = async () => {
      const n = out.length;
      child.stdin!.write('x\n');
      expect(await waitFor(() => out.length > n)).toBe(true);
      return out[n];
    };
    try {
      await enforcer.apply(cg.dir, policy, 'monitor');
      expect(await attempt()).toBe('OK');
      const responder = new Responder({
        schemaVersion: 1,
        dryRun: false,
        rules: [{ id: 'contain', when: { minSeverity: 'critical' }, actions: [{ type: 'isolate-network' }] }],
      });
      for (const [type, h] of enforcementResponses(enforcer, { cgroup: cg.dir, policy }))
        responder.register(type, h);
      const [rec] = await responder.handle(finding('cgroup:/x'));
      expect(rec).toMatchObject({
        outcome: 'done',
        action: 'isolate-network',
        cause: 'a credential read followed by egress',
      });
      expect(await attempt()).toBe('NO');

      const killer = new Responder({
        schemaVersion: 1,
        dryRun: false,
        rules: [{ id: 'stop', when: { minSeverity: 'critical' }, actions: [{ type: 'kill-workload' }] }],
      });
      for (const [type, h] of enforcementResponses(enforcer, { cgroup: cg.dir, policy }))
        killer.register(type, h);
      const exited = new Promise<NodeJS.Signals | null>((r) => child.once('exit', (_c, s) => r(s)));
      const [k] = await killer.handle(finding('cgroup:/x'));
      expect(k!.detail).toMatch(/killed the 1 process/);
      expect(await exited).toBe('SIGKILL');
    } finally {
      child.kill('SIGKILL');
      enforcer.close();
      await cg.remove();
    }
  });
});
