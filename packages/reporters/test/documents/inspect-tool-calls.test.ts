import { CaptureSummaryBuilder, type VigilEvent, type WorkloadRef } from '@vigil/core';
import { describe, expect, it } from 'vitest';
import { renderSummaryText } from '../../src/index.js';

const W: WorkloadRef = { id: 'cgroup:/vigil-node-1', kind: 'cgroup', name: 'node-1', labels: {} };
let ts = 1_800_000_000_000_000_000;
const env = (source: VigilEvent['source'] = 'ebpf') => {
  ts += 1e6;
  return {
    ts,
    workload: W,
    pid: 100,
    ppid: 1,
    comm: 'node',
    exe: '/usr/bin/node',
    source,
  };
};

// An MCP call seen on the wire, a local function tool a model response asked for (derived by
// attribution), and a local tool an agent's OTel span reported.
const EVENTS: VigilEvent[] = [
  { ...env(), kind: 'tool.call', server: 'filesystem', tool: 'read_file', transport: 'stdio', status: 'ok' },
  {
    ...env(),
    kind: 'tool.call',
    server: 'filesystem',
    tool: 'list_directory',
    transport: 'stdio',
    status: 'ok',
  },
  {
    ...env(),
    kind: 'tool.call',
    server: 'function',
    tool: 'run_command',
    transport: 'in-process',
    callId: 'call_1',
    cause: { toolCallId: 'call_1', toolName: 'run_command', modelCallId: 'm1', model: 'gpt-4o-mini' },
  },
  {
    ...env('otel'),
    kind: 'tool.call',
    server: 'function',
    tool: 'search_docs',
    transport: 'in-process',
    status: 'ok',
  },
];

describe('vigil inspect: tool calls observed and derived', () => {
  it('counts calls seen as calls apart from calls derived from model responses', () => {
    const b = new CaptureSummaryBuilder();
    for (const ev of EVENTS) b.add(ev);
    const w = b.result().workloads[0]!;
    expect(w.byKind['tool.call']).toBe(4);
    expect(w.toolCalls).toEqual({ observed: 3, derived: 1 });
    const text = renderSummaryText(['run.vcap'], b.result(), {});
    expect(text).toContain('tool.call=4 (3 observed + 1 derived)');
    expect(text).toMatch(
      /tool calls: 3 observed as calls \(MCP tools\/call on the wire, or tool spans\), 1 derived from model responses/,
    );
  });

  it('says nothing extra when every call was observed', () => {
    const b = new CaptureSummaryBuilder();
    b.add(EVENTS[0]!);
    const text = renderSummaryText(['run.vcap'], b.result(), {});
    expect(text).toMatch(/by kind: tool\.call=1$/m);
    expect(text).not.toContain('derived)');
    expect(text).toMatch(/tool calls: 1 observed as calls .*, 0 derived/);
  });
});
