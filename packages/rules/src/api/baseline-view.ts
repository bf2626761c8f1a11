import {
  type EventOf,
  retrievalObservations,
  type ToolDefinition,
  type VigilEvent,
  type WorkloadRef,
} from '@vigil/core';
import { stableId } from '../internal/hash.js';

/**
 * What baseline-aware rules ask of a workload's learned behaviour: "was this
 * seen while learning?". Rules receive it through `ctx.baseline`. Any
 * baseline store can implement it: {@link MemoryBaselineView} learns exact
 * values in memory; {@link coreBaselineView} adapts the generalising
 * baselines of `@vigil/core` (`BaselineSet`, as `vigil learn` writes them).
 *
 * The engine runs baseline-aware rules only on events of workloads for which
 * {@link BaselineView.covers} is true.
 *
 * @example
 * ```ts
 * import type { BaselineView } from '@vigil/rules';
 *
 * function isNew(b: BaselineView, ev: VigilEvent): boolean {
 *   return b.covers(ev.workload) && !b.seen(ev);
 * }
 * ```
 */
export interface BaselineView {
  /** True when the baseline has learned this workload. */
  covers(workload: WorkloadRef): boolean;
  /**
   * True when the behaviour of this event (the process it runs, the file and
   * access mode it opens, the peer it reaches, the tool, model, Kubernetes or
   * cloud API it calls) was seen while learning its workload.
   */
  seen(event: VigilEvent): boolean;
  /**
   * True when the executable of this exec was run while learning, with any
   * arguments. Optional: a view that learns programs by path alone answers
   * {@link BaselineView.seen} the same way and need not implement it.
   */
  programSeen?(event: EventOf<'process.exec'>): boolean;
  /**
   * The tool definitions approved for an MCP server (tool name → {@link toolFingerprint}),
   * or undefined when the baseline holds none for it.
   */
  approvedTools(workload: WorkloadRef, server: string): ReadonlyMap<string, string> | undefined;
  /**
   * True when a drift detector checks the same baselines in the same run (`rulesCheckDetector`
   * sets it). Behaviour the baseline never saw is then reported once, by the drift rules, with
   * their provisional label and cap against a baseline still learning; rules that would only say
   * "never seen while learning" (`vigil.runtime.unexpected-process`) leave it to them.
   */
  readonly driftReports?: boolean;
}

/**
 * A stable fingerprint of an MCP tool definition (name, description and input
 * schema hash): two definitions with equal fingerprints are the same tool.
 *
 * @example
 * ```ts
 * toolFingerprint({ name: 'read_file', description: 'Read a file' }); // a 24-hex-digit string
 * ```
 */
export function toolFingerprint(def: ToolDefinition): string {
  return stableId(def.name, def.description ?? '', def.inputSchemaHash ?? '');
}

interface LearnedWorkload {
  processes: Set<string>;
  files: Set<string>;
  /** Address or DNS name → ports. */
  peers: Map<string, Set<number>>;
  dnsNames: Set<string>;
  /** Server → tools; verb → resources; service → actions (nested to avoid building keys per lookup). */
  tools: Map<string, Set<string>>;
  k8s: Map<string, Set<string>>;
  cloud: Map<string, Set<string>>;
  toolDefs: Map<string, Map<string, string>>;
  /** Retrievals as store, collection, operation and principal (see `retrievalObservations`). */
  retrievals: Set<string>;
  /** Event kinds seen, for kinds without a finer key. */
  other: Set<string>;
}

function add<K, V>(m: Map<K, Set<V>>, k: K, v: V): void {
  let set = m.get(k);
  if (set === undefined) {
    set = new Set();
    m.set(k, set);
  }
  set.add(v);
}

function emptyWorkload(): LearnedWorkload {
  return {
    processes: new Set(),
    files: new Set(),
    peers: new Map(),
    dnsNames: new Set(),
    tools: new Map(),
    k8s: new Map(),
    cloud: new Map(),
    toolDefs: new Map(),
    retrievals: new Set(),
    other: new Set(),
  };
}

