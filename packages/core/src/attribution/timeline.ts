import { z } from 'zod';
import { isLocalToolCall } from '../events/local-tool.js';
import type { EventOf, VigilEvent } from '../events/schema.js';
import { lazySchema } from '../schemas/lazy.js';
import type { Consumer } from '../stream/consumer.js';
import { formatPeer } from '../vocabulary/network.js';
import type { WorkloadRef } from '../workload/workload-ref.js';
import { WorkloadRefSchema } from '../workload/workload-ref.js';
import { modelCallIdOf } from './attributor.js';

/** Version of the {@link AgentTimelineSchema} document. */
export const AGENT_TIMELINE_SCHEMA_VERSION = 1;

const MAX_ITEMS = 100;

/** What a tool call (or a group of ambiguous ones) caused: programs run, files opened, peers reached, retrievals made. */
const CausedSchema = lazySchema(() =>
  z.object({
    /** Programs executed, as `path arg…` (first 100). */
    processes: z.array(z.string()),
    /** Files opened (first 100 distinct). */
    files: z.array(z.string()),
    /** Peers connected to, as `name-or-address:port` (first 100 distinct). */
    peers: z.array(z.string()),
    /** Retrievals made, as `store/collection operation` (first 100 distinct); absent in documents written before they were listed. */
    retrievals: z.array(z.string()).default([]),
    /** Every event attributed, including those not listed above. */
    events: z.number().int().nonnegative(),
  }),
);

const TimelineToolCallSchema = lazySchema(() =>
  CausedSchema.extend({
    /** The model's tool-call id (local tools) or the MCP JSON-RPC id. */
    id: z.string(),
    name: z.string(),
    /** `function` for the agent's own tools; the MCP server's name otherwise. */
    server: z.string(),
    ts: z.number(),
    status: z.enum(['ok', 'error']).optional(),
    durationMs: z.number().optional(),
    /** The MCP `tools/call` that served it, when one did (its JSON-RPC id). */
    mcpCallId: z.string().optional(),
  }),
);

const TimelineModelCallSchema = lazySchema(() =>
  z.object({
    /** `model:<pid>:<ts>` (see `modelCallIdOf`). */
    id: z.string(),
    ts: z.number(),
    pid: z.number().int(),
    provider: z.string(),
    model: z.string(),
    endpoint: z.string().optional(),
    finishReason: z.string().optional(),
    inputTokens: z.number().int().optional(),
    outputTokens: z.number().int().optional(),
    durationMs: z.number().optional(),
    toolCalls: z.array(TimelineToolCallSchema),
    /** Events of several of this response's tool calls running at once: which one is not known. */
    ambiguous: CausedSchema.extend({
      candidates: z.array(z.object({ id: z.string(), name: z.string() })),
    }).optional(),
  }),
);

/**
 * The agent timeline of one or more captures: per workload, each model call,
 * the tool calls its response asked for, and the processes, files and peers
 * each tool call caused (from `cause`, set by attribution); MCP calls no
 * model response asked for (as far as the capture shows) are listed apart.
 *
 * @example
 * ```ts
 * import { AgentTimelineSchema } from '@vigil/core';
 *
 * const doc = AgentTimelineSchema.parse(JSON.parse(text));
 * for (const w of doc.timeline) for (const m of w.modelCalls) console.log(m.model, m.toolCalls.map((t) => t.name));
 * ```
 */
