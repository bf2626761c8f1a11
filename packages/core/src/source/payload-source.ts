import { UNDECODED_PAYLOAD_PREFIX } from '../capture/drops.js';
import { VigilError } from '../errors/vigil-error.js';
import type { VigilEvent } from '../events/schema.js';
import type { PayloadChunk } from '../payload/chunk.js';
import { PayloadDecoder, type PayloadDecoderOptions } from '../payload/decoder.js';
import { EventSourceBase } from './base-source.js';
import type { EventSourceOptions, SourceStats } from './event-source.js';

/** Options for {@link PayloadSource}. */
export interface PayloadSourceOptions extends PayloadDecoderOptions, EventSourceOptions {}

/**
 * An {@link EventSource} over captured payload chunks: decodes each batch
 * with a {@link PayloadDecoder} and delivers the `model.call`, `tool.call` and
 * `tool.list` events it completes, then, when the chunks end, what was still
 * open (marked partial). Input the decoder skipped is reported in
 * `stats().drops` as `payload:<reason>`.
 *
 * @example
 * ```ts
 * import { PayloadSource, Vigil } from '@vigil/core';
 *
 * const vigil = new Vigil({ source: new PayloadSource(chunkBatches, { mode: 'meta' }) });
 * await vigil.run();
 * ```
 */
export class PayloadSource extends EventSourceBase {
  override readonly name = 'payload';
  /** The decoder, for its counters and `error` events. */
  readonly decoder: PayloadDecoder;
  readonly #chunks: AsyncIterable<readonly PayloadChunk[]> | Iterable<readonly PayloadChunk[]>;
  readonly #signal: AbortSignal | undefined;

  constructor(
    chunks: AsyncIterable<readonly PayloadChunk[]> | Iterable<readonly PayloadChunk[]>,
    options: PayloadSourceOptions = {},
  ) {
    super();
    this.#chunks = chunks;
    this.#signal = options.signal;
    this.decoder = new PayloadDecoder(options);
  }

  // Drops are the decoder's skipped payloads, by reason.
  override stats(): SourceStats {
    const drops: Record<string, number> = {};
    for (const [reason, n] of Object.entries(this.decoder.stats().skipped))
      drops[`${UNDECODED_PAYLOAD_PREFIX}${reason}`] = n;
    return { ...super.stats(), drops };
  }

  override async *[Symbol.asyncIterator](): AsyncIterator<VigilEvent[]> {
    for await (const batch of this.#chunks) {
      if (this.closed) return;
      if (this.#signal?.aborted)
        throw new VigilError('ABORTED', 'payload source aborted', { cause: this.#signal.reason });
      const out: VigilEvent[] = [];
      for (const chunk of batch) for (const ev of this.decoder.push(chunk)) out.push(ev);
      if (out.length > 0) yield this.deliver(out);
    }
    if (this.closed) return;
    const rest = this.decoder.end();
    if (rest.length > 0) yield this.deliver(rest);
  }
}
