import { VigilError } from '../errors/vigil-error.js';
import type { VigilEvent } from '../events/schema.js';
import { EventSourceBase } from './base-source.js';
import type { EventSourceOptions } from './event-source.js';

/** Options for {@link MemorySource}. */
export interface MemorySourceOptions extends EventSourceOptions {
  /** Events per batch. Default 1024. */
  readonly batchSize?: number;
}

/**
 * An {@link EventSource} over events already in memory (or any iterable of
 * them): for notebooks, tests and events produced by your own code.
 *
 * @example
 * ```ts
 * import { MemorySource, Vigil } from '@vigil/core';
 *
 * const vigil = new Vigil({ source: new MemorySource(events) });
 * await vigil.run();
 * ```
 */
export class MemorySource extends EventSourceBase {
  override readonly name = 'memory';
  readonly #events: Iterable<VigilEvent> | AsyncIterable<VigilEvent>;
  readonly #options: MemorySourceOptions;

  constructor(events: Iterable<VigilEvent> | AsyncIterable<VigilEvent>, options: MemorySourceOptions = {}) {
    super();
    this.#events = events;
    this.#options = options;
  }

  override async *[Symbol.asyncIterator](): AsyncIterator<VigilEvent[]> {
    const size = this.#options.batchSize ?? 1024;
    const signal = this.#options.signal;
    let batch: VigilEvent[] = [];
    for await (const ev of this.#events) {
      if (this.closed) return;
      if (signal?.aborted) throw new VigilError('ABORTED', 'memory source aborted', { cause: signal.reason });
      batch.push(ev);
      if (batch.length >= size) {
        yield this.deliver(batch);
        batch = [];
      }
    }
    if (batch.length > 0 && !this.closed) yield this.deliver(batch);
  }
}
