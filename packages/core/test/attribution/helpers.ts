import type { EventOf, VigilEvent, WorkloadRef } from '../../src/index.js';
import { EventSchema } from '../../src/index.js';

export const AGENT: WorkloadRef = { id: 'systemd:/agent.service', kind: 'systemd-service', labels: {} };
export const OTHER: WorkloadRef = { id: 'systemd:/other.service', kind: 'systemd-service', labels: {} };

/** Nanoseconds at millisecond `ms` of the test's clock. */
export const at = (ms: number): number => 1_800_000_000_000_000_000 + ms * 1e6;

type Extra = Record<string, unknown>;

function make(kind: VigilEvent['kind'], ms: number, pid: number, ppid: number, extra: Extra): VigilEvent {
  return EventSchema.parse({
    ts: at(ms),
    workload: AGENT,
    pid,
    ppid,
    comm: 'node',
    exe: '/usr/bin/node',
    source: 'ebpf',
    kind,
    ...extra,
  });
}

export const fork = (ms: number, pid: number, child: number): VigilEvent =>
  make('process.fork', ms, pid, 1, { childPid: child });
export const exec = (ms: number, pid: number, ppid: number, filename: string, argv: string[] = [filename]) =>
  make('process.exec', ms, pid, ppid, { filename, argv, comm: filename.split('/').pop() });
export const open = (ms: number, pid: number, path: string, ppid = 0): VigilEvent =>
  make('file.open', ms, pid, ppid, { path, flags: 0, access: 'read', result: 3 });
export const connect = (ms: number, pid: number, daddr: string, dport: number, ppid = 0): VigilEvent =>
  make('net.connect', ms, pid, ppid, { family: 'inet', protocol: 'tcp', daddr, dport, result: 0 });

export function modelCall(
  ms: number,
  durMs: number,
  pid: number,
  toolCalls: { id?: string; name: string }[] = [],
  extra: Extra = {},
): EventOf<'model.call'> {
  return make('model.call', ms, pid, 1, {
    provider: 'openai',
    model: 'gpt-4o-mini',
    endpoint: '127.0.0.1:8080',
    path: '/v1/chat/completions',
    durationMs: durMs,
    ...(toolCalls.length > 0 ? { toolCalls, finishReason: 'tool_calls' } : { finishReason: 'stop' }),
    ...extra,
  }) as EventOf<'model.call'>;
}

export function mcpCall(
  ms: number,
  durMs: number,
  pid: number,
  callId: string,
  tool: string,
): EventOf<'tool.call'> {
  return make('tool.call', ms, pid, 100, {
    server: 'secure-filesystem-server',
    tool,
    transport: 'stdio',
    callId,
    status: 'ok',
    durationMs: durMs,
    argumentNames: ['path'],
  }) as EventOf<'tool.call'>;
}

export function toolList(ms: number, pid: number, names: string[]): VigilEvent {
  return make('tool.list', ms, pid, 100, {
    server: 'secure-filesystem-server',
    transport: 'stdio',
    tools: names.map((name) => ({ name })),
  });
}

/**
 * The order a capture delivers events in: syscall events at their time,
 * model and tool calls when their response completes (`ts + durationMs`).
 */
export function arrivalOrder(events: readonly VigilEvent[]): VigilEvent[] {
  const arrival = (e: VigilEvent): number =>
    (e.kind === 'model.call' || e.kind === 'tool.call') && e.durationMs !== undefined
      ? e.ts + e.durationMs * 1e6 + 1
      : e.ts;
  return events
    .map((e, i) => ({ e, i, t: arrival(e) }))
    .sort((a, b) => a.t - b.t || a.i - b.i)
    .map((x) => x.e);
}
