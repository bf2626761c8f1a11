import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CloudTrailScanner,
  CloudTrailSource,
  type EventSource,
  isVigilError,
  KubernetesAuditSource,
  type VigilError,
  type VigilEvent,
} from '../../src/index.js';
import { auditLine } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-ingest-'));
let n = 0;
const file = (content: string | Buffer, name = `f${++n}`) => {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
};

async function drain(source: EventSource): Promise<VigilEvent[]> {
  const out: VigilEvent[] = [];
  for await (const b of source) out.push(...b);
  return out;
}
async function failure(source: EventSource): Promise<VigilError> {
  try {
    await drain(source);
  } catch (err) {
    if (isVigilError(err)) return err;
    throw err;
  }
  throw new Error('expected an error');
}

const record = (i: number, extra: Record<string, unknown> = {}) => ({
  eventVersion: '1.09',
  eventTime: `2025-11-24T16:00:${String(i % 60).padStart(2, '0')}Z`,
  eventSource: 's3.amazonaws.com',
  eventName: i % 2 === 0 ? 'GetObject' : 'PutObject',
  awsRegion: 'eu-west-1',
  userIdentity: {
    type: 'AssumedRole',
    arn: 'arn:aws:sts::123456789012:assumed-role/agent/s',
    accountId: '123456789012',
  },
  resources: [{ ARN: `arn:aws:s3:::bucket/k${i}`, type: 'AWS::S3::Object' }],
  requestParameters: { bucketName: 'bucket', key: `k${i} with "quotes" and {braces} [brackets]` },
  ...extra,
});

describe('Kubernetes audit logs', () => {
  it('streams ResponseComplete events as k8s.api, with non-resource URLs, impersonation and EventList lines', async () => {
    const lines = [
      auditLine('get', 'secrets', { name: 's', code: 403 }),
      auditLine('get', 'secrets', { stage: 'RequestReceived' }),
      JSON.stringify({
        apiVersion: 'audit.k8s.io/v1',
        kind: 'Event',
        stage: 'ResponseComplete',
        requestURI: '/healthz?verbose=1',
        verb: 'get',
        user: { username: 'admin' },
        impersonatedUser: { username: 'system:serviceaccount:ai:agent' },
        stageTimestamp: '2025-11-24T16:00:00.123456789Z',
      }),
      JSON.stringify({
        kind: 'EventList',
        apiVersion: 'audit.k8s.io/v1',
        items: [JSON.parse(auditLine('list', 'pods'))],
      }),
      '',
    ];
    const src = new KubernetesAuditSource(file(gzipSync(lines.join('\n'))));
    const events = await drain(src);
    expect(
      events.map((e) =>
        e.kind === 'k8s.api'
          ? `${e.user} ${e.verb} ${e.nonResourceUrl ?? e.resource} ${e.responseCode ?? ''}`
          : '',
      ),
    ).toEqual([
      'system:serviceaccount:ai:agent get secrets 403',
      'system:serviceaccount:ai:agent get /healthz ',
      'system:serviceaccount:ai:agent list pods 200',
    ]);
    expect(events[1]!.ts).toBe(Date.parse('2025-11-24T16:00:00Z') * 1e6 + 123456789);
    expect(src.skippedStages).toBe(1);
    expect(src.stats().events).toBe(3);
  });

  const bad: [string, string, RegExp, number][] = [
    ['not JSON', `${auditLine('get', 'pods')}\n{"kind": "Event", oops\n`, /line 2: not JSON/, 2],
    [
      'wrong apiVersion',
      `${JSON.stringify({ ...JSON.parse(auditLine('get', 'pods')), apiVersion: 'audit.k8s.io/v1beta1' })}\n`,
      /line 1: invalid Kubernetes audit event: apiVersion/,
      1,
    ],
    [
      'missing verb',
      `${JSON.stringify({ ...JSON.parse(auditLine('get', 'pods')), verb: undefined })}\n`,
      /verb/,
      1,
    ],
  ];
  for (const [name, text, msg, line] of bad)
    it(`${name}: error names file and line`, async () => {
      const p = file(text);
      const err = await failure(new KubernetesAuditSource(p));
      expect(err.message.startsWith(p)).toBe(true);
      expect(err.message).toMatch(msg);
      expect(err.location?.line).toBe(line);
    });

  it('onInvalid: skip counts bad lines and goes on', async () => {
    const src = new KubernetesAuditSource(file(`garbage\n${auditLine('get', 'pods')}\n[1,2]\n`), {
      onInvalid: 'skip',
    });
    expect(await drain(src)).toHaveLength(1);
    expect(src.stats().drops).toEqual({ 'invalid-json': 1, 'invalid-shape': 1 });
  });

  it('a line longer than the limit is refused without reading it all', async () => {
    const err = await failure(new KubernetesAuditSource(file('x'.repeat(300_000)), { maxLineBytes: 65_536 }));
    expect(err.code).toBe('INPUT_INVALID');
    expect(err.message).toMatch(/line 1: line longer than 65536 bytes/);
  });
});

