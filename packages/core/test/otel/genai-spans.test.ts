import { once } from 'node:events';
import { createWriteStream, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  eventsFromOtlp,
  isVigilError,
  OtelSpanSource,
  OtlpTraceExportSchema,
  type VigilError,
  type VigilEvent,
} from '@vigil/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'vigil-otel-'));
const s = (key: string, stringValue: string) => ({ key, value: { stringValue } });
const i = (key: string, intValue: number) => ({ key, value: { intValue: String(intValue) } });

function exportOf(
  spans: unknown[],
  resource = [s('service.name', 'lab-agent'), i('process.pid', 4242), s('process.executable.name', 'node')],
) {
  return {
    resourceSpans: [
      { resource: { attributes: resource }, scopeSpans: [{ scope: { name: 'vigil-lab' }, spans }] },
    ],
  };
}

const T0 = '1800000000000000000';
const SPANS = [
  {
    traceId: 't1',
    spanId: 'a1',
    name: 'invoke_agent File assistant',
    startTimeUnixNano: T0,
    endTimeUnixNano: '1800000000900000000',
    attributes: [s('gen_ai.operation.name', 'invoke_agent'), s('gen_ai.agent.name', 'File assistant')],
  },
  {
    traceId: 't1',
    spanId: 'c1',
    parentSpanId: 'a1',
    name: 'chat gpt-4o-mini',
    startTimeUnixNano: '1800000000100000000',
    endTimeUnixNano: '1800000000200000000',
    attributes: [
      s('gen_ai.operation.name', 'chat'),
      s('gen_ai.provider.name', 'openai'),
      s('gen_ai.request.model', 'gpt-4o-mini'),
      s('server.address', '127.0.0.1'),
      i('server.port', 43123),
      i('gen_ai.usage.input_tokens', 120),
      i('gen_ai.usage.output_tokens', 30),
    ],
  },
  {
    traceId: 't1',
    spanId: 'x1',
    parentSpanId: 'c1',
    name: 'execute_tool read_text_file',
    startTimeUnixNano: '1800000000300000000',
    endTimeUnixNano: '1800000000350000000',
    attributes: [
      s('gen_ai.operation.name', 'execute_tool'),
      s('gen_ai.tool.name', 'read_text_file'),
      s('mcp.method.name', 'tools/call'),
      s('mcp.server.name', 'filesystem'),
      s('network.transport', 'pipe'),
      s('gen_ai.tool.call.arguments', '{"path":"/srv/data/secret.txt"}'),
    ],
    status: { code: 2 },
  },
  {
    traceId: 't1',
    spanId: 'r1',
    parentSpanId: 'a1',
    name: 'retrieve docs',
    startTimeUnixNano: '1800000000400000000',
    attributes: [
      s('gen_ai.operation.name', 'retrieval'),
      s('gen_ai.data_source.id', 'kb-handbook'),
      s('db.system.name', 'qdrant'),
    ],
  },
  {
    traceId: 't1',
    spanId: 'q1',
    parentSpanId: 'a1',
    name: 'qdrant search',
    startTimeUnixNano: '1800000000500000000',
    attributes: [s('db.system.name', 'qdrant'), s('db.collection.name', 'tickets')],
  },
  {
    traceId: 't1',
    spanId: 'h1',
    parentSpanId: 'a1',
    name: 'GET',
    startTimeUnixNano: '1800000000600000000',
    attributes: [s('http.request.method', 'GET')],
  },
  {
    traceId: 't1',
    spanId: 'o1',
    name: 'chat',
    startTimeUnixNano: 1800000000700000000,
    attributes: [
      s('gen_ai.operation.name', 'chat'),
      s('gen_ai.system', 'anthropic'),
      s('gen_ai.response.model', 'claude-sonnet-4'),
      i('gen_ai.usage.prompt_tokens', 7),
    ],
  },
];

