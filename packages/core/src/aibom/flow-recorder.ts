import {
  type ExecutionFlowGraph,
  FLOW_GRAPH_SCHEMA_VERSION,
  type FlowEdge,
  type FlowNode,
  type FlowNodeType,
  type FlowRelation,
} from './flow-graph.js';

const MAX_SAMPLES = 5;

/** What an edge observation needs: an event, or a declaration placed at a time. */
export interface EdgeEvidence {
  readonly ts: number;
  readonly kind: string;
  readonly source?: string | undefined;
}

/** Accumulates the execution-flow graph with bounded size. Internal to the AI-BOM builder. */
export class FlowGraphRecorder {
  readonly #maxNodes: number;
  readonly #nodes = new Map<string, FlowNode & { samples?: Set<string> }>();
  readonly #notes = new Map<string, Map<string, { max: number; values: Set<string> }>>();
  readonly #edges = new Map<string, FlowEdge & { kinds: Set<string> }>();
  #truncated = false;

  constructor(maxNodes: number) {
    this.#maxNodes = maxNodes;
  }

  /** Adds (or finds) a node and returns its id, or `undefined` when the graph is full. */
  node(
    type: FlowNodeType,
    workloadId: string,
    key: string,
    label: string,
    properties: Record<string, string>,
    componentId?: string,
  ): string | undefined {
    const id = `${type}:${workloadId}:${key}`;
    const had = this.#nodes.get(id);
    if (had) {
      // A peer drawn from its connects before payloads named it takes the component's label.
      if (componentId && !had.componentId) {
        had.componentId = componentId;
        had.label = label;
      }
      return id;
    }
    if (this.#nodes.size >= this.#maxNodes) {
      this.#truncated = true;
      return undefined;
    }
    this.#nodes.set(id, {
      id,
      type,
      label,
      workloadId,
      ...(componentId ? { componentId } : {}),
      properties: { ...properties },
    });
    return id;
  }

  /**
   * Adds values to a list property of a node (who called a model, say), written as the first `max`
   * distinct values joined by commas, then `and N more`.
   */
  note(id: string | undefined, key: string, values: readonly string[], max = 4): void {
    if (id === undefined || !this.#nodes.has(id) || values.length === 0) return;
    const notes = this.#notes.get(id) ?? new Map<string, { max: number; values: Set<string> }>();
    this.#notes.set(id, notes);
    const set = notes.get(key) ?? { max, values: new Set<string>() };
    notes.set(key, set);
    // Bounded: past a few hundred distinct values only the count would change.
    for (const v of values) if (set.values.size < 256) set.values.add(v);
  }

  /**
   * Gives a node a new type (and label and properties), moving its edges with it: what a peer is
   * may only be known after it was first drawn (a payload parsed later names its protocol). Returns
   * the node's new id, or the old one when there is no such node.
   */
  retype(id: string, type: FlowNodeType, label: string, properties: Record<string, string>): string {
    const n = this.#nodes.get(id);
    if (!n) return id;
    const rest = id.slice(n.type.length + 1);
    const next = `${type}:${rest}`;
    if (next === id) {
      n.label = label;
      Object.assign(n.properties, properties);
      return id;
    }
    this.#nodes.delete(id);
    const notes = this.#notes.get(id);
    if (notes && !this.#notes.has(next)) this.#notes.set(next, notes);
    this.#notes.delete(id);
    const had = this.#nodes.get(next);
    if (had) Object.assign(had.properties, properties);
    else
      this.#nodes.set(next, { ...n, id: next, type, label, properties: { ...n.properties, ...properties } });
    for (const [key, e] of [...this.#edges]) {
      if (e.from !== id && e.to !== id) continue;
      this.#edges.delete(key);
      const moved = { ...e, from: e.from === id ? next : e.from, to: e.to === id ? next : e.to };
      const nextKey = `${moved.from}\u0000${moved.relation}\u0000${moved.to}`;
      const into = this.#edges.get(nextKey);
      if (!into) {
        this.#edges.set(nextKey, moved);
        continue;
      }
      into.count += moved.count;
      into.firstSeen = Math.min(into.firstSeen, moved.firstSeen);
      into.lastSeen = Math.max(into.lastSeen, moved.lastSeen);
      for (const k of moved.kinds) into.kinds.add(k);
    }
    return next;
  }

  /** Adds one observation of an edge; `sample` (a file name) is kept on the target node, a few per node. */
  edge(
    from: string | undefined,
    to: string | undefined,
    relation: FlowRelation,
    ev: EdgeEvidence,
    sample?: string,
  ): void {
    if (!from || !to || from === to) return;
    const key = `${from}\u0000${relation}\u0000${to}`;
    let e = this.#edges.get(key);
    if (!e) {
      if (this.#edges.size >= this.#maxNodes * 4) {
        this.#truncated = true;
        return;
      }
      e = { from, to, relation, count: 0, firstSeen: ev.ts, lastSeen: ev.ts, evidence: [], kinds: new Set() };
      this.#edges.set(key, e);
    }
    e.count++;
    if (ev.ts < e.firstSeen) e.firstSeen = ev.ts;
    if (ev.ts > e.lastSeen) e.lastSeen = ev.ts;
    e.kinds.add(`${ev.kind}${ev.source === 'otel' ? ' (span)' : ''}`);
    if (sample) {
      const n = this.#nodes.get(to);
      if (n) {
        n.samples ??= new Set();
        if (n.samples.size < MAX_SAMPLES) n.samples.add(sample);
      }
    }
  }

  graph(): ExecutionFlowGraph {
    const nodes: FlowNode[] = [...this.#nodes.values()].map(({ samples, ...n }) => {
      const properties: Record<string, string> = samples
        ? { ...n.properties, files: [...samples].join(', ') }
        : { ...n.properties };
      for (const [key, { max, values }] of this.#notes.get(n.id) ?? []) {
        const list = [...values];
        properties[key] =
          `${list.slice(0, max).join(', ')}${list.length > max ? `, and ${list.length - max} more` : ''}`;
      }
      return { ...n, properties };
    });
    const edges: FlowEdge[] = [...this.#edges.values()].map(({ kinds, ...e }) => ({
      ...e,
      evidence: [...kinds].sort(),
    }));
    nodes.sort((a, b) => a.id.localeCompare(b.id));
    edges.sort(
      (a, b) =>
        a.from.localeCompare(b.from) || a.to.localeCompare(b.to) || a.relation.localeCompare(b.relation),
    );
    return { schemaVersion: FLOW_GRAPH_SCHEMA_VERSION, nodes, edges, truncated: this.#truncated };
  }
}
