import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CaptureWriter, EventSchema, type VigilEventInput } from '@vigil/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OtlpCollector } from '../../reporters/test/helpers/otlp-collector.js';
import { runCli } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-cli-otlp-'));
const WL = { id: 'systemd:/system.slice/agent.service', kind: 'systemd-service' as const, labels: {} };
const T0 = 1.8e18;
const e = (ms: number, pid: number, p: Record<string, unknown>) =>
  EventSchema.parse({
    ts: T0 + ms * 1e6,
    workload: WL,
    pid,
    ppid: pid === 100 ? 1 : 100,
    comm: 'node',
    exe: '/usr/bin/node',
    source: 'ebpf',
    ...p,
  } as VigilEventInput);

// A capture as a sensor writes it: the model call arrives when its response completes.
const capture = join(dir, 'agent.vcap');
const w = CaptureWriter.create(capture, { header: { source: 'synthetic' } });
w.writeAll([
  e(0, 100, { kind: 'process.exec', filename: '/usr/bin/node', argv: ['node', 'agent.js'] }),
  e(1300, 100, { kind: 'process.fork', childPid: 200 }),
  e(1301, 200, {
    kind: 'process.exec',
    filename: '/bin/sh',
    argv: ['sh', '-c', 'cat /root/.ssh/id_rsa'],
    comm: 'sh',
  }),
  e(1000, 100, {
    kind: 'model.call',
    provider: 'openai',
    model: 'gpt-4o-mini',
    endpoint: '127.0.0.1:8080',
    durationMs: 250,
    finishReason: 'tool_calls',
    toolCalls: [{ id: 'call_1', name: 'run_command', argumentNames: ['command'] }],
  }),
  e(1400, 200, {
    kind: 'file.open',
    path: '/root/.ssh/id_rsa',
    flags: 0,
    access: 'read',
    result: 3,
    comm: 'cat',
  }),
]);
w.close({ exitCode: 0 });

// OTel spans of another agent's retrieval, between the capture's events.
const spans = join(dir, 'spans.json');
const nano = (ms: number) => BigInt(T0 + ms * 1e6).toString();
writeFileSync(
  spans,
  JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'rag-agent' } }] },
        scopeSpans: [
          {
            spans: [
              {
                traceId: '0af7651916cd43dd8448eb211c80319c',
                spanId: 'b7ad6b7169203331',
                name: 'execute_tool search',
                startTimeUnixNano: nano(1350),
                endTimeUnixNano: nano(1360),
                attributes: [
                  { key: 'gen_ai.operation.name', value: { stringValue: 'execute_tool' } },
                  { key: 'gen_ai.tool.name', value: { stringValue: 'search' } },
                ],
              },
            ],
          },
        ],
      },
    ],
  }),
);

let collector: OtlpCollector;
let url = '';
beforeAll(async () => {
  collector = await OtlpCollector.start();
  url = collector.url;
});
afterAll(async () => {
  await collector.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('vigil check --otel and --otlp', () => {
  it('merges spans into the capture stream and exports findings and calls to an OTLP/HTTP collector', async () => {
    const r = await runCli(['check', capture, '--otel', spans, '--otlp', url, '--format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as {
      events: number;
      findings: { ruleId: string; evidence: { event?: { cause?: { toolName?: string } } }[] }[];
    };
    // 5 capture events, 1 span, 1 tool call derived from the model response.
    expect(report.events).toBe(7);
    const read = report.findings.find((f) =>
      f.evidence.some((x) => x.event?.cause?.toolName === 'run_command'),
    );
    expect(read, JSON.stringify(report.findings.map((f) => f.ruleId))).toBeDefined();
    expect(r.stderr).toMatch(/exported \d+ findings? as log records and 3 model\/tool calls as spans/);
    expect(collector.received.map((x) => x.path)).toEqual(['/v1/logs', '/v1/traces']);
    expect(collector.spanNames().sort()).toEqual([
      'chat gpt-4o-mini',
      'execute_tool run_command',
      'execute_tool search',
    ]);
  });

  it('a bad --otlp URL is a usage error before anything is read', async () => {
    const r = await runCli(['check', capture, '--otlp', 'nope']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/not a URL/);
  });
});
