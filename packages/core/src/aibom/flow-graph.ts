import { z } from 'zod';
import { lazySchema } from '../schemas/lazy.js';

/** Schema version of the {@link ExecutionFlowGraph} document. */
export const FLOW_GRAPH_SCHEMA_VERSION = 1;

/**
 * The layers of the execution flow, left to right: the agent (a named agent
 * or the process running an agent framework), the tools and MCP servers it
 * invoked, the APIs (model endpoints, inference servers, remote services) it
 * reached, the data it touched (files, vector stores, retrieval sources) and
 * the identity it acted under (uid, service account, credential files).
 */
export const FlowNodeTypeSchema = lazySchema(() =>
  z.enum(['agent', 'tool', 'mcp-server', 'api', 'model', 'data', 'identity']),
);
/** @see {@link FlowNodeTypeSchema} */
export type FlowNodeType = 'model' | 'tool' | 'agent' | 'mcp-server' | 'api' | 'data' | 'identity';

/** A node of the execution-flow graph. */
export const FlowNodeSchema = lazySchema(() =>
  z.object({
    /** Stable within the document, e.g. `agent:w1:Assistant`, `api:127.0.0.1:8080`. */
    id: z.string().min(1),
    type: FlowNodeTypeSchema,
    label: z.string(),
    workloadId: z.string().optional(),
    /** The AI-BOM component this node stands for, when there is one. */
    componentId: z.string().optional(),
    properties: z.record(z.string(), z.string()),
  }),
);
/** @see {@link FlowNodeSchema} */
export interface FlowNode {
  /** Stable within the document, e.g. `agent:w1:Assistant`, `api:127.0.0.1:8080`. */
  id: string;
  type: FlowNodeType;
  label: string;
  workloadId?: string | undefined;
  /** The AI-BOM component this node stands for, when there is one. */
  componentId?: string | undefined;
  properties: Record<string, string>;
}

/**
 * How two nodes are related: an agent `invokes` a tool, a tool is
 * `served-by` an MCP server, an agent `spawns` a server process, a node
 * `calls` an API or `uses-model`, `reads`/`writes` data, `retrieves` from a
 * RAG source, and `runs-as` / `uses-credential` an identity.
 */
export const FlowRelationSchema = lazySchema(() =>
  z.enum([
    'invokes',
    'served-by',
    'spawns',
    'calls',
    'uses-model',
    'reads',
    'writes',
    'retrieves',
    'runs-as',
    'uses-credential',
  ]),
);
/** @see {@link FlowRelationSchema} */
export type FlowRelation =
  | 'invokes'
  | 'served-by'
  | 'spawns'
  | 'calls'
  | 'uses-model'
  | 'reads'
  | 'writes'
  | 'retrieves'
  | 'runs-as'
  | 'uses-credential';

/** An edge of the execution-flow graph, with how often and when it was seen. */
export const FlowEdgeSchema = lazySchema(() =>
  z.object({
    from: z.string(),
    to: z.string(),
    relation: FlowRelationSchema,
    count: z.number().int().nonnegative(),
    /** Nanoseconds since the epoch. */
    firstSeen: z.number().nonnegative(),
    lastSeen: z.number().nonnegative(),
    /** Event kinds that showed this edge. */
    evidence: z.array(z.string()),
  }),
);
/** @see {@link FlowEdgeSchema} */
export interface FlowEdge {
  from: string;
  to: string;
  relation: FlowRelation;
  count: number;
  /** Nanoseconds since the epoch. */
  firstSeen: number;
  lastSeen: number;
  /** Event kinds that showed this edge. */
  evidence: string[];
}

/**
 * The execution-flow graph, Agent → Tool → API → Data → Identity, per
 * workload (every node carries its `workloadId`). A JSON document with its
 * own schema version; the HTML reporter draws it.
 *
 * @example
 * ```ts
 * import { ExecutionFlowGraphSchema } from '@vigil/core';
 *
 * const graph = ExecutionFlowGraphSchema.parse(bom.flow);
 * for (const e of graph.edges) console.log(e.from, e.relation, e.to, e.count);
 * ```
 */
export const ExecutionFlowGraphSchema = lazySchema(() =>
  z.object({
    schemaVersion: z.literal(FLOW_GRAPH_SCHEMA_VERSION),
    nodes: z.array(FlowNodeSchema),
    edges: z.array(FlowEdgeSchema),
    /** True when the graph hit its size limit and some nodes or edges were left out. */
    truncated: z.boolean(),
  }),
);
/** @see {@link ExecutionFlowGraphSchema} */
export interface ExecutionFlowGraph {
  schemaVersion: 1;
  nodes: FlowNode[];
  edges: FlowEdge[];
  /** True when the graph hit its size limit and some nodes or edges were left out. */
  truncated: boolean;
}
