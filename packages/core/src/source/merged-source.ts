import { VigilError } from '../errors/vigil-error.js';
import type { VigilEvent } from '../events/schema.js';
import { EventSourceBase } from './base-source.js';
import type { EventSource, SourceStats } from './event-source.js';

/**
 * Several sources as one stream in time order: a capture and the OTel
 * GenAI spans of the same run, say. Each source is read a batch at a time;
 * an event is delivered once every source still running has read past its
 * time, so memory holds about one batch per source. Events that tie keep
 * the order of the sources given. Drops of every source are summed by name.
 *
 * @example
 * ```ts
 * import { MergedSource, OtelSpanSource, ReplaySource, Vigil } from '@vigil/core';
 *
 * const source = new MergedSource([new ReplaySource(['agent.vcap']), new OtelSpanSource(['spans.json'])]);
 * await new Vigil({ source }).run();
 * ```
 */
export class MergedSource extends EventSourceBase {
  override readonly name: string;
  readonly sources: readonly EventSource[];

  constructor(sources: readonly EventSource[]) {
    super();
    if (sources.length === 0) throw new VigilError('USAGE', 'MergedSource needs at least one source');
    this.sources = sources;
    this.name = `merged(${sources.map((s) => s.name).join(',')})`;
  }

  // Drops are the merged sources' own, summed by cause.
  override stats(): SourceStats {
    const drops: Record<string, number> = {};
    for (const s of this.sources)
      for (const [k, n] of Object.entries(s.stats().drops)) drops[k] = (drops[k] ?? 0) + n;
    return { ...super.stats(), drops };
  }

  override async *[Symbol.asyncIterator](): AsyncIterator<VigilEvent[]> {
    this.begin('a MergedSource');
    const its = this.sources.map((s) => s[Symbol.asyncIterator]());
    const held: VigilEvent[][] = this.sources.map(() => []);
    const done = this.sources.map(() => false);
    try {
      for (;;) {
        // Every running source with nothing held reads its next (non-empty) batch.
        for (const [i, it] of its.entries()) {
          while (!done[i] && held[i]!.length === 0) {
            const r = await it.next();
            if (this.closed) return;
            if (r.done) done[i] = true;
            else held[i] = r.value.slice();
          }
        }
        // What every running source has read past can go: up to the smallest of their latest times.
        let horizon = Number.POSITIVE_INFINITY;
        for (const [i, h] of held.entries()) {
          if (done[i]) continue;
          let latest = Number.NEGATIVE_INFINITY;
          for (const ev of h) if (ev.ts > latest) latest = ev.ts;
          if (latest < horizon) horizon = latest;
        }
        const out: { ev: VigilEvent; src: number; pos: number }[] = [];
        for (const [i, h] of held.entries()) {
          const keep: VigilEvent[] = [];
          for (const [pos, ev] of h.entries()) {
            if (ev.ts <= horizon) out.push({ ev, src: i, pos });
            else keep.push(ev);
          }
          held[i] = keep;
        }
        if (out.length > 0) {
          out.sort((a, b) => a.ev.ts - b.ev.ts || a.src - b.src || a.pos - b.pos);
          yield this.deliver(out.map((x) => x.ev));
        }
        if (done.every((d) => d) && held.every((h) => h.length === 0)) return;
      }
    } finally {
      await Promise.all(its.map((it) => it.return?.()));
    }
  }

  protected override async onClose(): Promise<void> {
    await Promise.all(this.sources.map((s) => s.close()));
  }
}
