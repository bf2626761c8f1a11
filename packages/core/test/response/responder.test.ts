import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Finding,
  FindingSchema,
  killProcessTree,
  Responder,
  type ResponsePlan,
  ResponsePlanSchema,
  type VigilEvent,
} from '../../src/index.js';

function finding(over: Partial<Finding> = {}, pid = 4242): Finding {
  const ev: VigilEvent = {
    kind: 'net.connect',
    ts: 1,
    workload: { id: 'cgroup:/vigil-agent', kind: 'cgroup', labels: {} },
    pid,
    ppid: 1,
    comm: 'bash',
    exe: '/usr/bin/bash',
    source: 'synthetic',
    family: 'inet',
    protocol: 'tcp',
    daddr: '203.0.113.9',
    dport: 4444,
    result: 0,
  };
  return FindingSchema.parse({
    id: 'f-1',
    ruleId: 'vigil.drift.new-egress',
    title: 'New egress peer',
    severity: 'high',
    category: 'drift',
    workload: { id: 'cgroup:/vigil-agent', kind: 'cgroup' },
    ts: 1,
    summary: 'bash connected to 203.0.113.9:4444, never seen while learning',
    evidence: [{ type: 'event', description: 'connect', event: ev }],
    tags: {},
    compliance: [],
    risk: { score: 70, reasons: [] },
    ...over,
  });
}

const plan = (rules: ResponsePlan['rules'], dryRun = false): ResponsePlan => ({
  schemaVersion: 1,
  dryRun,
  rules,
});