describe('CloudTrail', () => {
  it('reads delivered {"Records": [...]} files, gzipped, as cloud.api events', async () => {
    const text = JSON.stringify({ Records: Array.from({ length: 2500 }, (_, i) => record(i)) });
    const events = await drain(new CloudTrailSource(file(gzipSync(text))));
    expect(events).toHaveLength(2500);
    const e = events[0]!;
    expect(e.kind === 'cloud.api' && [e.service, e.action, e.principal, e.resources[0]]).toEqual([
      's3.amazonaws.com',
      'GetObject',
      'arn:aws:sts::123456789012:assumed-role/agent/s',
      'arn:aws:s3:::bucket/k0',
    ]);
  });

  it('reads JSON lines and top-level arrays; derives S3 ARNs from request parameters', async () => {
    const r = record(1, { resources: undefined, errorCode: 'AccessDenied' });
    const lines = await drain(
      new CloudTrailSource(file(`${JSON.stringify(r)}\n${JSON.stringify(record(2))}\n`)),
    );
    expect(lines).toHaveLength(2);
    expect(lines[0]!.kind === 'cloud.api' && [lines[0]!.resources, lines[0]!.errorCode]).toEqual([
      ['arn:aws:s3:::bucket/k1 with "quotes" and {braces} [brackets]'],
      'AccessDenied',
    ]);
    expect(
      await drain(new CloudTrailSource(file(JSON.stringify([record(1), record(2), record(3)])))),
    ).toHaveLength(3);
  });

  const bad: [string, string, RegExp][] = [
    [
      'truncated',
      JSON.stringify({ Records: [record(1), record(2)] }).slice(0, -40),
      /input ends inside a JSON value \(truncated file\?\)/,
    ],
    ['garbage', 'hello', /line 1: expected a JSON object or array, found "h"/],
    [
      'a record without eventName',
      JSON.stringify({ Records: [{ ...record(1), eventName: undefined }] }),
      /invalid CloudTrail record: eventName/,
    ],
    ['unbalanced', '{"Records": []}}', /unexpected "}"/],
  ];
  for (const [name, text, msg] of bad)
    it(`${name}: error names the file`, async () => {
      const p = file(text);
      const err = await failure(new CloudTrailSource(p));
      expect(err.message.startsWith(p)).toBe(true);
      expect(err.message).toMatch(msg);
    });

  it('a record over the size limit is refused', async () => {
    const big = record(1, { requestParameters: { blob: 'x'.repeat(200_000) } });
    const err = await failure(
      new CloudTrailSource(file(JSON.stringify({ Records: [big] })), { maxRecordBytes: 100_000 }),
    );
    expect(err.message).toMatch(/a record is larger than 100000 bytes/);
  });

  it('property: the scanner finds the same records whatever the chunk boundaries', () => {
    const arbRecord = fc.record({
      eventTime: fc.constant('2025-11-24T16:00:00Z'),
      eventSource: fc.constantFrom('s3.amazonaws.com', 'sts.amazonaws.com'),
      eventName: fc.string({ minLength: 1, maxLength: 8 }),
      userIdentity: fc.record({ arn: fc.string() }),
      requestParameters: fc.jsonValue({ maxDepth: 3 }),
    });
    fc.assert(
      fc.property(
        fc.array(arbRecord, { maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        fc.constantFrom('records', 'lines', 'array'),
        (records, cuts, shape) => {
          const text =
            shape === 'records'
              ? JSON.stringify({ Records: records, extra: { Records: 'not this' } }, null, 1)
              : shape === 'lines'
                ? records.map((r) => JSON.stringify(r)).join('\n')
                : JSON.stringify(records);
          const points = [...new Set(cuts.map((c) => (text.length === 0 ? 0 : c % text.length)))].sort(
            (a, b) => a - b,
          );
          const s = new CloudTrailScanner('t.json', 1 << 20);
          const found: unknown[] = [];
          let last = 0;
          for (const p of [...points, text.length]) {
            for (const r of s.feed(text.slice(last, p))) found.push(JSON.parse(r.text));
            last = p;
          }
          if (text.trim() === '') {
            // Nothing at all is not an empty trail: it is refused.
            expect(() => s.end()).toThrow(/no CloudTrail records/);
            return;
          }
          s.end();
          expect(found).toEqual(JSON.parse(JSON.stringify(records)));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('hostile log input', () => {
  it('property: arbitrary bytes in an audit log or a CloudTrail file give events or a VigilError naming the file', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 400 }),
          fc
            .array(fc.jsonValue({ maxDepth: 3 }), { maxLength: 5 })
            .map((vs) => vs.map((v) => JSON.stringify(v)).join('\n')),
          fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify({ Records: [v] })),
        ),
        async (text) => {
          const p = file(text);
          for (const source of [new KubernetesAuditSource(p), new CloudTrailSource(p)]) {
            try {
              await drain(source);
            } catch (err) {
              expect(isVigilError(err)).toBe(true);
              expect((err as Error).message.startsWith(p)).toBe(true);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
