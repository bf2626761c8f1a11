import { VigilError } from '../errors/vigil-error.js';
import type { VigilEvent } from '../events/schema.js';
import type { EventSource, SourceStats } from './event-source.js';

/**
 * The bookkeeping every built-in {@link EventSource} shares: events and batches delivered, drops by
 * cause, one iteration, and an idempotent `close()` that also serves `Symbol.asyncDispose`. A source
 * extends it, iterates with {@link EventSourceBase.begin} first, yields through
 * {@link EventSourceBase.deliver}, and releases what it holds in {@link EventSourceBase.onClose}.
 * Your own sources can extend it too.
 *
 * @example
 * ```ts
 * import { EventSourceBase, type VigilEvent } from '@vigil/core';
 *
 * class ArraySource extends EventSourceBase {
 *   override readonly name = 'array';
 *   constructor(private readonly events: VigilEvent[]) {
 *     super();
 *   }
 *   override async *[Symbol.asyncIterator](): AsyncIterator<VigilEvent[]> {
 *     this.begin('an ArraySource');
 *     if (!this.closed && this.events.length > 0) yield this.deliver(this.events);
 *   }
 * }
 * ```
 */
export abstract class EventSourceBase implements EventSource {
  abstract readonly name: string;
  #events = 0;
  #batches = 0;
  readonly #drops: Record<string, number> = {};
  #started = false;
  #closed = false;

  /** Whether `close()` was called: an iteration checks it between batches and ends. */
  protected get closed(): boolean {
    return this.#closed;
  }

  /** Marks the one iteration as started; a second one is a `SOURCE_CLOSED` error naming the source (`a ReplaySource`). */
  protected begin(what: string): void {
    if (this.#started) throw new VigilError('SOURCE_CLOSED', `${what} can be iterated once`);
    this.#started = true;
  }

  /** Counts a batch as delivered and returns it, to be yielded. */
  protected deliver(batch: VigilEvent[]): VigilEvent[] {
    this.#events += batch.length;
    this.#batches++;
    return batch;
  }

  /** Counts events lost before delivery under a cause. */
  protected drop(cause: string, n = 1): void {
    this.#drops[cause] = (this.#drops[cause] ?? 0) + n;
  }

  stats(): SourceStats {
    return { events: this.#events, batches: this.#batches, drops: { ...this.#drops } };
  }

  abstract [Symbol.asyncIterator](): AsyncIterator<VigilEvent[]>;

  /** Releases what the source holds; called once, by the first `close()`. */
  protected onClose(): Promise<void> | void {}

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.onClose();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
