import type { EventCause, EventOf, VigilEvent } from '../events/schema.js';
import type { ProcessTree } from '../stream/enricher.js';

/**
 * The id attribution gives a model call: `model:<pid>:<ts>`. A model call
 * carries no id of its own on the wire that every API shares, and the process
 * and the request's first byte name it uniquely within a capture.
 *
 * @example
 * ```ts
 * import { modelCallIdOf } from '@vigil/core';
 *
 * modelCallIdOf({ pid: 42, ts: 1.7e18 }); // 'model:42:1700000000000000000'
 * ```
 */
export function modelCallIdOf(ev: { readonly pid: number; readonly ts: number }): string {
  return `model:${ev.pid}:${BigInt(Math.round(ev.ts)).toString()}`;
}

/** The `server` of the `tool.call` events attribution derives for an agent's own (function) tools, as OTel names them. */
export const LOCAL_TOOL_SERVER = 'function';

/** One MCP `tools/call` in flight: the server's process tree is attributed to it until `to`. */
interface McpInterval {
  readonly from: number;
  readonly to: number;
  readonly cause: EventCause;
}

/** The tool calls a model response returned, pending until the agent's next model request. */
interface LocalWindow {
  /** The response's end: events before it belong to the model call, not to its tool calls. */
  readonly from: number;
  readonly modelCallId: string;
  readonly model: string;
  /** The calls the agent runs itself (not served by an MCP server it listed), with their ids. */
  readonly local: { readonly id: string; readonly name: string }[];
  /** Every call the response returned, for linking MCP `tools/call`s to it; `used` once linked. */
  readonly calls: { readonly id: string; readonly name: string; used: boolean }[];
}

/** Options for {@link CallAttributor}. */
export interface CallAttributorOptions {
  /** Emit a `tool.call` event for each local tool call a model response returned. Default true. */
  readonly deriveToolCalls?: boolean;
  /** Most agent processes and MCP servers tracked at once (oldest forgotten first). Default 10,000. */
  readonly maxTracked?: number;
}

const MAX_DEPTH = 64;

/**
 * True when `called`, a tool name a model response used, is MCP tool `tool`:
 * the same name, or the name a client namespaced it under for the model
 * (`server__tool`, `mcp__server__tool`), since model APIs take one flat list
 * of tool names and clients prefix each server's tools to keep them apart.
 */
function namesMcpTool(called: string, tool: string): boolean {
  return called === tool || called.endsWith(`__${tool}`);
}

/** True when an MCP server of the workload listed the tool `called` names (see {@link namesMcpTool}). */
function isListedTool(listed: ReadonlySet<string> | undefined, called: string): boolean {
  if (listed === undefined) return false;
  if (listed.has(called)) return true;
  for (let i = called.indexOf('__'); i >= 0; i = called.indexOf('__', i + 1))
    if (listed.has(called.slice(i + 2))) return true;
  return false;
}

/**
 * Sets `cause` on events from the calls in flight, given events in time order.
 * The ordered core of {@link CallAttributionEnricher}; use it directly on a
 * sorted array of events.
 *
 * - An MCP server's `tools/call` (a `tool.call` event whose process is the
 *   server): every event of the server's process tree from the request to
 *   the response carries the call's id; several calls in flight at once make
 *   the events ambiguous.
 * - A model response that returned tool calls (a `model.call` with
 *   `toolCalls`): the events of the agent process's tree from the response's
 *   end to the agent's next model request belong to those calls; exact when
 *   one call runs the agent's own tool, ambiguous when several do. A tool
 *   whose name an MCP server of the workload listed is the server's: its
 *   `tools/call` is linked to the model's call instead.
 * - For each local tool call, a `tool.call` event (`server: 'function'`,
 *   `transport: 'in-process'`) is derived at the response's end, so rules,
 *   baselines, the AI-BOM and the gap analysis see the call.
 *
 * @example
 * ```ts
 * import { CallAttributor, ProcessTreeEnricher } from '@vigil/core';
 *
 * const tree = new ProcessTreeEnricher();
 * const attributor = new CallAttributor(tree);
 * const sorted = events.slice().sort((a, b) => a.ts - b.ts);
 * for (const ev of sorted) {
 *   tree.enrich([ev]);
 *   for (const derived of attributor.attribute(ev)) console.log(derived.kind, derived.cause);
 * }
 * ```
 */