export const AgentTimelineSchema = lazySchema(() =>
  z.object({
    schemaVersion: z.literal(AGENT_TIMELINE_SCHEMA_VERSION),
    timeline: z.array(
      z.object({
        workload: WorkloadRefSchema,
        modelCalls: z.array(TimelineModelCallSchema),
        mcpCalls: z.array(TimelineToolCallSchema),
      }),
    ),
  }),
);
/** @see {@link AgentTimelineSchema} */
export interface AgentTimeline {
  schemaVersion: 1;
  timeline: {
    workload: WorkloadRef;
    modelCalls: {
      /** `model:<pid>:<ts>` (see `modelCallIdOf`). */
      id: string;
      ts: number;
      pid: number;
      provider: string;
      model: string;
      endpoint?: string | undefined;
      finishReason?: string | undefined;
      inputTokens?: number | undefined;
      outputTokens?: number | undefined;
      durationMs?: number | undefined;
      toolCalls: {
        /** Programs executed, as `path arg…` (first 100). */
        processes: string[];
        /** Files opened (first 100 distinct). */
        files: string[];
        /** Peers connected to, as `name-or-address:port` (first 100 distinct). */
        peers: string[];
        /** Retrievals made, as `store/collection operation` (first 100 distinct); absent in documents written before they were listed. */
        retrievals: string[];
        /** Every event attributed, including those not listed above. */
        events: number;
        /** The model's tool-call id (local tools) or the MCP JSON-RPC id. */
        id: string;
        name: string;
        /** `function` for the agent's own tools; the MCP server's name otherwise. */
        server: string;
        ts: number;
        status?: 'error' | 'ok' | undefined;
        durationMs?: number | undefined;
        /** The MCP `tools/call` that served it, when one did (its JSON-RPC id). */
        mcpCallId?: string | undefined;
      }[];
      /** Events of several of this response's tool calls running at once: which one is not known. */
      ambiguous?:
        | {
            /** Programs executed, as `path arg…` (first 100). */
            processes: string[];
            /** Files opened (first 100 distinct). */
            files: string[];
            /** Peers connected to, as `name-or-address:port` (first 100 distinct). */
            peers: string[];
            /** Retrievals made, as `store/collection operation` (first 100 distinct); absent in documents written before they were listed. */
            retrievals: string[];
            /** Every event attributed, including those not listed above. */
            events: number;
            candidates: {
              id: string;
              name: string;
            }[];
          }
        | undefined;
    }[];
    mcpCalls: {
      /** Programs executed, as `path arg…` (first 100). */
      processes: string[];
      /** Files opened (first 100 distinct). */
      files: string[];
      /** Peers connected to, as `name-or-address:port` (first 100 distinct). */
      peers: string[];
      /** Retrievals made, as `store/collection operation` (first 100 distinct); absent in documents written before they were listed. */
      retrievals: string[];
      /** Every event attributed, including those not listed above. */
      events: number;
      /** The model's tool-call id (local tools) or the MCP JSON-RPC id. */
      id: string;
      name: string;
      /** `function` for the agent's own tools; the MCP server's name otherwise. */
      server: string;
      ts: number;
      status?: 'error' | 'ok' | undefined;
      durationMs?: number | undefined;
      /** The MCP `tools/call` that served it, when one did (its JSON-RPC id). */
      mcpCallId?: string | undefined;
    }[];
  }[];
}
type ToolCallEntry = z.infer<typeof TimelineToolCallSchema>;
type ModelCallEntry = z.infer<typeof TimelineModelCallSchema>;
type Caused = z.infer<typeof CausedSchema>;
type WorkloadEntry = AgentTimeline['timeline'][number];

function record(into: Caused, ev: VigilEvent): void {
  into.events++;
  const add = (list: string[], item: string) => {
    if (list.length < MAX_ITEMS && !list.includes(item)) list.push(item);
  };
  if (ev.kind === 'process.exec')
    add(into.processes, [ev.filename, ...ev.argv.slice(1)].join(' ').slice(0, 300));
  else if (ev.kind === 'file.open' && ev.result >= 0) add(into.files, ev.path);
  else if (ev.kind === 'net.connect' && ev.family !== 'unix') add(into.peers, formatPeer(ev));
  else if (ev.kind === 'retrieval')
    add(into.retrievals, `${ev.store ?? 'store'}/${ev.dataSource} ${ev.operation ?? 'query'}`);
}

const caused = (): Caused => ({ processes: [], files: [], peers: [], retrievals: [], events: 0 });

/**
 * Builds the {@link AgentTimeline} from the observation stream: a pipeline
 * consumer, so it sees events after attribution.
 *
 * @example
 * ```ts
 * import { AgentTimelineBuilder, ReplaySource, Vigil } from '@vigil/core';
 *
 * const timeline = new AgentTimelineBuilder();
 * await new Vigil({ source: new ReplaySource(['agent.vcap']), consumers: [timeline] }).run();
 * console.log(JSON.stringify(timeline.result(), null, 2));
 * ```
 */
