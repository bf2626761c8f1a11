import { fromZodError } from '../errors/from-zod.js';
import { VigilError } from '../errors/vigil-error.js';
import type { VigilEvent } from '../events/schema.js';
import { inputLimits } from '../limits/input-limits.js';
import { guardJson } from '../limits/json-guard.js';
import { auditEventToVigil, KubernetesAuditEventSchema } from '../permissions/observed/k8s-audit.js';
import { safeParseDocument } from '../readers/document-value.js';
import { boundedLines, type InvalidRecordReason, openMaybeGzip } from '../readers/stream-text.js';
import { EventSourceBase } from './base-source.js';
import type { EventSourceOptions } from './event-source.js';

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
export class KubernetesAuditSource extends EventSourceBase {
  override readonly name = 'k8s-audit';
  readonly path: string;
  /** Events skipped because they are an earlier stage of a request counted at `ResponseComplete`. */
  skippedStages = 0;
  readonly #options: KubernetesAuditSourceOptions;

  constructor(path: string, options: KubernetesAuditSourceOptions = {}) {
    super();
    this.path = path;
    this.#options = options;
  }

  #invalid(err: VigilError, reason: InvalidRecordReason): void {
    if (this.#options.onInvalid === 'skip') this.drop(reason);
    else throw err;
  }

  override async *[Symbol.asyncIterator](): AsyncIterator<VigilEvent[]> {
    this.begin('a KubernetesAuditSource');
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
      if (this.closed) return;
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
        const r = safeParseDocument(KubernetesAuditEventSchema, item);
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
          yield this.deliver(batch);
          batch = [];
        }
      }
    }
    if (!sawLine && !this.closed && !signal?.aborted)
      throw new VigilError(
        'INPUT_INVALID',
        'no audit events: the file is empty (expected one audit.k8s.io/v1 Event per line)',
        {
          location: { file: this.path },
        },
      );
    if (batch.length > 0 && !this.closed) {
      yield this.deliver(batch);
    }
  }
}
