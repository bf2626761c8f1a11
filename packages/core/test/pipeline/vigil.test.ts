import { describe, expect, it } from 'vitest';
import {
  type Consumer,
  DnsEnricher,
  type Finding,
  MemorySource,
  ProcessTreeEnricher,
  Vigil,
  type VigilError,
  type VigilEvent,
} from '../../src/index.js';
import { agentWorkload, sampleEvents } from '../helpers/events.js';

const finding = (ev: VigilEvent): Finding => ({
  id: `f-${ev.ts}`,
  ruleId: 'test.exec',
  title: 'exec seen',
  severity: 'low',
  category: 'detection',
  workload: ev.workload,
  ts: ev.ts,
  summary: 'an exec',
  evidence: [{ type: 'event', description: 'the exec', event: ev }],
  tags: { owaspLlm: [], owaspAgentic: [], atlas: [], attack: [] },
  compliance: [],
  risk: { score: 10, reasons: [] },
});

describe('Vigil facade', () => {
  it('feeds every batch to every consumer in order and counts', async () => {
    const seen: number[] = [];
    const c: Consumer = { name: 'c', onBatch: (b) => void seen.push(...b.map((e) => e.ts)) };
    const events = sampleEvents(2500);
    // Batch mechanics alone: the attribution stage would hold this agent workload's events to order them.
    const vigil = new Vigil({
      source: new MemorySource(events, { batchSize: 1000 }),
      consumers: [c],
      attribution: false,
    });
    let batches = 0;
    vigil.on('batch', () => batches++);
    const summary = await vigil.run();
    expect(summary.events).toBe(2500);
    expect(summary.batches).toBe(3);
    expect(batches).toBe(3);
    expect(seen).toEqual(events.map((e) => e.ts));
  });

  it('emits findings reported by consumers', async () => {
    const c: Consumer = {
      name: 'execs',
      onBatch(b, ctx) {
        for (const e of b) if (e.kind === 'process.exec') ctx.report(finding(e));
      },
    };
    const vigil = new Vigil({ source: new MemorySource(sampleEvents(60)), consumers: [c] });
    const got: Finding[] = [];
    vigil.on('finding', (f) => got.push(f));
    const summary = await vigil.run();
    expect(got).toHaveLength(10);
    expect(summary.findings).toBe(10);
  });

  it('isolates a consumer that throws: the stream and other consumers go on', async () => {
    let good = 0;
    const bad: Consumer = {
      name: 'bad',
      onBatch() {
        throw new Error('boom');
      },
    };
    const badAsync: Consumer = { name: 'bad-async', onBatch: async () => Promise.reject(new Error('later')) };
    const ok: Consumer = {
      name: 'ok',
      onBatch: (b) => {
        good += b.length;
      },
    };
    const vigil = new Vigil({
      source: new MemorySource(sampleEvents(30), { batchSize: 10 }),
      consumers: [bad, badAsync, ok],
      attribution: false,
    });
    const errors: VigilError[] = [];
    vigil.on('error', (e) => errors.push(e));
    const summary = await vigil.run();
    expect(good).toBe(30);
    expect(summary.errors).toBe(6);
    expect(errors[0]?.code).toBe('INTERNAL');
    expect(errors[0]?.message).toContain('consumer bad failed: boom');
    expect(errors[1]?.message).toContain('consumer bad-async failed: later');
  });

  it('stops when the signal aborts and closes the source', async () => {
    async function* endless(): AsyncGenerator<VigilEvent> {
      let i = 0;
      for (;;) {
        yield sampleEvents(1)[0]!;
        if (++i % 100 === 0) await new Promise((r) => setImmediate(r));
      }
    }
    const ac = new AbortController();
    const source = new MemorySource(endless(), { batchSize: 100 });
    const vigil = new Vigil({ source });
    vigil.on('batch', () => {
      if (vigil.source.stats().batches >= 3) ac.abort();
    });
    const summary = await vigil.run({ signal: ac.signal });
    expect(summary.batches).toBeGreaterThanOrEqual(3);
    expect(summary.batches).toBeLessThan(10);
  });

  it('refuses a second run', async () => {
    const vigil = new Vigil({ source: new MemorySource([]) });
    await vigil.run();
    await expect(vigil.run()).rejects.toMatchObject({ code: 'USAGE' });
  });
});

describe('enrichers', () => {
  const envelope = {
    workload: agentWorkload,
    pid: 10,
    ppid: 0,
    comm: 'agent',
    exe: '',
    source: 'synthetic' as const,
  };

  it('DnsEnricher names connections by the DNS answer they came from', () => {
    const d = new DnsEnricher();
    const batch: VigilEvent[] = [
      { ...envelope, ts: 1, kind: 'dns.query', name: 'api.openai.com', qtype: 'A', answers: ['10.1.2.3'] },
      {
        ...envelope,
        ts: 2,
        kind: 'net.connect',
        family: 'inet',
        protocol: 'tcp',
        daddr: '10.1.2.3',
        dport: 443,
        result: 0,
      },
      {
        ...envelope,
        ts: 3,
        kind: 'net.connect',
        family: 'inet',
        protocol: 'tcp',
        daddr: '10.9.9.9',
        dport: 443,
        result: 0,
      },
    ];
    d.enrich(batch);
    expect((batch[1] as { dnsName?: string }).dnsName).toBe('api.openai.com');
    expect((batch[2] as { dnsName?: string }).dnsName).toBeUndefined();
  });

  it('DnsEnricher keeps memory bounded', () => {
    const d = new DnsEnricher({ maxEntriesPerWorkload: 10 });
    const batch: VigilEvent[] = Array.from({ length: 100 }, (_, i) => ({
      ...envelope,
      ts: i,
      kind: 'dns.query' as const,
      name: `h${i}.example`,
      qtype: 'A',
      answers: [`10.0.0.${i}`],
    }));
    d.enrich(batch);
    expect(d.lookup(agentWorkload.id, '10.0.0.99')).toBe('h99.example');
    expect(d.lookup(agentWorkload.id, '10.0.0.0')).toBeUndefined();
  });

  it('ProcessTreeEnricher fills exe and ppid and answers ancestry', () => {
    const t = new ProcessTreeEnricher();
    const batch: VigilEvent[] = [
      {
        ...envelope,
        ts: 1,
        pid: 10,
        ppid: 1,
        kind: 'process.exec',
        filename: '/usr/bin/node',
        argv: ['node', 'agent.js'],
      },
      { ...envelope, ts: 2, pid: 10, kind: 'process.fork', childPid: 11 },
      {
        ...envelope,
        ts: 3,
        pid: 11,
        ppid: 10,
        kind: 'process.exec',
        filename: '/bin/sh',
        argv: ['sh', '-c', 'id'],
      },
      {
        ...envelope,
        ts: 4,
        pid: 11,
        kind: 'file.open',
        path: '/etc/passwd',
        flags: 0,
        access: 'read',
        result: 3,
      },
    ];
    t.enrich(batch);
    expect(batch[3]!.exe).toBe('/bin/sh');
    expect(batch[3]!.ppid).toBe(10);
    expect(t.ancestors(11).map((p) => p.exe)).toEqual(['/usr/bin/node']);
  });
});