describe('eventsFromOtlp', () => {
  const stats = { spans: 0, converted: 0, ignored: 0 };
  const events = eventsFromOtlp(OtlpTraceExportSchema.parse(exportOf(SPANS)), stats);
  const of = <K extends VigilEvent['kind']>(k: K) =>
    events.filter((e): e is Extract<VigilEvent, { kind: K }> => e.kind === k);

  it('turns chat spans into model.call with provider, model, endpoint, tokens and the agent from an ancestor', () => {
    expect(of('model.call')[0]).toMatchObject({
      provider: 'openai',
      model: 'gpt-4o-mini',
      operation: 'chat',
      endpoint: 'http://127.0.0.1:43123',
      inputTokens: 120,
      outputTokens: 30,
      agent: 'File assistant',
      pid: 4242,
      comm: 'node',
      source: 'otel',
      ts: 1.8000000001e18,
    });
    expect(of('model.call')[0]?.workload).toMatchObject({ id: 'otel:lab-agent', kind: 'external' });
  });

  it('reads the older gen_ai.system and response model when the newer attributes are missing', () => {
    expect(of('model.call')[1]).toMatchObject({
      provider: 'anthropic',
      model: 'claude-sonnet-4',
      inputTokens: 7,
    });
    expect(of('model.call')[1]?.agent).toBeUndefined();
  });

  it('turns MCP tool spans into tool.call with server, transport, status, duration and argument names only', () => {
    const t = of('tool.call')[0];
    expect(t).toMatchObject({
      server: 'filesystem',
      tool: 'read_text_file',
      transport: 'stdio',
      status: 'error',
      argumentNames: ['path'],
      agent: 'File assistant',
    });
    expect(t?.durationMs).toBeCloseTo(50);
    expect(JSON.stringify(events)).not.toContain('secret.txt');
  });

  it('turns data-source and vector-database spans into retrieval, and counts the rest as ignored', () => {
    expect(of('retrieval').map((r) => [r.dataSource, r.store])).toEqual([
      ['kb-handbook', 'qdrant'],
      ['tickets', 'qdrant'],
    ]);
    expect(stats).toEqual({ spans: 7, converted: 5, ignored: 2 });
  });

  it('takes Kubernetes identity from the resource, in the same id form as cgroup paths', () => {
    const ev = eventsFromOtlp(
      OtlpTraceExportSchema.parse(
        exportOf(
          [SPANS[1]],
          [
            s('k8s.pod.uid', '0a1b2c3d-4e5f-6789-abcd-ef0123456789'),
            s('container.id', 'f'.repeat(64)),
            s('k8s.namespace.name', 'ai'),
            s('k8s.pod.name', 'agent-0'),
          ],
        ),
      ),
    );
    expect(ev[0]?.workload).toMatchObject({
      id: 'k8s:0a1b2c3d-4e5f-6789-abcd-ef0123456789/ffffffffffff',
      kind: 'kubernetes-pod',
      namespace: 'ai',
      pod: 'agent-0',
    });
  });
});

