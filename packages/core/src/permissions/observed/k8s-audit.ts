import { z } from 'zod';
import { fromZodError } from '../../errors/from-zod.js';
import { VigilError } from '../../errors/vigil-error.js';
import type { EventOf, VigilEvent } from '../../events/schema.js';
import { inputLimits } from '../../limits/input-limits.js';
import { guardJson } from '../../limits/internal/json-guard.js';
import type { EventSource, EventSourceOptions, SourceStats } from '../../source/event-source.js';
import type { WorkloadRef } from '../../workload/workload-ref.js';
import { boundedLines, type InvalidRecordReason, isoToNs, openMaybeGzip } from '../internal/stream-text.js';

/** The fields of an `audit.k8s.io/v1` Event that Vigil reads. */
export const KubernetesAuditEventSchema = z.object({
  apiVersion: z.literal('audit.k8s.io/v1'),
  kind: z.literal('Event'),
  level: z.string().optional(),
  auditID: z.string().optional(),
  stage: z.enum(['RequestReceived', 'ResponseStarted', 'ResponseComplete', 'Panic']),
  requestURI: z.string(),
  verb: z.string().min(1),
  user: z.object({ username: z.string().optional(), groups: z.array(z.string()).optional() }).passthrough(),
  impersonatedUser: z.object({ username: z.string().optional() }).passthrough().optional(),
  sourceIPs: z.array(z.string()).optional(),
  userAgent: z.string().optional(),
  objectRef: z
    .object({
      resource: z.string().optional(),
      namespace: z.string().optional(),
      name: z.string().optional(),
      apiGroup: z.string().optional(),
      apiVersion: z.string().optional(),
      subresource: z.string().optional(),
    })
    .passthrough()
    .optional(),
  responseStatus: z.object({ code: z.number().int().optional() }).passthrough().optional(),
  requestReceivedTimestamp: z.string().optional(),
  stageTimestamp: z.string().optional(),
});
/** @see {@link KubernetesAuditEventSchema} */
export type KubernetesAuditEvent = z.infer<typeof KubernetesAuditEventSchema>;

/** Options for {@link KubernetesAuditSource}. */
export interface KubernetesAuditSourceOptions extends EventSourceOptions {
  /**
   * `error` (default) stops at the first invalid line; `skip` counts it in `stats().drops` under its
   * reason (`invalid-json`, `invalid-shape`, `over-limit`) and goes on.
   */
  readonly onInvalid?: 'error' | 'skip';
  /** Longest line accepted, in bytes. Default `INPUT_LIMITS['k8s-audit'].maxLineBytes` (4 MiB). */
  readonly maxLineBytes?: number;
  /** Events per batch. Default 1024. */
  readonly batchSize?: number;
}

function auditWorkload(user: string): WorkloadRef {
  const sa = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(user);
  return sa
    ? {
        id: `k8s:serviceaccount:${sa[1]}/${sa[2]}`,
        kind: 'external',
        name: sa[2]!,
        namespace: sa[1]!,
        serviceAccount: sa[2]!,
        labels: {},
      }
    : { id: `k8s:user:${user}`, kind: 'external', name: user, labels: {} };
}

/**
 * Converts one audit event into a `k8s.api` event, or `undefined` for stages
 * other than `ResponseComplete` and `Panic` (each request is counted once).
 *
 * @example
 * ```ts
 * import { auditEventToVigil, KubernetesAuditEventSchema } from '@vigil/core';
 *
 * const ev = auditEventToVigil(KubernetesAuditEventSchema.parse(JSON.parse(line)));
 * ```
 */
export function auditEventToVigil(a: KubernetesAuditEvent): EventOf<'k8s.api'> | undefined {
  if (a.stage !== 'ResponseComplete' && a.stage !== 'Panic') return undefined;
  const user = a.impersonatedUser?.username ?? a.user.username ?? 'system:anonymous';
  const ts = isoToNs(a.stageTimestamp ?? a.requestReceivedTimestamp ?? '') ?? 0;
  const o = a.objectRef;
  const code = a.responseStatus?.code ?? (a.stage === 'Panic' ? 500 : undefined);
  const base = {
    kind: 'k8s.api' as const,
    ts,
    workload: auditWorkload(user),
    pid: 0,
    ppid: 0,
    comm: 'kube-apiserver',
    exe: '',
    source: 'k8s-audit' as const,
    verb: a.verb,
    user,
    ...(code !== undefined ? { responseCode: code } : {}),
  };
  if (!o?.resource) {
    const url = a.requestURI.split('?')[0] ?? a.requestURI;
    return { ...base, resource: '', nonResourceUrl: url };
  }
  return {
    ...base,
    resource: o.resource,
    apiGroup: o.apiGroup ?? '',
    ...(o.subresource ? { subresource: o.subresource } : {}),
    ...(o.namespace ? { namespace: o.namespace } : {}),
    ...(o.name ? { name: o.name } : {}),
  };
}

