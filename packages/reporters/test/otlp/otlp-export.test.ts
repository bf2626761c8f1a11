import { createServer, type Server } from 'node:http';
import { eventsFromOtlp, type Finding, type OtlpTraceExport, VigilError, type VigilEvent } from '@vigil/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { OtlpHttpExporter, toOtlpTraces } from '../../src/index.js';

// The OTLP/JSON encoding (opentelemetry-proto, JSON mapping): 64-bit integers as decimal strings,
// trace and span ids as lowercase hex, enums as integers, attributes as KeyValue lists.
const AnyValue: z.ZodType = z.lazy(() =>
  z.union([
    z.strictObject({ stringValue: z.string() }),
    z.strictObject({ boolValue: z.boolean() }),
    z.strictObject({ intValue: z.string().regex(/^-?\d+$/) }),
    z.strictObject({ doubleValue: z.number() }),
    z.strictObject({ arrayValue: z.strictObject({ values: z.array(AnyValue) }) }),
  ]),
);
const KeyValues = z.array(z.strictObject({ key: z.string().min(1), value: AnyValue }));
const Nanos = z.string().regex(/^\d{19}$/);
const Scope = z.strictObject({ name: z.string().min(1), version: z.string().optional() });
const LogsRequest = z.strictObject({
  resourceLogs: z.array(
    z.strictObject({
      resource: z.strictObject({ attributes: KeyValues }),
      scopeLogs: z.array(
        z.strictObject({
          scope: Scope,
          logRecords: z.array(
            z.strictObject({
              timeUnixNano: Nanos,
              observedTimeUnixNano: Nanos,
              severityNumber: z.number().int().min(1).max(24),
              severityText: z.string(),
              body: AnyValue,
              eventName: z.string().optional(),
              attributes: KeyValues,
            }),
          ),
        }),
      ),
    }),
  ),
});
const TracesRequest = z.strictObject({
  resourceSpans: z.array(
    z.strictObject({
      resource: z.strictObject({ attributes: KeyValues }),
      scopeSpans: z.array(
        z.strictObject({
          scope: Scope,
          spans: z.array(
            z
              .strictObject({
                traceId: z.string().regex(/^(?!0{32})[0-9a-f]{32}$/),
                spanId: z.string().regex(/^(?!0{16})[0-9a-f]{16}$/),
                parentSpanId: z
                  .string()
                  .regex(/^[0-9a-f]{16}$/)
                  .optional(),
                name: z.string().min(1),
                kind: z.number().int().min(0).max(5),
                startTimeUnixNano: Nanos,
                endTimeUnixNano: Nanos,
                attributes: KeyValues,
                status: z
                  .strictObject({ code: z.number().int().min(0).max(2), message: z.string().optional() })
                  .optional(),
              })
              .refine(
                (s) => BigInt(s.startTimeUnixNano) <= BigInt(s.endTimeUnixNano),
                'span ends before it starts',
              ),
          ),
        }),
      ),
    }),
  ),
});

interface Received {
  path: string;
  contentType: string | undefined;
  body: unknown;
}

let server: Server;
let base = '';
const received: Received[] = [];
let failNext = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (failNext > 0) {
        failNext--;
        res.writeHead(503, { 'content-type': 'application/json' }).end('{"message":"busy"}');
        return;
      }
      received.push({
        path: req.url ?? '',
        contentType: req.headers['content-type'],
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
      });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const workload = {
  id: 'systemd:/agent.service',
  kind: 'systemd-service' as const,
  name: 'agent.service',
  labels: {},
};
const T0 = 1_800_000_000_000_000_000;
const env = (pid: number, ms: number) => ({
  ts: T0 + ms * 1e6,
  workload,
  pid,
  ppid: 1,
  comm: 'node',
  exe: '/usr/bin/node',
  source: 'ebpf' as const,
});
const model: VigilEvent = {
  ...env(100, 0),
  kind: 'model.call',
  provider: 'openai',
  model: 'gpt-4o-mini',
  responseModel: 'gpt-4o-mini-2024-07-18',
  endpoint: '127.0.0.1:8080',
  path: '/v1/chat/completions',
  inputTokens: 120,
  outputTokens: 18,
  finishReason: 'tool_calls',
  toolCalls: [{ id: 'call_1', name: 'run_command', argumentNames: ['command'] }],
  status: 200,
  durationMs: 250,
};
const modelCallId = `model:100:${BigInt(Math.round(T0)).toString()}`;
const localTool: VigilEvent = {
  ...env(100, 250),
  kind: 'tool.call',
  server: 'function',
  tool: 'run_command',
  transport: 'in-process',
  callId: 'call_1',
  argumentNames: ['command'],
  cause: { toolCallId: 'call_1', toolName: 'run_command', modelCallId, model: 'gpt-4o-mini-2024-07-18' },
};
const mcpTool: VigilEvent = {
  ...env(300, 400),
  kind: 'tool.call',
  server: 'secure-filesystem-server',
  tool: 'read_file',
  transport: 'stdio',
  callId: '3',
  status: 'error',
  durationMs: 12.5,
};
const other: VigilEvent = {
  ...env(200, 300),
  kind: 'file.open',
  path: '/etc/passwd',
  flags: 0,
  access: 'read',
  result: 3,
};
const finding = (severity: Finding['severity'], id: string): Finding => ({
  id,
  ruleId: 'vigil.ai.injection-tool-exfiltration',
  title: 'Injected instruction → tool misuse → exfiltration',
  severity,
  category: 'detection',
  workload,
  ts: T0 + 5e8,
  summary: 'after a model response asked for tool function/run_command, the agent read a credential',
  evidence: [],
  tags: { owaspLlm: ['LLM01'], owaspAgentic: ['ASI01'], atlas: [], attack: ['T1041'] },
  compliance: [],
  risk: { score: 91, reasons: [] },
});

