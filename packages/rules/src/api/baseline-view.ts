import type { ToolDefinition, VigilEvent } from '@vigil/core';
import { stableId } from '../internal/hash.js';

/** A network peer as a baseline lookup sees it. */
export interface PeerRef {
  readonly address: string;
  readonly port: number;
  /** The DNS name the address was resolved from, when known. */
  readonly dnsName?: string | undefined;
}

/**
 * What baseline-aware rules ask of a workload's learned behaviour: "was this
 * seen while learning?". Rules receive it through `ctx.baseline`; any
 * baseline store can implement it (see {@link MemoryBaselineView} for an
 * in-memory one).
 *
 * Every lookup is only meaningful when {@link BaselineView.covers} is true for
 * the workload; the engine does not run baseline-aware rules on events of
 * workloads the baseline does not cover.
 *
 * @example
 * ```ts
 * import type { BaselineView } from '@vigil/rules';
 *
 * function isNewBinary(b: BaselineView, workloadId: string, exe: string): boolean {
 *   return b.covers(workloadId) && !b.seenProcess(workloadId, exe);
 * }
 * ```
 */
export interface BaselineView {
  /** True when the baseline has learned this workload. */
  covers(workloadId: string): boolean;
  /** The executable was run by the workload while learning. */
  seenProcess(workloadId: string, exe: string): boolean;
  /** The file was opened by the workload while learning. */
  seenFile(workloadId: string, path: string): boolean;
  /** The workload connected to this peer (address and port, or DNS name) while learning. */
  seenPeer(workloadId: string, peer: PeerRef): boolean;
  /** The workload resolved this DNS name while learning. */
  seenDnsName(workloadId: string, name: string): boolean;
  /** The workload called this tool of this MCP server while learning. */
  seenTool(workloadId: string, server: string, tool: string): boolean;
  /** The workload made this Kubernetes API call (verb on resource) while learning. */
  seenK8s(workloadId: string, verb: string, resource: string): boolean;
  /** The workload made this cloud API call while learning. */
  seenCloud(workloadId: string, service: string, action: string): boolean;
  /**
   * The tool definitions approved for an MCP server (tool name → {@link toolFingerprint}),
   * or undefined when the baseline holds none for it.
   */
  approvedTools(workloadId: string, server: string): ReadonlyMap<string, string> | undefined;
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
  peers: Set<string>;
  dnsNames: Set<string>;
  tools: Set<string>;
  k8s: Set<string>;
  cloud: Set<string>;
  toolDefs: Map<string, Map<string, string>>;
}

function emptyWorkload(): LearnedWorkload {
  return {
    processes: new Set(),
    files: new Set(),
    peers: new Set(),
    dnsNames: new Set(),
    tools: new Set(),
    k8s: new Set(),
    cloud: new Set(),
    toolDefs: new Map(),
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
  cover(workloadId: string): this {
    if (!this.#workloads.has(workloadId)) this.#workloads.set(workloadId, emptyWorkload());
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
        w.peers.add(`${ev.daddr}:${ev.dport}`);
        if (ev.dnsName !== undefined) {
          w.peers.add(`${ev.dnsName}:${ev.dport}`);
          w.dnsNames.add(ev.dnsName);
        }
        break;
      case 'dns.query':
        w.dnsNames.add(ev.name);
        break;
      case 'tool.call':
        w.tools.add(`${ev.server}\u0000${ev.tool}`);
        break;
      case 'tool.list': {
        const defs = new Map<string, string>();
        for (const t of ev.tools) defs.set(t.name, toolFingerprint(t));
        w.toolDefs.set(ev.server, defs);
        break;
      }
      case 'k8s.api':
        w.k8s.add(`${ev.verb}\u0000${ev.resource}`);
        break;
      case 'cloud.api':
        w.cloud.add(`${ev.service}\u0000${ev.action}`);
        break;
      default:
        break;
    }
  }

  covers(workloadId: string): boolean {
    return this.#workloads.has(workloadId);
  }
  seenProcess(workloadId: string, exe: string): boolean {
    return this.#workloads.get(workloadId)?.processes.has(exe) ?? false;
  }
  seenFile(workloadId: string, path: string): boolean {
    return this.#workloads.get(workloadId)?.files.has(path) ?? false;
  }
  seenPeer(workloadId: string, peer: PeerRef): boolean {
    const w = this.#workloads.get(workloadId);
    if (!w) return false;
    if (w.peers.has(`${peer.address}:${peer.port}`)) return true;
    return peer.dnsName !== undefined && w.peers.has(`${peer.dnsName}:${peer.port}`);
  }
  seenDnsName(workloadId: string, name: string): boolean {
    return this.#workloads.get(workloadId)?.dnsNames.has(name) ?? false;
  }
  seenTool(workloadId: string, server: string, tool: string): boolean {
    return this.#workloads.get(workloadId)?.tools.has(`${server}\u0000${tool}`) ?? false;
  }
  seenK8s(workloadId: string, verb: string, resource: string): boolean {
    return this.#workloads.get(workloadId)?.k8s.has(`${verb}\u0000${resource}`) ?? false;
  }
  seenCloud(workloadId: string, service: string, action: string): boolean {
    return this.#workloads.get(workloadId)?.cloud.has(`${service}\u0000${action}`) ?? false;
  }
  approvedTools(workloadId: string, server: string): ReadonlyMap<string, string> | undefined {
    return this.#workloads.get(workloadId)?.toolDefs.get(server);
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
