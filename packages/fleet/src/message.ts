import { createHash } from 'node:crypto';
import { fromZodError, lazySchema, VigilError } from '@vigil/core';
import { z } from 'zod';
import type { FleetMessageKind } from './subjects.js';

/**
 * Version of the fleet message envelope.
 *
 * @example
 * ```ts
 * if (message.v !== FLEET_MESSAGE_VERSION) throw new Error('unknown version');
 * ```
 */
export const FLEET_MESSAGE_VERSION = 1;

/**
 * Where a message comes from: the node, the publisher instance on it (new
 * each start) and optional cluster and labels.
 *
 * @example
 * ```ts
 * const ctx: NodeContext = { node: 'node-a', instance: '6f1c…', cluster: 'prod-eu' };
 * ```
 */
export const NodeContextSchema = lazySchema(() =>
  z.object({
    node: z.string().min(1),
    instance: z.string().min(1),
    cluster: z.string().optional(),
    labels: z.record(z.string(), z.string()).optional(),
  }),
);
/** @see {@link NodeContextSchema} */
export interface NodeContext {
  node: string;
  instance: string;
  cluster?: string | undefined;
  labels?: Record<string, string> | undefined;
}

/**
 * Every fleet message: the kind, the node, the workload key (the baseline
 * subject replicas share), when it was enqueued (ms) and the body, whose
 * shape the kind decides (a finding, an incident, a baseline document, an
 * AI-BOM, an observed-use document or a batch of events).
 *
 * @example
 * ```ts
 * import { FleetMessageSchema } from '@vigil/fleet';
 *
 * const m = FleetMessageSchema.parse(JSON.parse(text));
 * console.log(m.kind, m.node.node, m.workloadKey);
 * ```
 */
export const FleetMessageSchema = lazySchema(() =>
  z.object({
    v: z.literal(FLEET_MESSAGE_VERSION),
    kind: z.enum(['finding', 'incident', 'baseline', 'aibom', 'gap', 'events']),
    node: NodeContextSchema,
    workloadKey: z.string().min(1),
    ts: z.number().nonnegative(),
    body: z.unknown(),
  }),
);
/** @see {@link FleetMessageSchema} */
export interface FleetMessage {
  v: 1;
  kind: 'finding' | 'incident' | 'baseline' | 'aibom' | 'gap' | 'events';
  node: NodeContext;
  workloadKey: string;
  ts: number;
  body: unknown;
}

/**
 * The stable id of a message: a hash of its kind, node, workload and body
 * (not its time), so the same content sent twice — a retry, a spool drained
 * after a restart — carries the same `Nats-Msg-Id` and JetStream keeps one.
 *
 * @example
 * ```ts
 * fleetMessageId('finding', 'node-a', 'k8s:ai/agent/agent', '{"id":"f-1"}');
 * ```
 */
export function fleetMessageId(
  kind: FleetMessageKind,
  node: string,
  workloadKey: string,
  body: string,
): string {
  return createHash('sha256').update(`${kind}\0${node}\0${workloadKey}\0${body}`).digest('hex').slice(0, 32);
}

/** Reads a fleet message; a bad one is a VigilError naming the subject and the JSON path. */
export function parseFleetMessage(
  text: string,
  subject: string,
): { ok: true; message: FleetMessage } | { ok: false; error: VigilError } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    return {
      ok: false,
      error: new VigilError(
        'PARSE',
        `fleet message on ${subject}: expected JSON (${(cause as Error).message})`,
        {
          location: { file: subject },
        },
      ),
    };
  }
  const r = FleetMessageSchema.safeParse(raw);
  if (!r.success)
    return { ok: false, error: fromZodError(r.error, `fleet message on ${subject}`, { file: subject }) };
  return { ok: true, message: r.data };
}