describe('Responder', () => {
  const custom = { type: 'custom' as const, name: 'note' };
  const cases: [string, ResponsePlan['rules'][number]['when'], Partial<Finding>, boolean][] = [
    ['severity at the threshold fires', { minSeverity: 'high' }, {}, true],
    ['severity below the threshold must not fire', { minSeverity: 'critical' }, {}, false],
    ['matching category fires', { minSeverity: 'low', categories: ['drift'] }, {}, true],
    ['other category must not fire', { minSeverity: 'low', categories: ['detection'] }, {}, false],
    ['rule prefix fires', { minSeverity: 'low', ruleIds: ['vigil.drift.*'] }, {}, true],
    ['other rule must not fire', { minSeverity: 'low', ruleIds: ['vigil.runtime.*'] }, {}, false],
    ['exact rule id fires', { minSeverity: 'low', ruleIds: ['vigil.drift.new-egress'] }, {}, true],
    ['other workload must not fire', { minSeverity: 'low', workloads: ['cgroup:/vigil-other'] }, {}, false],
  ];
  for (const [name, when, over, fires] of cases)
    it(name, async () => {
      const r = new Responder(plan([{ id: 'r', when, actions: [custom] }])).register(
        'custom:note',
        async (f) => `noted ${f.id}`,
      );
      const recs = await r.handle(finding(over));
      expect(recs.length).toBe(fires ? 1 : 0);
      if (fires)
        expect(recs[0]).toMatchObject({
          outcome: 'done',
          detail: 'noted f-1',
          planRule: 'r',
          cause: expect.stringContaining('203.0.113.9'),
        });
    });

  it('dry-run records what it would do and does nothing', async () => {
    let ran = 0;
    const r = new Responder(
      plan([{ id: 'r', when: { minSeverity: 'low' }, actions: [custom, { type: 'isolate-network' }] }], true),
    ).register('custom:note', async () => {
      ran++;
      return 'x';
    });
    const recs = await r.handle(finding());
    expect(ran).toBe(0);
    expect(recs.map((x) => [x.outcome, x.detail])).toEqual([
      ['dry-run', 'would run custom action note'],
      ['dry-run', 'would run isolate-network (no handler registered)'],
    ]);
  });

  it('records actions it cannot take and failures, never skipping them silently', async () => {
    const r = new Responder(
      plan([{ id: 'r', when: { minSeverity: 'low' }, actions: [{ type: 'tighten-egress' }, custom] }]),
    ).register('custom', async () => {
      throw new Error('ticket system down');
    });
    const recs = await r.handle(finding());
    expect(recs.map((x) => x.outcome)).toEqual(['unavailable', 'failed']);
    expect(recs[1]!.detail).toBe('custom action note failed: ticket system down');
    expect(r.records()).toHaveLength(2);
  });

  it('honours the cooldown per workload', async () => {
    let now = 0;
    const r = new Responder(
      plan([{ id: 'r', when: { minSeverity: 'low' }, actions: [custom], cooldownMs: 1000 }]),
      {
        now: () => now,
      },
    ).register('custom', async () => 'ok');
    expect(await r.handle(finding())).toHaveLength(1);
    now = 500;
    expect(await r.handle(finding())).toHaveLength(0);
    expect(
      await r.handle(finding({ workload: { id: 'cgroup:/vigil-b', kind: 'cgroup', labels: {} } })),
    ).toHaveLength(1);
    now = 1500;
    expect(await r.handle(finding())).toHaveLength(1);
  });

  it('posts the finding to a webhook', async () => {
    const bodies: string[] = [];
    const server = createServer((req, res) => {
      let b = '';
      req.on('data', (d) => {
        b += String(d);
      });
      req.on('end', () => {
        bodies.push(b);
        res.statusCode = req.headers['x-token'] === 'abc' ? 204 : 403;
        res.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      const r = new Responder(
        plan([
          {
            id: 'page',
            when: { minSeverity: 'high' },
            actions: [
              { type: 'webhook', url: `http://127.0.0.1:${port}/hook`, headers: { 'x-token': 'abc' } },
            ],
          },
        ]),
      );
      const [rec] = await r.handle(finding());
      expect(rec).toMatchObject({
        outcome: 'done',
        detail: `posted to http://127.0.0.1:${port}/hook (HTTP 204)`,
      });
      expect(JSON.parse(bodies[0]!)).toMatchObject({
        source: 'vigil',
        finding: { id: 'f-1', severity: 'high' },
      });
      const denied = new Responder(
        plan([
          {
            id: 'page',
            when: { minSeverity: 'high' },
            actions: [{ type: 'webhook', url: `http://127.0.0.1:${port}/hook` }],
          },
        ]),
      );
      expect((await denied.handle(finding()))[0]).toMatchObject({
        outcome: 'failed',
        detail: expect.stringContaining('HTTP 403'),
      });
    } finally {
      server.close();
    }
  });

  it('kills the process tree of the finding, and only that tree', async () => {
    // bash starts two sleeps, one of which starts a grandchild; a sibling tree must survive.
    const tree = spawn('/usr/bin/bash', ['-c', 'sleep 60 & (sleep 61 & wait) & wait'], { stdio: 'ignore' });
    const sibling = spawn('/usr/bin/sleep', ['60'], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 300));
    const alive = (pid: number) => {
      try {
        return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
      } catch {
        return false;
      }
    };
    const r = new Responder(
      plan([{ id: 'contain', when: { minSeverity: 'high' }, actions: [{ type: 'kill-tree' }] }]),
    );
    const exited = new Promise((res) => tree.once('exit', res));
    const [rec] = await r.handle(finding({}, tree.pid!));
    expect(rec!.outcome).toBe('done');
    expect(rec!.detail).toMatch(new RegExp(`killed the process tree of ${tree.pid} \\((\\d+) processes`));
    const n = Number(/\((\d+) processes/.exec(rec!.detail)![1]);
    expect(n).toBeGreaterThanOrEqual(4);
    await exited;
    expect(alive(sibling.pid!)).toBe(true);
    sibling.kill('SIGKILL');
    expect(() => killProcessTree(1)).toThrow(/will not kill/);
    expect(() => killProcessTree(process.pid)).toThrow(/ancestor of this process/);
  });

  it('rejects malformed plans with the place of the problem', () => {
    const bad = ResponsePlanSchema.safeParse({
      schemaVersion: 1,
      dryRun: false,
      rules: [
        { id: 'x', when: { minSeverity: 'huge' }, actions: [{ type: 'webhook', url: 'file:///etc/passwd' }] },
      ],
    });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues.map((i) => i.path.join('.')).sort()).toEqual([
      'rules.0.actions.0.url',
      'rules.0.when.minSeverity',
    ]);
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (v) => {
        const r = ResponsePlanSchema.safeParse(v);
        if (r.success) expect(r.data.schemaVersion).toBe(1);
      }),
      { numRuns: 300 },
    );
  });
});