describe('OTLP/HTTP export to a collector', () => {
  it('posts findings to /v1/logs and model and tool calls to /v1/traces, in the OTLP JSON encoding', async () => {
    received.length = 0;
    const exporter = new OtlpHttpExporter({ url: base, toolVersion: '0.1.0' });
    const sent = await exporter.export({
      findings: [finding('critical', 'f1'), finding('low', 'f2')],
      events: [model, localTool, other, mcpTool],
    });
    expect(sent).toEqual({ logRecords: 2, spans: 3, rejected: 0 });
    expect(received.map((r) => [r.path, r.contentType])).toEqual([
      ['/v1/logs', 'application/json'],
      ['/v1/traces', 'application/json'],
    ]);
    const logs = LogsRequest.parse(received[0]!.body);
    const records = logs.resourceLogs.flatMap((r) => r.scopeLogs.flatMap((s) => s.logRecords));
    expect(records.map((r) => [r.severityNumber, r.severityText])).toEqual([
      [21, 'FATAL'],
      [10, 'INFO2'],
    ]);
    expect(records[0]!.timeUnixNano).toBe(BigInt(T0 + 5e8).toString());
    expect(records[0]!.attributes).toContainEqual({
      key: 'vigil.rule.id',
      value: { stringValue: 'vigil.ai.injection-tool-exfiltration' },
    });
    expect(records[0]!.attributes).toContainEqual({
      key: 'vigil.tags.owasp_agentic',
      value: { arrayValue: { values: [{ stringValue: 'ASI01' }] } },
    });
    expect(logs.resourceLogs[0]!.resource.attributes).toContainEqual({
      key: 'service.name',
      value: { stringValue: 'agent.service' },
    });

    const traces = TracesRequest.parse(received[1]!.body);
    const spans = traces.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans));
    expect(spans.map((s) => s.name)).toEqual([
      'chat gpt-4o-mini',
      'execute_tool run_command',
      'execute_tool read_file',
    ]);
    const [chat, local, mcp] = spans;
    // The tool call the model asked for is the model call's child, in the same trace.
    expect(local!.parentSpanId).toBe(chat!.spanId);
    expect(new Set(spans.map((s) => s.traceId)).size).toBe(1);
    // Event times are JS numbers of nanoseconds: exact to a few hundred nanoseconds.
    expect(Number(BigInt(chat!.endTimeUnixNano) - BigInt(chat!.startTimeUnixNano))).toBeCloseTo(
      250_000_000,
      -3,
    );
    expect(chat!.attributes).toEqual(
      expect.arrayContaining([
        { key: 'gen_ai.operation.name', value: { stringValue: 'chat' } },
        { key: 'gen_ai.provider.name', value: { stringValue: 'openai' } },
        { key: 'gen_ai.request.model', value: { stringValue: 'gpt-4o-mini' } },
        { key: 'gen_ai.usage.input_tokens', value: { intValue: '120' } },
        {
          key: 'gen_ai.response.finish_reasons',
          value: { arrayValue: { values: [{ stringValue: 'tool_calls' }] } },
        },
        { key: 'server.address', value: { stringValue: '127.0.0.1' } },
        { key: 'server.port', value: { intValue: '8080' } },
      ]),
    );
    expect(mcp!.status).toEqual({ code: 2 });
    expect(mcp!.attributes).toContainEqual({ key: 'mcp.method.name', value: { stringValue: 'tools/call' } });

    // Vigil's own OTel ingest reads them back as the same calls.
    const back = eventsFromOtlp(received[1]!.body as OtlpTraceExport);
    expect(
      back.map((e) =>
        e.kind === 'model.call'
          ? `${e.provider}/${e.model}`
          : e.kind === 'tool.call'
            ? `${e.server}/${e.tool}/${e.transport}`
            : e.kind,
      ),
    ).toEqual([
      'openai/gpt-4o-mini',
      'function/run_command/in-process',
      'secure-filesystem-server/read_file/stdio',
    ]);
    expect(back.map((e) => e.pid)).toEqual([100, 100, 300]);
  });

  it('sends nothing when there is nothing to send', async () => {
    received.length = 0;
    const sent = await new OtlpHttpExporter({ url: `${base}/v1/traces` }).export({ events: [other] });
    expect(sent).toEqual({ logRecords: 0, spans: 0, rejected: 0 });
    expect(received).toEqual([]);
  });

  it('a collector that refuses is an IO error naming the URL and status; a bad URL is a usage error', async () => {
    failNext = 1;
    const exporter = new OtlpHttpExporter({ url: base });
    const err = await exporter.export({ events: [model] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VigilError);
    expect((err as VigilError).code).toBe('IO');
    expect((err as VigilError).message).toContain(`${base}/v1/traces answered 503`);
    expect(() => new OtlpHttpExporter({ url: 'not a url' })).toThrow(/not a URL/);
    expect(() => new OtlpHttpExporter({ url: 'ftp://x/' })).toThrow(/http or https/);
    const down = await new OtlpHttpExporter({ url: 'http://127.0.0.1:1', timeoutMs: 5000 })
      .export({ events: [model] })
      .catch((e: unknown) => e);
    expect((down as VigilError).code).toBe('IO');
  });

  it('spans are deterministic: the same events give the same ids', () => {
    expect(toOtlpTraces([model, localTool])).toEqual(toOtlpTraces([model, localTool]));
  });
});
