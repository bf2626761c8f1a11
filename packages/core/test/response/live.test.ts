import { describe, expect, it } from 'vitest';
import {
  type EventSource,
  type Finding,
  FindingSchema,
  LiveResponse,
  Responder,
  type ResponsePlan,
  Vigil,
  type VigilEvent,
} from '../../src/index.js';

const workload = { id: 'cgroup:/vigil-agent', kind: 'cgroup' as const, labels: {} };

function event(kind: 'file.open' | 'net.connect', pid: number, ts: number): VigilEvent {
  const env = {
    ts,
    workload,
    pid,
    ppid: 100,
    comm: 'bash',
    exe: '/usr/bin/bash',
    source: 'synthetic' as const,
  };
  return kind === 'file.open'
    ? { ...env, kind, path: '/root/.aws/credentials', flags: 0, access: 'read', result: 3 }
    : { ...env, kind, family: 'inet', protocol: 'tcp', daddr: '203.0.113.9', dport: 443, result: 0 };
}

function finding(id: string, severity: Finding['severity'], ev: VigilEvent, ruleId = `rule.${id}`): Finding {
  return FindingSchema.parse({
    id,
    ruleId,
    title: `Finding ${id}`,
    severity,
    category: 'detection',
    workload: { id: workload.id, kind: 'cgroup' },
    ts: ev.ts,
    summary: `summary of ${id}`,
    evidence: [{ type: 'event', description: ev.kind, event: ev }],
    tags: {},
    compliance: [],
    risk: { score: 50, reasons: [] },
  });
}

const plan = (minSeverity: Finding['severity']): ResponsePlan => ({
  schemaVersion: 1,
  dryRun: false,
  rules: [{ id: 'note', when: { minSeverity }, actions: [{ type: 'custom', name: 'note' }] }],
});

function responder(p: ResponsePlan, seen: string[]): Responder {
  return new Responder(p).register('custom:note', async (f) => {
    // Out of order if actions overlapped: each waits a little before recording.
    await new Promise((r) => setTimeout(r, 5));
    seen.push(f.ruleId);
    return `noted ${f.id}`;
  });
}

describe('LiveResponse', () => {
  it('answers findings in arrival order, then the incident they form', async () => {
    const seen: string[] = [];
    const live = new LiveResponse(responder(plan('medium'), seen));
    live.handle(finding('a', 'medium', event('file.open', 200, 1e18)));
    live.handle(finding('b', 'medium', event('net.connect', 200, 1e18 + 1e9)));
    const records = await live.settled();
    // a alone is no incident; with b it is (two findings about one process), raised to high.
    expect(seen).toEqual(['rule.a', 'rule.b', 'vigil.incident.process-tree']);
    expect(live.incidents()).toHaveLength(1);
    expect(live.incidents()[0]!.severity).toBe('high');
    expect(records.map((r) => r.outcome)).toEqual(['done', 'done', 'done']);
    expect(records[2]!.cause).toMatch(/credential read followed by egress|rules at medium or above agree/);
  });

  it('answers an incident again only when its severity rises', async () => {
    const seen: string[] = [];
    const live = new LiveResponse(responder(plan('low'), seen));
    live.handle(finding('a', 'low', event('file.open', 300, 1e18)));
    live.handle(finding('b', 'low', event('file.open', 300, 1e18 + 1e6)));
    live.handle(finding('c', 'low', event('file.open', 300, 1e18 + 2e6)));
    await live.settled();
    expect(seen.filter((s) => s === 'vigil.incident.process-tree')).toHaveLength(1);
    live.handle(finding('d', 'critical', event('file.open', 300, 1e18 + 3e6)));
    await live.settled();
    expect(seen.filter((s) => s === 'vigil.incident.process-tree')).toHaveLength(2);
  });

  it('findings below the plan severity start nothing; incidents can be left out', async () => {
    const seen: string[] = [];
    const live = new LiveResponse(responder(plan('critical'), seen), { incidents: false });
    live.handle(finding('a', 'high', event('file.open', 400, 1e18)));
    live.handle(finding('b', 'high', event('net.connect', 400, 1e18 + 1e6)));
    expect(await live.settled()).toEqual([]);
    expect(seen).toEqual([]);
    expect(live.incidents()).toEqual([]);
    expect(live.findings().map((f) => f.id)).toEqual(['a', 'b']);
  });

  it('answers what a pipeline consumer reports while the stream runs', async () => {
    const seen: string[] = [];
    const events = [event('file.open', 500, 1e18), event('net.connect', 500, 1e18 + 1e6)];
    const source: EventSource = {
      name: 'test',
      async *[Symbol.asyncIterator]() {
        for (const e of events) yield [e];
      },
      close: async () => undefined,
      [Symbol.asyncDispose]: async () => undefined,
      stats: () => ({ events: events.length, batches: events.length, drops: {} }),
    };
    const vigil = new Vigil({
      source,
      consumers: [
        {
          name: 'every-event',
          onBatch: (batch, ctx) => {
            for (const e of batch) ctx.report(finding(`f${e.ts}`, 'high', e, `rule.${e.kind}`));
          },
        },
      ],
    });
    const live = new LiveResponse(responder(plan('high'), seen)).attach(vigil);
    await vigil.run();
    await live.settled();
    expect(seen).toEqual(['rule.file.open', 'rule.net.connect', 'vigil.incident.process-tree']);
  });
});