export class CallAttributor {
  readonly #tree: ProcessTree;
  readonly #derive: boolean;
  readonly #max: number;
  readonly #mcp = new Map<number, McpInterval[]>();
  /** MCP server pids (from `tool.list`/`tool.call` events) and the server's name. */
  readonly #servers = new Map<number, string>();
  readonly #windows = new Map<number, LocalWindow>();
  /** Pids that made model calls: agents, never taken for MCP servers. */
  readonly #agents = new Map<number, true>();
  /** Tool names MCP servers listed, per workload. */
  readonly #mcpTools = new Map<string, Set<string>>();
  #attributed = 0;
  #ambiguous = 0;
  #derived = 0;

  constructor(tree: ProcessTree, options: CallAttributorOptions = {}) {
    this.#tree = tree;
    this.#derive = options.deriveToolCalls ?? true;
    this.#max = Math.max(16, options.maxTracked ?? 10_000);
  }

  /** Events attributed so far, how many of them ambiguously, and `tool.call` events derived. */
  stats(): { readonly attributed: number; readonly ambiguous: number; readonly derived: number } {
    return { attributed: this.#attributed, ambiguous: this.#ambiguous, derived: this.#derived };
  }

  /**
   * Attributes one event (in time order after every earlier one); returns the
   * `tool.call` events it derives (a model response's local tool calls),
   * which belong at their own `ts`, the response's end.
   */
  attribute(ev: VigilEvent): VigilEvent[] {
    switch (ev.kind) {
      case 'model.call':
        return this.#onModelCall(ev);
      case 'tool.list':
        this.#onToolList(ev);
        return [];
      case 'tool.call':
        if (ev.cause === undefined || ev.transport !== 'in-process') this.#onToolCall(ev);
        return [];
      default:
        if (ev.cause === undefined && ev.pid !== 0) {
          const cause = this.#causeOf(ev);
          if (cause !== undefined) this.#set(ev, cause);
        }
        return [];
    }
  }

  #onModelCall(ev: EventOf<'model.call'>): VigilEvent[] {
    // The agent's next request ends the tool calls of its previous response.
    this.#windows.delete(ev.pid);
    this.#remember(this.#agents, ev.pid, true);
    this.#servers.delete(ev.pid);
    const calls = ev.toolCalls;
    if (calls === undefined || calls.length === 0) return [];
    const modelCallId = modelCallIdOf(ev);
    const model = ev.responseModel ?? ev.model;
    const listed = this.#mcpTools.get(ev.workload.id);
    const all = calls.map((c, i) => ({ id: c.id ?? `${modelCallId}/${i}`, name: c.name, used: false }));
    const local = all.filter((c) => !isListedTool(listed, c.name)).map(({ id, name }) => ({ id, name }));
    const from = ev.ts + (ev.durationMs ?? 0) * 1e6;
    this.#remember(this.#windows, ev.pid, { from, modelCallId, model, local, calls: all });
    if (!this.#derive) return [];
    const out: VigilEvent[] = [];
    for (const [i, c] of calls.entries()) {
      if (isListedTool(listed, c.name)) continue;
      const id = all[i]!.id;
      out.push({
        ts: from,
        workload: ev.workload,
        pid: ev.pid,
        ppid: ev.ppid,
        comm: ev.comm,
        exe: ev.exe,
        source: ev.source,
        ...(ev.tid !== undefined ? { tid: ev.tid } : {}),
        ...(ev.uid !== undefined ? { uid: ev.uid } : {}),
        ...(ev.cgroupId !== undefined ? { cgroupId: ev.cgroupId } : {}),
        kind: 'tool.call',
        server: LOCAL_TOOL_SERVER,
        tool: c.name,
        transport: 'in-process',
        callId: id,
        ...(c.argumentNames !== undefined ? { argumentNames: c.argumentNames } : {}),
        ...(c.argumentsHash !== undefined ? { argumentsHash: c.argumentsHash } : {}),
        ...(ev.agent !== undefined ? { agent: ev.agent } : {}),
        cause: { toolCallId: id, toolName: c.name, modelCallId, model },
      });
    }
    this.#derived += out.length;
    return out;
  }

  #onToolList(ev: EventOf<'tool.list'>): void {
    if (ev.listKind !== undefined && ev.listKind !== 'tools') return;
    let names = this.#mcpTools.get(ev.workload.id);
    if (!names) {
      names = new Set();
      this.#remember(this.#mcpTools, ev.workload.id, names);
    }
    for (const t of ev.tools) if (names.size < 10_000) names.add(t.name);
    if (!this.#agents.has(ev.pid)) this.#remember(this.#servers, ev.pid, ev.server);
  }

  #onToolCall(ev: EventOf<'tool.call'>): void {
    // Which model tool call asked for it: the pending call of that name in an agent above the server.
    let link: EventCause | undefined;
    for (const p of this.#chain(ev.pid, ev.ppid)) {
      const w = this.#windows.get(p);
      if (w === undefined || ev.ts < w.from) continue;
      const c = w.calls.find((x) => !x.used && namesMcpTool(x.name, ev.tool));
      if (c) {
        c.used = true;
        link = { toolCallId: c.id, toolName: c.name, modelCallId: w.modelCallId, model: w.model };
      }
      break;
    }
    if (link !== undefined && ev.cause === undefined) {
      ev.cause = link;
      this.#attributed++;
    }
    if (this.#agents.has(ev.pid)) return; // the client's side of the call: its tree is the agent's
    this.#remember(this.#servers, ev.pid, ev.server);
    const cause: EventCause = {
      ...(ev.callId !== undefined ? { toolCallId: ev.callId } : {}),
      toolName: ev.tool,
      server: ev.server,
      ...(link?.modelCallId !== undefined ? { modelCallId: link.modelCallId } : {}),
      ...(link?.model !== undefined ? { model: link.model } : {}),
    };
    // A call with no response seen (partial) stays open until the server's next call.
    const to = ev.durationMs !== undefined ? ev.ts + ev.durationMs * 1e6 : Number.POSITIVE_INFINITY;
    const list = (this.#mcp.get(ev.pid) ?? []).filter(
      (i) => i.to >= ev.ts && i.to !== Number.POSITIVE_INFINITY,
    );
    list.push({ from: ev.ts, to, cause });
    this.#remember(this.#mcp, ev.pid, list);
  }

  /** The cause of an event of a process, from the calls in flight in its tree. */
  #causeOf(ev: VigilEvent): EventCause | undefined {
    const ts = ev.ts;
    for (const p of this.#chain(ev.pid, ev.ppid)) {
      const intervals = this.#mcp.get(p);
      if (intervals !== undefined) {
        const active = intervals.filter((i) => i.from <= ts && ts <= i.to);
        if (active.length === 1) return active[0]!.cause;
        if (active.length > 1)
          return {
            ambiguous: true,
            candidates: active.map((i) => ({ id: i.cause.toolCallId ?? '', name: i.cause.toolName ?? '' })),
            ...(active[0]!.cause.server !== undefined ? { server: active[0]!.cause.server } : {}),
          };
      }
      if (this.#servers.has(p)) return undefined; // an MCP server between calls: not the agent's tool
      const w = this.#windows.get(p);
      if (w !== undefined) {
        if (ts < w.from || w.local.length === 0) return undefined;
        if (w.local.length === 1) {
          const c = w.local[0]!;
          return {
            toolCallId: c.id,
            toolName: c.name,
            modelCallId: w.modelCallId,
            model: w.model,
          };
        }
        return {
          modelCallId: w.modelCallId,
          model: w.model,
          ambiguous: true,
          candidates: w.local.map((c) => ({ id: c.id, name: c.name })),
        };
      }
    }
    return undefined;
  }

  #set(ev: VigilEvent, cause: EventCause): void {
    ev.cause = cause;
    this.#attributed++;
    if (cause.ambiguous === true) this.#ambiguous++;
  }

  /** `pid`, then its known ancestors, nearest first (the event's `ppid` when the tree does not know it). */
  *#chain(pid: number, ppid: number): Generator<number> {
    yield pid;
    const known = this.#tree.get(pid);
    if (known === undefined) {
      if (ppid !== 0 && ppid !== pid) yield ppid;
      return;
    }
    for (const a of this.#tree.ancestors(pid, MAX_DEPTH)) yield a.pid;
  }

  #remember<K, V>(map: Map<K, V>, key: K, value: V): void {
    map.delete(key);
    map.set(key, value);
    if (map.size > this.#max) {
      const oldest = map.keys().next().value;
      if (oldest !== undefined) map.delete(oldest);
    }
  }
}
