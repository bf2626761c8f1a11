import { isLocalToolCall } from '../events/local-tool.js';
import type { VigilEvent } from '../events/schema.js';
import type { Consumer } from '../stream/consumer.js';
import { formatPeer } from '../vocabulary/network.js';
import type { WorkloadRef } from '../workload/workload-ref.js';

/** A count with the first and last time it was seen. */
export interface SeenCount {
  count: number;
  /** Nanoseconds since the epoch. */
  firstSeen: number;
  lastSeen: number;
}

/** What one workload did in a capture. */
export interface WorkloadSummary {
  workload: WorkloadRef;
  events: number;
  /** Events by kind. */
  byKind: Record<string, number>;
  /** Executed binaries (filename) with counts. */
  processes: Record<string, SeenCount>;
  /** Distinct pids seen. */
  pids: number;
  /** Network peers (`name-or-address:port/protocol`, `unix:PATH`; see `formatPeer`) with connect counts and failures. */
  peers: Record<string, SeenCount & { failed: number }>;
  /** Files opened, by access (`read`, `write`, …) → distinct paths. */
  files: Record<string, number>;
  /** DNS names queried. */
  dnsNames: Record<string, number>;
  /**
   * The `tool.call` events of `byKind`, by how they are known: `observed`, calls seen as calls (an
   * MCP `tools/call` on the wire, or a tool span an agent reported); `derived`, calls of the agent's
   * own function tools that a model response asked for, attributed from the response (the tool
   * runs inside the agent's process: no call of its own is on the wire).
   */
  toolCalls: { observed: number; derived: number };
  /** Nanoseconds since the epoch. */
  firstTs: number;
  lastTs: number;
}

/** The per-workload summary of a capture, as `vigil inspect` prints it. */
export interface CaptureSummary {
  events: number;
  workloads: WorkloadSummary[];
}

/** Most distinct keys a summary keeps per table before counting the rest as `(other)`. */
const MAX_KEYS = 10_000;

function bump(table: Record<string, SeenCount>, key: string, ts: number): SeenCount {
  let e = table[key];
  if (!e) {
    if (Object.keys(table).length >= MAX_KEYS) key = '(other)';
    e = table[key] ??= { count: 0, firstSeen: ts, lastSeen: ts };
  }
  e.count++;
  if (ts < e.firstSeen) e.firstSeen = ts;
  if (ts > e.lastSeen) e.lastSeen = ts;
  return e;
}

/**
 * Summarises events per workload: events by kind, processes, peers, files
 * and DNS names. Memory is bounded per workload. Use as a pipeline consumer
 * or feed it events directly.
 *
 * @example
 * ```ts
 * import { CaptureSummaryBuilder, ReplaySource, Vigil } from '@vigil/core';
 *
 * const summary = new CaptureSummaryBuilder();
 * await new Vigil({ source: new ReplaySource(['run.vcap']), consumers: [summary] }).run();
 * console.log(summary.result().workloads.map((w) => w.workload.id));
 * ```
 */
export class CaptureSummaryBuilder implements Consumer {
  readonly name = 'capture-summary';
  readonly #workloads = new Map<
    string,
    WorkloadSummary & { pidSet: Set<number>; fileSets: Map<string, Set<string>> }
  >();
  #events = 0;

  onBatch(batch: readonly VigilEvent[]): void {
    for (const ev of batch) this.add(ev);
  }

  /** Adds one event. */
  add(ev: VigilEvent): void {
    this.#events++;
    let w = this.#workloads.get(ev.workload.id);
    if (!w) {
      w = {
        workload: ev.workload,
        events: 0,
        byKind: {},
        processes: {},
        pids: 0,
        peers: {},
        files: {},
        dnsNames: {},
        toolCalls: { observed: 0, derived: 0 },
        firstTs: ev.ts,
        lastTs: ev.ts,
        pidSet: new Set(),
        fileSets: new Map(),
      };
      this.#workloads.set(ev.workload.id, w);
    }
    w.events++;
    w.byKind[ev.kind] = (w.byKind[ev.kind] ?? 0) + 1;
    if (ev.ts < w.firstTs) w.firstTs = ev.ts;
    if (ev.ts > w.lastTs) w.lastTs = ev.ts;
    if (ev.pid !== 0 && w.pidSet.size < MAX_KEYS) w.pidSet.add(ev.pid);
    switch (ev.kind) {
      case 'process.exec':
        bump(w.processes, ev.filename, ev.ts);
        break;
      case 'net.connect': {
        const key = ev.family === 'unix' ? formatPeer(ev) : `${formatPeer(ev)}/${ev.protocol}`;
        const peer = bump(w.peers, key, ev.ts) as SeenCount & {
          failed?: number;
        };
        peer.failed = (peer.failed ?? 0) + (ev.result < 0 && ev.result !== -115 ? 1 : 0);
        break;
      }
      case 'file.open': {
        let set = w.fileSets.get(ev.access);
        if (!set) {
          set = new Set();
          w.fileSets.set(ev.access, set);
        }
        if (set.size < MAX_KEYS) set.add(ev.path);
        break;
      }
      case 'dns.query':
        w.dnsNames[ev.name] = (w.dnsNames[ev.name] ?? 0) + 1;
        break;
      case 'tool.call':
        // A local tool call from a capture was derived from a model response; one from an OTel span was reported.
        if (isLocalToolCall(ev) && ev.source !== 'otel') w.toolCalls.derived++;
        else w.toolCalls.observed++;
        break;
      default:
        break;
    }
  }

  /** The summary so far, workloads ordered by event count (descending). */
  result(): CaptureSummary {
    const workloads = [...this.#workloads.values()]
      .map(({ pidSet, fileSets, ...w }) => ({
        ...w,
        pids: pidSet.size,
        files: Object.fromEntries([...fileSets].map(([k, s]) => [k, s.size])),
      }))
      .sort((a, b) => b.events - a.events);
    return { events: this.#events, workloads };
  }
}
