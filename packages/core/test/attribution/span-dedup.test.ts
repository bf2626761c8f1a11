import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  AgentTimelineBuilder,
  MemorySource,
  MergedSource,
  OtelSpanSource,
  Vigil,
  type VigilEvent,
} from '../../src/index.js';
import { arrivalOrder, at, exec, fork, modelCall, open } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-span-dedup-'));
const s = (key: string, stringValue: string) => ({ key, value: { stringValue } });
const n = (key: string, intValue: number) => ({ key, value: { intValue: String(intValue) } });

/** An OTLP/JSON file with one `execute_tool` span of the agent (pid `pid`) from `fromMs` to `toMs`. */
function spanFile(name: string, tool: string, fromMs: number, toMs: number, pid: number, callId?: string) {
  const path = join(dir, name);
  const attributes = [
    s('gen_ai.operation.name', 'execute_tool'),
    s('gen_ai.tool.name', tool),
    s('gen_ai.tool.type', 'function'),
    ...(callId !== undefined ? [s('gen_ai.tool.call.id', callId)] : []),
  ];
  const doc = {
    resourceSpans: [
      {
        resource: { attributes: [s('service.name', 'lab-agent'), n('process.pid', pid)] },
        scopeSpans: [
          {
            spans: [
              {
                traceId: 't1',
                spanId: `s-${name}`,
                name: `execute_tool ${tool}`,
                startTimeUnixNano: String(at(fromMs)),
                endTimeUnixNano: String(at(toMs)),
                attributes,
              },
            ],
          },
        ],
      },
    ],
  };
  writeFileSync(path, JSON.stringify(doc));
  return path;
}

/** The agent (pid 100) asks the model, which returns `run_command` (id call_1); the tool runs `ls` in pid 200. */
function capture(): VigilEvent[] {
  return arrivalOrder([
    exec(0, 100, 1, '/usr/bin/node'),
    modelCall(1000, 500, 100, [{ id: 'call_1', name: 'run_command' }]),
    fork(1600, 100, 200),
    exec(1601, 200, 100, '/usr/bin/ls', ['ls', '-la']),
    open(1650, 200, '/srv/kb/faq.md'),
    modelCall(3000, 300, 100),
  ]);
}

async function run(spans: string[]): Promise<{ calls: VigilEvent[]; timeline: AgentTimelineBuilder }> {
  const calls: VigilEvent[] = [];
  const timeline = new AgentTimelineBuilder();
  const vigil = new Vigil({
    source: new MergedSource([new MemorySource(capture(), { batchSize: 2 }), new OtelSpanSource(spans)]),
    consumers: [timeline],
  });
  vigil.on('batch', (b) => {
    for (const e of b) if (e.kind === 'tool.call') calls.push(e);
  });
  await vigil.run();
  return { calls, timeline };
}

describe('a tool call seen as an OTel span and from the kernel is one call', () => {
  it('without spans, the kernel-derived call is there once', async () => {
    const { calls } = await run([spanFile('other.json', 'unrelated', 50_000, 50_100, 999)]);
    expect(calls.filter((c) => c.kind === 'tool.call' && c.tool === 'run_command')).toHaveLength(1);
  });

  const rows: { name: string; span: () => string; expected: number }[] = [
    {
      name: 'same call id',
      span: () => spanFile('id.json', 'run_command', 1510, 1700, 100, 'call_1'),
      expected: 1,
    },
    {
      name: 'no call id on the span: same tool, overlapping time, same process',
      span: () => spanFile('noid.json', 'run_command', 1510, 1700, 100),
      expected: 1,
    },
    {
      name: 'another call id (must not merge)',
      span: () => spanFile('otherid.json', 'run_command', 1510, 1700, 100, 'call_9'),
      expected: 2,
    },
    {
      name: 'another tool name (must not merge)',
      span: () => spanFile('othername.json', 'read_file', 1510, 1700, 100),
      expected: 2,
    },
    {
      name: 'far apart in time (must not merge)',
      span: () => spanFile('late.json', 'run_command', 40_000, 40_100, 100),
      expected: 2,
    },
    {
      name: 'another process tree (must not merge)',
      span: () => spanFile('otherpid.json', 'run_command', 1510, 1700, 4242),
      expected: 2,
    },
  ];
  for (const row of rows)
    it(row.name, async () => {
      const { calls, timeline } = await run([row.span()]);
      expect(calls).toHaveLength(row.expected);
      // The timeline lists each call once: under the model call and among the workload's calls.
      const entries = timeline
        .result()
        .timeline.flatMap((w) => [...w.mcpCalls, ...w.modelCalls.flatMap((m) => m.toolCalls)]);
      expect(entries).toHaveLength(row.expected);
    });

  it('keeps the kernel’s call, with its cause, when it comes first', async () => {
    const { calls } = await run([spanFile('first.json', 'run_command', 1510, 1700, 100, 'call_1')]);
    expect(calls[0]!.source).toBe('ebpf');
    expect(calls[0]!.cause?.toolCallId).toBe('call_1');
  });
});