describe('OtelSpanSource', () => {
  it('reads one export per file, and JSON Lines one export per line', async () => {
    const json = join(dir, 'spans.json');
    writeFileSync(json, JSON.stringify(exportOf(SPANS)));
    const jsonl = join(dir, 'spans.jsonl');
    writeFileSync(
      jsonl,
      `${JSON.stringify(exportOf(SPANS.slice(0, 2)))}\n\n${JSON.stringify(exportOf(SPANS.slice(2, 3)))}\n`,
    );
    const source = new OtelSpanSource([json, jsonl]);
    const kinds: string[] = [];
    for await (const batch of source) for (const e of batch) kinds.push(e.kind);
    expect(kinds).toEqual([
      'model.call',
      'tool.call',
      'retrieval',
      'retrieval',
      'model.call',
      'model.call',
      'tool.call',
    ]);
    expect(source.stats().events).toBe(7);
    expect(source.spanStats()).toEqual({ spans: 10, converted: 7, ignored: 3 });
  });

  async function failure(name: string, content: string): Promise<VigilError> {
    const p = join(dir, name);
    writeFileSync(p, content);
    try {
      for await (const _ of new OtelSpanSource([p])) {
        // drain
      }
    } catch (e) {
      if (isVigilError(e)) return e;
      throw e;
    }
    throw new Error('expected an error');
  }

  it('names the file, line and path of malformed exports', async () => {
    const e1 = await failure(
      'bad.json',
      JSON.stringify({
        resourceSpans: [{ scopeSpans: [{ spans: [{ name: 'x', startTimeUnixNano: 'soon' }] }] }],
      }),
    );
    expect(e1.code).toBe('INPUT_INVALID');
    expect(e1.message).toContain('resourceSpans[0].scopeSpans[0].spans[0].startTimeUnixNano');
    const e2 = await failure('bad.jsonl', `${JSON.stringify(exportOf([]))}\n{"resourceSpans": [}\n`);
    expect(e2.code).toBe('PARSE');
    expect(e2.message).toMatch(/bad\.jsonl:2, line 1:\d+: OTLP\/JSON line is not valid JSON/);
    const e3 = await failure('notspans.json', '{"hello": "world"}');
    expect(e3.message).toMatch(/resourceSpans/);
  });

  it('streams a large JSON Lines file one export at a time, and refuses an over-large single document', async () => {
    const p = join(dir, 'big.jsonl');
    const out = createWriteStream(p);
    const line = `${JSON.stringify(exportOf(SPANS))}\n`;
    for (let k = 0; k < 20_000; k++) if (!out.write(line)) await once(out, 'drain');
    out.end();
    await once(out, 'finish');
    const source = new OtelSpanSource([p]);
    let events = 0;
    for await (const batch of source) events += batch.length;
    expect(events).toBe(20_000 * 5);
    expect(source.spanStats().spans).toBe(20_000 * 7);

    const big = join(dir, 'big.json');
    writeFileSync(big, JSON.stringify(exportOf(Array.from({ length: 2000 }, () => SPANS[1]))));
    const e = await (async () => {
      try {
        for await (const _ of new OtelSpanSource([big], { maxJsonBytes: 10_000 })) {
          // drain
        }
      } catch (err) {
        return err as VigilError;
      }
      throw new Error('expected an error');
    })();
    expect(e.message).toMatch(/big\.json: .*over the 10000-byte limit/);
  }, 120_000);

  it('on arbitrary JSON values, converts or fails with a VigilError, never anything else', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 6 }), async (value) => {
        const doc =
          typeof value === 'object' && value !== null && !Array.isArray(value)
            ? { resourceSpans: [{ scopeSpans: [{ spans: [value] }] }] }
            : value;
        const p = join(dir, 'prop.json');
        writeFileSync(p, JSON.stringify(doc));
        try {
          for await (const _ of new OtelSpanSource([p])) {
            // drain
          }
        } catch (e) {
          expect(isVigilError(e)).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('on arbitrary attribute values in well-formed spans, always produces schema-valid events', async () => {
    const { EventSchema } = await import('@vigil/core');
    const attr = fc.record({
      key: fc.constantFrom(
        'gen_ai.operation.name',
        'gen_ai.provider.name',
        'gen_ai.request.model',
        'server.address',
        'server.port',
        'gen_ai.tool.name',
        'mcp.method.name',
        'gen_ai.data_source.id',
        'db.system.name',
        'db.collection.name',
        'gen_ai.usage.input_tokens',
        'gen_ai.tool.call.arguments',
      ),
      value: fc.oneof(
        fc.record({
          stringValue: fc.oneof(
            fc.constantFrom('chat', 'execute_tool', 'tools/call', 'retrieval', 'qdrant', '{"a":1}'),
            fc.string(),
          ),
        }),
        fc.record({ intValue: fc.integer().map(String) }),
        fc.record({
          doubleValue: fc.oneof(
            fc.double({ noDefaultInfinity: true, noNaN: true }),
            fc.constantFrom('Infinity', 'NaN'),
          ),
        }),
        fc.record({ boolValue: fc.boolean() }),
      ),
    });
    // A counterexample fast-check found: token counts beyond 2^53 are dropped, not reported wrong.
    const huge = exportOf([
      {
        spanId: 's',
        name: 'chat',
        startTimeUnixNano: String(1e18),
        attributes: [
          { key: 'gen_ai.usage.input_tokens', value: { doubleValue: 2 ** 53 } },
          { key: 'gen_ai.operation.name', value: { stringValue: 'chat' } },
        ],
      },
    ]);
    for (const e of eventsFromOtlp(OtlpTraceExportSchema.parse(huge)))
      expect(EventSchema.safeParse(e).success).toBe(true);
    fc.assert(
      fc.property(fc.array(fc.array(attr, { maxLength: 8 }), { maxLength: 10 }), (attrSets) => {
        const spans = attrSets.map((attributes, k) => ({
          spanId: `s${k}`,
          name: `n${k}`,
          startTimeUnixNano: String(1e18 + k),
          attributes,
        }));
        for (const e of eventsFromOtlp(OtlpTraceExportSchema.parse(exportOf(spans))))
          expect(EventSchema.safeParse(e).success).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