/**
 * Streams a Kubernetes audit log (`audit.k8s.io/v1` events, one JSON object
 * per line, as the API server's log backend writes it; gzip accepted) as
 * `k8s.api` events, in constant memory. Invalid lines raise a
 * {@link VigilError} naming the file and line.
 *
 * @example
 * ```ts
 * import { KubernetesAuditSource, ObservedUseAccumulator, Vigil } from '@vigil/core';
 *
 * const acc = new ObservedUseAccumulator();
 * await new Vigil({ source: new KubernetesAuditSource('audit.log'), consumers: [acc] }).run();
 * ```
 */
export class KubernetesAuditSource implements EventSource {
  readonly name = 'k8s-audit';
  readonly path: string;
  /** Events skipped because they are an earlier stage of a request counted at `ResponseComplete`. */
  skippedStages = 0;
  readonly #options: KubernetesAuditSourceOptions;
  #events = 0;
  #batches = 0;
  readonly #drops: Record<string, number> = {};
  #closed = false;
  #started = false;

  constructor(path: string, options: KubernetesAuditSourceOptions = {}) {
    this.path = path;
    this.#options = options;
  }

  stats(): SourceStats {
    return { events: this.#events, batches: this.#batches, drops: { ...this.#drops } };
  }

  #invalid(err: VigilError, reason: InvalidRecordReason): void {
    if (this.#options.onInvalid === 'skip') this.#drops[reason] = (this.#drops[reason] ?? 0) + 1;
    else throw err;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<VigilEvent[]> {
    if (this.#started) throw new VigilError('SOURCE_CLOSED', 'a KubernetesAuditSource can be iterated once');
    this.#started = true;
    const size = this.#options.batchSize ?? 1024;
    const signal = this.#options.signal;
    const chunks = await openMaybeGzip(this.path, signal);
    let batch: VigilEvent[] = [];
    const limits = inputLimits('k8s-audit', {
      ...(this.#options.maxLineBytes !== undefined ? { maxLineBytes: this.#options.maxLineBytes } : {}),
    });
    let sawLine = false;
    const skip = this.#options.onInvalid === 'skip';
    const onTooLong = skip
      ? (line: number) => {
          sawLine = true;
          this.#invalid(
            new VigilError('INPUT_INVALID', 'line too long', { location: { file: this.path, line } }),
            'over-limit',
          );
        }
      : undefined;
    for await (const [text, line] of boundedLines(chunks, this.path, limits.maxLineBytes, onTooLong)) {
      if (this.#closed) return;
      if (signal?.aborted)
        throw new VigilError('ABORTED', 'audit log read aborted', { cause: signal.reason });
      const trimmed = text.trim();
      if (trimmed.length === 0) continue;
      sawLine = true;
      let raw: unknown;
      try {
        guardJson(trimmed, this.path, limits, 'audit event', line);
      } catch (cause) {
        this.#invalid(cause as VigilError, 'over-limit');
        continue;
      }
      try {
        raw = JSON.parse(trimmed);
      } catch (cause) {
        this.#invalid(
          new VigilError(
            'PARSE',
            `not JSON (expected one audit.k8s.io/v1 Event per line): ${(cause as Error).message}`,
            {
              cause,
              location: { file: this.path, line },
            },
          ),
          'invalid-json',
        );
        continue;
      }
      const items =
        raw !== null && typeof raw === 'object' && (raw as { kind?: unknown }).kind === 'EventList'
          ? ((raw as { items?: unknown[] }).items ?? [])
          : [raw];
      for (const [i, item] of items.entries()) {
        const r = KubernetesAuditEventSchema.safeParse(item);
        if (!r.success) {
          this.#invalid(
            fromZodError(r.error, 'Kubernetes audit event', {
              file: this.path,
              line,
              ...(items.length > 1 ? { path: ['items', i] } : {}),
            }),
            'invalid-shape',
          );
          continue;
        }
        const ev = auditEventToVigil(r.data);
        if (!ev) {
          this.skippedStages++;
          continue;
        }
        batch.push(ev);
        if (batch.length >= size) {
          this.#events += batch.length;
          this.#batches++;
          yield batch;
          batch = [];
        }
      }
    }
    if (!sawLine && !this.#closed && !signal?.aborted)
      throw new VigilError(
        'INPUT_INVALID',
        'no audit events: the file is empty (expected one audit.k8s.io/v1 Event per line)',
        {
          location: { file: this.path },
        },
      );
    if (batch.length > 0 && !this.#closed) {
      this.#events += batch.length;
      this.#batches++;
      yield batch;
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
