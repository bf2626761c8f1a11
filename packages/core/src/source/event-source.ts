import type { VigilEvent } from '../events/schema.js';

/** Counters every source reports. */
export interface SourceStats {
  /** Events delivered to the consumer. */
  readonly events: number;
  /** Batches delivered. */
  readonly batches: number;
  /** Events lost before delivery, by cause (e.g. `ringbuf-full`, `consumer-refused`). Exact, not estimated. */
  readonly drops: Readonly<Record<string, number>>;
}

/**
 * Where events come from: live capture, a replayed capture file, ingested
 * OpenTelemetry spans or audit logs. A source is an async iterable of event
 * batches; iterate it once. `close()` is idempotent and ends the iteration.
 *
 * @example
 * ```ts
 * import { ReplaySource } from '@vigil/core';
 *
 * const source = new ReplaySource(['run.vcap']);
 * for await (const batch of source) for (const ev of batch) console.log(ev.kind);
 * await source.close();
 * ```
 */
export interface EventSource extends AsyncIterable<VigilEvent[]> {
  /** A short name for logs and stats, e.g. `replay`, `ebpf`. */
  readonly name: string;
  /** Counters so far. */
  stats(): SourceStats;
  /** Stops the source and releases what it holds. Idempotent. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Options every built-in source accepts. */
export interface EventSourceOptions {
  /** Ends the iteration when aborted; the iterator then throws a `VigilError` with code `ABORTED`. */
  readonly signal?: AbortSignal;
}