export class AgentTimelineBuilder implements Consumer {
  readonly name = 'agent-timeline';
  readonly #workloads = new Map<string, WorkloadEntry>();
  readonly #models = new Map<string, ModelCallEntry>();
  /** Tool calls by `local:<id>` or `<server>:<id>` (the newest of a reused MCP id wins). */
  readonly #tools = new Map<string, ToolCallEntry>();

  onBatch(batch: readonly VigilEvent[]): void {
    for (const ev of batch) {
      if (ev.kind === 'model.call') this.#onModel(ev);
      else if (ev.kind === 'tool.call') this.#onTool(ev);
      else if (ev.cause !== undefined) this.#onCaused(ev);
    }
  }

  /** The timeline so far, workloads in order of first appearance. */
  result(): AgentTimeline {
    return { schemaVersion: AGENT_TIMELINE_SCHEMA_VERSION, timeline: [...this.#workloads.values()] };
  }

  #workload(ev: VigilEvent): WorkloadEntry {
    let w = this.#workloads.get(ev.workload.id);
    if (!w) {
      w = { workload: ev.workload, modelCalls: [], mcpCalls: [] };
      this.#workloads.set(ev.workload.id, w);
    }
    return w;
  }

  #onModel(ev: EventOf<'model.call'>): void {
    const id = modelCallIdOf(ev);
    const m: ModelCallEntry = {
      id,
      ts: ev.ts,
      pid: ev.pid,
      provider: ev.provider,
      model: ev.responseModel ?? ev.model,
      ...(ev.endpoint !== undefined ? { endpoint: ev.endpoint } : {}),
      ...(ev.finishReason !== undefined ? { finishReason: ev.finishReason } : {}),
      ...(ev.inputTokens !== undefined ? { inputTokens: ev.inputTokens } : {}),
      ...(ev.outputTokens !== undefined ? { outputTokens: ev.outputTokens } : {}),
      ...(ev.durationMs !== undefined ? { durationMs: ev.durationMs } : {}),
      toolCalls: [],
    };
    this.#models.set(id, m);
    this.#workload(ev).modelCalls.push(m);
  }

  #onTool(ev: EventOf<'tool.call'>): void {
    const model = ev.cause?.modelCallId !== undefined ? this.#models.get(ev.cause.modelCallId) : undefined;
    const local = isLocalToolCall(ev);
    const id = ev.callId ?? `${ev.pid}:${ev.ts}`;
    if (!local && model !== undefined && ev.cause?.toolCallId !== undefined) {
      // An MCP call a model response asked for: one entry under the model call, keyed both ways.
      const known = this.#tools.get(`local:${ev.cause.toolCallId}`);
      const entry = known ?? this.#entry(ev, ev.cause.toolCallId);
      entry.server = ev.server;
      entry.mcpCallId = id;
      if (ev.status !== undefined) entry.status = ev.status;
      if (ev.durationMs !== undefined) entry.durationMs = ev.durationMs;
      if (!known) model.toolCalls.push(entry);
      this.#tools.set(`${ev.server}:${id}`, entry);
      return;
    }
    const entry = this.#entry(ev, id);
    if (local) {
      this.#tools.set(`local:${id}`, entry);
      if (model) model.toolCalls.push(entry);
      else this.#workload(ev).mcpCalls.push(entry);
    } else {
      this.#tools.set(`${ev.server}:${id}`, entry);
      this.#workload(ev).mcpCalls.push(entry);
    }
  }

  #entry(ev: EventOf<'tool.call'>, id: string): ToolCallEntry {
    return {
      id,
      name: ev.tool,
      server: ev.server,
      ts: ev.ts,
      ...(ev.status !== undefined ? { status: ev.status } : {}),
      ...(ev.durationMs !== undefined ? { durationMs: ev.durationMs } : {}),
      ...caused(),
    };
  }

  #onCaused(ev: VigilEvent): void {
    const c = ev.cause!;
    if (c.ambiguous === true) {
      const m = c.modelCallId !== undefined ? this.#models.get(c.modelCallId) : undefined;
      if (!m) return;
      m.ambiguous ??= { candidates: c.candidates ?? [], ...caused() };
      record(m.ambiguous, ev);
      return;
    }
    if (c.toolCallId === undefined) return;
    const entry =
      c.server !== undefined
        ? this.#tools.get(`${c.server}:${c.toolCallId}`)
        : this.#tools.get(`local:${c.toolCallId}`);
    if (entry) record(entry, ev);
  }
}
