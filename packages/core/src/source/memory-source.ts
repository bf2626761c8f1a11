import { VigilError } from '../errors/vigil-error.js';
import type { VigilEvent } from '../events/schema.js';
import type { EventSource, EventSourceOptions, SourceStats } from './event-source.js';

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
export class MemorySource implements EventSource {
  readonly name = 'memory';
  readonly #events: Iterable<VigilEvent> | AsyncIterable<VigilEvent>;
  readonly #options: MemorySourceOptions;
  #delivered = 0;
  #batches = 0;
  #closed = false;

  constructor(events: Iterable<VigilEvent> | AsyncIterable<VigilEvent>, options: MemorySourceOptions = {}) {
    this.#events = events;
    this.#options = options;
  }

  stats(): SourceStats {
    return { events: this.#delivered, batches: this.#batches, drops: {} };
  }

  async *[Symbol.asyncIterator](): AsyncIterator<VigilEvent[]> {
    const size = this.#options.batchSize ?? 1024;
    const signal = this.#options.signal;
    let batch: VigilEvent[] = [];
    for await (const ev of this.#events) {
      if (this.#closed) return;
      if (signal?.aborted) throw new VigilError('ABORTED', 'memory source aborted', { cause: signal.reason });
      batch.push(ev);
      if (batch.length >= size) {
        this.#delivered += batch.length;
        this.#batches++;
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0 && !this.#closed) {
      this.#delivered += batch.length;
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
