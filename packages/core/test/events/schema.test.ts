import { describe, expect, it } from 'vitest';
import {
  EVENT_KINDS,
  EventSchema,
  EventSchemas,
  FindingSchema,
  formatPath,
  fromZodError,
  isVigilError,
  severityRank,
  VigilError,
} from '../../src/index.js';
import * as zodSchemas from '../../src/schemas/zod.js';

const envelope = {
  ts: 1_764_000_000_000_000_000,
  workload: { id: 'host', kind: 'host' },
  pid: 1,
  ppid: 0,
  comm: 'x',
  exe: '/x',
  source: 'synthetic',
};

describe('event schema', () => {
  it('has every kind DESIGN.md names', () => {
    for (const k of [
      'process.exec',
      'process.exit',
      'file.open',
      'net.connect',
      'net.accept',
      'dns.query',
      'priv.change',
      'ns.change',
      'ptrace',
      'module.load',
      'bpf.load',
      'memfd.create',
      'tool.call',
      'model.call',
      'retrieval',
      'k8s.api',
      'cloud.api',
    ]) {
      expect(EVENT_KINDS).toContain(k);
      expect(EventSchemas[k as keyof typeof EventSchemas]).toBeDefined();
    }
  });

  it('lists EVENT_KINDS and EventSchemas in the order and with the schemas of the union', () => {
    const options = zodSchemas.EventSchema.options;
    expect(EVENT_KINDS).toEqual(options.map((o) => o.shape.kind.value));
    for (const [i, kind] of EVENT_KINDS.entries()) expect(EventSchemas[kind]).toBe(options[i]);
  });

  it('accepts a valid event and fills workload labels', () => {
    const ev = EventSchema.parse({
      ...envelope,
      kind: 'net.connect',
      family: 'inet',
      protocol: 'tcp',
      daddr: '1.2.3.4',
      dport: 443,
      result: 0,
    });
    expect(ev.workload.labels).toEqual({});
  });

  const bad: [string, Record<string, unknown>, string][] = [
    ['unknown kind', { ...envelope, kind: 'file.delete' }, 'kind'],
    [
      'port out of range',
      {
        ...envelope,
        kind: 'net.connect',
        family: 'inet',
        protocol: 'tcp',
        daddr: 'a',
        dport: 70000,
        result: 0,
      },
      'dport',
    ],
    ['negative pid', { ...envelope, pid: -1, kind: 'process.exit', exitCode: 0 }, 'pid'],
    ['missing path', { ...envelope, kind: 'file.open', flags: 0, access: 'read', result: 0 }, 'path'],
    [
      'bad access',
      { ...envelope, kind: 'file.open', path: '/x', flags: 0, access: 'delete', result: 0 },
      'access',
    ],
    [
      'empty workload id',
      { ...envelope, workload: { id: '', kind: 'host' }, kind: 'process.exit', exitCode: 0 },
      'workload.id',
    ],
    [
      'non-numeric cgroup id',
      { ...envelope, cgroupId: 'abc', kind: 'process.exit', exitCode: 0 },
      'cgroupId',
    ],
  ];
  it.each(bad)('rejects %s, naming the path', (_n, raw, path) => {
    const r = EventSchema.safeParse(raw);
    expect(r.success).toBe(false);
    if (!r.success) {
      const err = fromZodError(r.error, 'event', { file: 'x.json' });
      expect(err.code).toBe('SCHEMA_INVALID');
      expect(err.message).toContain('x.json');
      expect(err.issues.map((i) => formatPath(i.path)).join(' ')).toContain(path);
    }
  });
});

describe('findings', () => {
  it('validates taxonomy ids', () => {
    const f = {
      id: 'f',
      ruleId: 'r',
      title: 't',
      severity: 'high',
      category: 'detection',
      workload: { id: 'host', kind: 'host' },
      ts: 0,
      summary: 's',
      evidence: [],
      tags: { owaspLlm: ['LLM06'], owaspAgentic: ['ASI02'], atlas: ['AML.T0051.000'], attack: ['T1059.004'] },
      compliance: [{ framework: 'nist-ai-rmf', control: 'MEASURE 2.7' }],
      risk: { score: 80, reasons: ['x'] },
    };
    expect(FindingSchema.safeParse(f).success).toBe(true);
    expect(FindingSchema.safeParse({ ...f, tags: { owaspLlm: ['LLM11'] } }).success).toBe(false);
    expect(FindingSchema.safeParse({ ...f, tags: { atlas: ['T0051'] } }).success).toBe(false);
    expect(FindingSchema.safeParse({ ...f, risk: { score: 101, reasons: [] } }).success).toBe(false);
  });

  it('orders severities', () => {
    expect(severityRank('critical')).toBeGreaterThan(severityRank('high'));
    expect(severityRank('info')).toBe(0);
  });
});

describe('VigilError', () => {
  it('carries code, location and cause, and formats the place', () => {
    const cause = new Error('inner');
    const e = new VigilError('CAPTURE_TRUNCATED', 'record cut short', {
      cause,
      location: { file: 'a.vcap', offset: 42 },
    });
    expect(e.message).toBe('a.vcap, byte offset 42: record cut short');
    expect(e.cause).toBe(cause);
    expect(isVigilError(e, 'CAPTURE_TRUNCATED')).toBe(true);
    expect(isVigilError(e, 'IO')).toBe(false);
    expect(isVigilError(cause)).toBe(false);
    expect(
      new VigilError('PARSE', 'bad', { location: { file: 'r.yaml', line: 3, column: 7, path: ['spec', 0] } })
        .message,
    ).toBe('r.yaml, line 3:7, at spec[0]: bad');
  });
});