/**
 * A {@link BaselineView} held in memory and learned from events: for tests,
 * notebooks and embedding without a baseline store. Exact matches only (no
 * generalisation of random file names).
 *
 * @example
 * ```ts
 * import { MemoryBaselineView } from '@vigil/rules';
 *
 * const baseline = MemoryBaselineView.fromEvents(learningEvents);
 * const engine = new RuleEngine({ packs: builtinPacks(), baseline });
 * ```
 */
export class MemoryBaselineView implements BaselineView {
  readonly #workloads = new Map<string, LearnedWorkload>();

  /** Learns every event of an iterable. */
  static fromEvents(events: Iterable<VigilEvent>): MemoryBaselineView {
    const view = new MemoryBaselineView();
    for (const ev of events) view.learn(ev);
    return view;
  }

  /** Marks a workload as learned even if no event of it was seen (it did nothing). */
  cover(workload: WorkloadRef): this {
    if (!this.#workloads.has(workload.id)) this.#workloads.set(workload.id, emptyWorkload());
    return this;
  }

  /** Adds what one event shows to the learned behaviour of its workload. */
  learn(ev: VigilEvent): void {
    const w = this.#workload(ev.workload.id);
    switch (ev.kind) {
      case 'process.exec':
        if (ev.result === undefined || ev.result >= 0) w.processes.add(ev.filename);
        break;
      case 'file.open':
        w.files.add(ev.path);
        break;
      case 'net.connect':
        add(w.peers, ev.daddr, ev.dport);
        if (ev.dnsName !== undefined) {
          add(w.peers, ev.dnsName, ev.dport);
          w.dnsNames.add(ev.dnsName);
        }
        break;
      case 'dns.query':
        w.dnsNames.add(ev.name);
        break;
      case 'tool.call':
        add(w.tools, ev.server, ev.tool);
        break;
      case 'tool.list': {
        const defs = new Map<string, string>();
        for (const t of ev.tools) defs.set(t.name, toolFingerprint(t));
        w.toolDefs.set(ev.server, defs);
        break;
      }
      case 'k8s.api':
        add(w.k8s, ev.verb, ev.resource);
        break;
      case 'cloud.api':
        add(w.cloud, ev.service, ev.action);
        break;
      case 'retrieval':
        for (const o of retrievalObservations(ev)) w.retrievals.add(o.segments.join('\u0000'));
        break;
      default:
        w.other.add(ev.kind);
        break;
    }
  }

  covers(workload: WorkloadRef): boolean {
    return this.#workloads.has(workload.id);
  }

  seen(ev: VigilEvent): boolean {
    const w = this.#workloads.get(ev.workload.id);
    if (!w) return false;
    switch (ev.kind) {
      case 'process.exec':
        return w.processes.has(ev.filename);
      case 'file.open':
        return w.files.has(ev.path);
      case 'net.connect':
        return (
          w.peers.get(ev.daddr)?.has(ev.dport) === true ||
          (ev.dnsName !== undefined && w.peers.get(ev.dnsName)?.has(ev.dport) === true)
        );
      case 'dns.query':
        return w.dnsNames.has(ev.name);
      case 'tool.call':
        return w.tools.get(ev.server)?.has(ev.tool) === true;
      case 'k8s.api':
        return w.k8s.get(ev.verb)?.has(ev.resource) === true;
      case 'cloud.api':
        return w.cloud.get(ev.service)?.has(ev.action) === true;
      case 'retrieval':
        return retrievalObservations(ev).every((o) => w.retrievals.has(o.segments.join('\u0000')));
      default:
        return w.other.has(ev.kind);
    }
  }

  approvedTools(workload: WorkloadRef, server: string): ReadonlyMap<string, string> | undefined {
    return this.#workloads.get(workload.id)?.toolDefs.get(server);
  }

  #workload(id: string): LearnedWorkload {
    let w = this.#workloads.get(id);
    if (!w) {
      w = emptyWorkload();
      this.#workloads.set(id, w);
    }
    return w;
  }
}
